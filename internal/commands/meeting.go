package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rtkbot/rtkbot/internal/meeting"
)

// chooseMeeting decides which meeting a verb acts on, setting inv.meetingID
// and leaving in inv.args the arguments after it. The rules:
//
//  1. The first argument is the meeting if it looks like a meeting ID (a
//     UUID or a room name such as abcdef-ghijkl, unquoted, not a mention).
//  2. Otherwise the meeting is the channel's default: the meeting it is
//     linked to (/meeting link), or Config.DefaultMeeting's answer.
//  3. Otherwise there is no meeting, and the error says how to name one.
//
// Participant IDs are UUIDs too, so in a linked channel "kick <uuid>" is
// ambiguous for the verbs that name participants (mute, kick): is the UUID
// another meeting, or someone in the linked one? There, a first argument
// that looks like a meeting ID but is not the linked meeting's is a
// participant of the linked meeting
//
//   - if nothing follows it (a meeting with nobody to act on cannot be what
//     was meant; if no one live has that ID, the error says who is live), or
//   - if it is the ID of someone live in the linked meeting right now (one
//     read of who is live, which the verb needs anyway);
//
// and the meeting to act on otherwise. An explicit meeting ID always wins
// in the other verbs, and in unlinked channels.
func (s *Service) chooseMeeting(ctx context.Context, inv *invocation) error {
	explicit, rest := takeMeetingID(inv.args)
	if explicit != "" && !inv.spec.Targets {
		inv.meetingID, inv.args = explicit, rest
		return nil
	}
	if explicit == "" && len(inv.args) > 0 && inv.spec.MaxArgs == 0 {
		// The verb takes nothing but a meeting, so this was meant as one.
		return s.notAMeetingID(inv)
	}
	linked, err := s.channelMeeting(ctx, inv)
	if err != nil {
		return err
	}
	switch {
	case explicit == "" && linked == "":
		return s.noMeeting(inv)
	case explicit == "":
		inv.meetingID = linked
	case linked == "" || strings.EqualFold(explicit, linked):
		inv.meetingID, inv.args = explicit, rest
	case len(rest) == 0 && inv.spec.MinArgs > 0:
		inv.meetingID = linked
	default:
		live, err := s.liveIfParticipant(ctx, linked, explicit)
		if err != nil {
			return err
		}
		if live != nil {
			inv.meetingID, inv.live = linked, live
			inv.log.DebugContext(ctx, "a UUID that could be a meeting is a participant of the linked meeting", "participant_id", explicit)
		} else {
			inv.meetingID, inv.args = explicit, rest
		}
	}
	return nil
}

// channelMeeting returns the channel's default meeting, "" if none.
func (s *Service) channelMeeting(ctx context.Context, inv *invocation) (string, error) {
	if s.defaultMeeting == nil {
		return "", nil
	}
	id, err := s.defaultMeeting(ctx, inv.req.TeamID, inv.req.ChannelID)
	if err != nil {
		return "", &storageError{op: "find the meeting linked to channel " + inv.req.ChannelID, err: err}
	}
	return id, nil
}

// liveIfParticipant returns who is live in meetingID if token is the ID of
// one of them, and nil otherwise (also when nobody is live there, or the
// meeting is gone). Other errors fail the command: guessing would risk
// acting on the wrong meeting.
func (s *Service) liveIfParticipant(ctx context.Context, meetingID, token string) ([]meeting.Participant, error) {
	live, err := s.rt.LiveParticipants(ctx, meetingID)
	switch {
	case errors.Is(err, meeting.ErrNoActiveSession), errors.Is(err, meeting.ErrMeetingNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("list live participants of linked meeting %s: %w", meetingID, err)
	}
	for _, p := range live {
		if strings.EqualFold(p.ID, token) {
			return live, nil
		}
	}
	return nil, nil
}

// linkedMeeting adapts Links to Config.DefaultMeeting.
func linkedMeeting(links Links) func(ctx context.Context, teamID, channelID string) (string, error) {
	return func(ctx context.Context, teamID, channelID string) (string, error) {
		l, found, err := links.Linked(ctx, teamID, channelID)
		if err != nil || !found {
			return "", err
		}
		return l.MeetingID, nil
	}
}

// noMeeting explains how to name the meeting a command left out.
func (s *Service) noMeeting(inv *invocation) error {
	return invalidf("Which meeting? Add its ID right after the verb, e.g. %s%s", inv.spec.Examples[0], s.linkHint())
}

// notAMeetingID refuses a first argument that should be a meeting ID and
// is not one.
func (s *Service) notAMeetingID(inv *invocation) error {
	return invalidf("%s is not a meeting ID. A meeting ID is a UUID (like %s) or a room name (like abcdef-ghijkl). Example: %s%s",
		quoteWord(inv.args[0].text), sampleMeetingID, inv.spec.Examples[0], s.linkHint())
}

// linkHint tells how to make the meeting ID optional, when links are
// available.
func (s *Service) linkHint() string {
	if s.links == nil {
		return ""
	}
	return ". To leave the ID out in this channel, link the channel to the meeting once: " + commandName + " link <meeting-id>"
}
