package commands

import (
	"context"
	"fmt"
)

// errNoLinks answers the link verbs when the bot has no database.
var errNoLinks = invalidf("Channel links are not available: this bot runs without a database to keep them. " +
	"Name the meeting in each command instead.")

// checkLink refuses a link argument that cannot be a meeting ID, before
// anyone's authorization is looked up, and otherwise takes it as the
// invocation's meeting, so that a refusal is audited under it.
func checkLink(inv *invocation) error {
	if len(inv.args) == 0 {
		return nil
	}
	id, _ := takeMeetingID(inv.args)
	if id == "" {
		return invalidf("%s is not a meeting ID. A meeting ID is a UUID (like %s) or a room name (like abcdef-ghijkl). Example: %s",
			quoteWord(inv.args[0].text), sampleMeetingID, inv.spec.Examples[0])
	}
	inv.meetingID = id
	return nil
}

// runLink links the channel to the meeting named, after checking that
// RealtimeKit knows it, and tells the channel; without an argument it
// shows the current link.
func (s *Service) runLink(ctx context.Context, inv *invocation) result {
	if s.links == nil {
		return s.fail(ctx, inv, errNoLinks)
	}
	if len(inv.args) == 0 {
		return s.showLink(ctx, inv)
	}
	inv.log = inv.log.With("meeting_id", inv.meetingID) // set by checkLink
	m, err := s.rt.Meeting(ctx, inv.meetingID)
	if err != nil {
		return s.fail(ctx, inv, fmt.Errorf("look up meeting %s to link channel %s: %w", inv.meetingID, inv.req.ChannelID, err))
	}
	inv.meetingTitle = m.Title
	if err := s.links.Link(ctx, inv.req.TeamID, inv.req.ChannelID, inv.meetingID, m.Title, inv.req.UserID); err != nil {
		return s.fail(ctx, inv, &storageError{op: "link channel " + inv.req.ChannelID + " to meeting " + inv.meetingID, err: err})
	}
	s.audit(ctx, inv, OutcomeOK, nil, "linked channel "+inv.req.ChannelID+" to the meeting", "")
	return reply(InChannel, Reply{Link: &LinkView{
		Action:       LinkLinked,
		RequesterID:  inv.req.UserID,
		MeetingID:    inv.meetingID,
		MeetingTitle: m.Title,
		LinkedBy:     inv.req.UserID,
		LinkedAt:     s.now(),
	}})
}

// showLink tells the requester which meeting the channel is linked to, or
// that it is not and how to link it.
func (s *Service) showLink(ctx context.Context, inv *invocation) result {
	l, found, err := s.links.Linked(ctx, inv.req.TeamID, inv.req.ChannelID)
	if err != nil {
		return s.fail(ctx, inv, &storageError{op: "load the link of channel " + inv.req.ChannelID, err: err})
	}
	if !found {
		return reply(Ephemeral, Reply{Notice: &NoticeView{Text: "This channel is not linked to a meeting. A moderator can link it with " +
			commandName + " link <meeting-id>; commands here can then leave the meeting ID out."}})
	}
	return reply(Ephemeral, Reply{Link: &LinkView{
		Action:       LinkShown,
		RequesterID:  inv.req.UserID,
		MeetingID:    l.MeetingID,
		MeetingTitle: l.MeetingTitle,
		LinkedBy:     l.LinkedBy,
		LinkedAt:     l.LinkedAt,
	}})
}

// runUnlink removes the channel's link and tells the channel which meeting
// it was.
func (s *Service) runUnlink(ctx context.Context, inv *invocation) result {
	if s.links == nil {
		return s.fail(ctx, inv, errNoLinks)
	}
	l, found, err := s.links.Unlink(ctx, inv.req.TeamID, inv.req.ChannelID)
	if err != nil {
		return s.fail(ctx, inv, &storageError{op: "unlink channel " + inv.req.ChannelID, err: err})
	}
	if !found {
		return reply(Ephemeral, Reply{Notice: &NoticeView{Text: "This channel is not linked to a meeting, so there was nothing to unlink."}})
	}
	inv.meetingID, inv.meetingTitle = l.MeetingID, l.MeetingTitle
	inv.log = inv.log.With("meeting_id", l.MeetingID)
	s.audit(ctx, inv, OutcomeOK, nil, "unlinked channel "+inv.req.ChannelID+" from the meeting", "")
	return reply(InChannel, Reply{Link: &LinkView{
		Action:       LinkUnlinked,
		RequesterID:  inv.req.UserID,
		MeetingID:    l.MeetingID,
		MeetingTitle: l.MeetingTitle,
		LinkedBy:     l.LinkedBy,
		LinkedAt:     l.LinkedAt,
	}})
}
