package commands

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/rtkbot/rtkbot/internal/realtime"
)

// Notification is a message the bot sends on its own initiative, not as
// the answer to a command: Reply, for UserID alone, in the channel. The app
// posts it as an ephemeral message (chat.postEphemeral).
type Notification struct {
	TeamID    string
	ChannelID string
	UserID    string
	Reply     Reply
}

// RecoverInterrupted tells the requester of each confirmation in stuck that
// its execution was cut short, and audits it as failed ("interrupted by
// restart"), under a reference that is also logged and shown (the Reply is
// an internal error carrying it).
//
// stuck are confirmations a process claimed (a Confirm click) but never
// finished: it died between the click and recording the outcome, so nobody
// knows whether the kick happened. Exactly one replica must report each:
// the caller lists them from the store (older than any execution can take),
// moves each out of the executing state with Finish(id, OutcomeFailed), and
// passes here only those whose Finish succeeded. RecoverInterrupted makes no
// upstream call and does not touch the confirmation store.
func (s *Service) RecoverInterrupted(ctx context.Context, stuck []Confirmation) []Notification {
	out := make([]Notification, 0, len(stuck))
	for _, c := range stuck {
		ref := s.newRef()
		inv := &invocation{
			req:          Request{TeamID: c.TeamID, ChannelID: c.ChannelID, UserID: c.RequesterID},
			spec:         s.byName[c.Verb],
			meetingID:    c.MeetingID,
			meetingTitle: c.MeetingTitle,
			targets:      c.Targets,
		}
		log := s.log.With(append(logAttrs(c.TeamID, c.ChannelID, c.RequesterID),
			slog.String("meeting_id", c.MeetingID), slog.String("command", c.Verb), slog.String("ref", ref))...)
		log.WarnContext(ctx, "a confirmed action was interrupted by a restart; telling its requester",
			"confirmation_id", c.ID, "targets", auditTargets(c.Targets))
		what := c.Verb
		if inv.spec == nil {
			// Not a verb this version knows; name it as stored.
			inv.spec = &verbSpec{Name: c.Verb}
		}
		switch {
		case c.Verb == "kick" && len(c.Targets) > 0:
			what = "kick of " + joinNames(listNames(c.Targets))
		case c.Verb == "kick-all":
			what = "kick-all (ending the session for everyone)"
		}
		msg := fmt.Sprintf("Your %s in %s was interrupted by a restart of the bot, so it may or may not have happened. "+
			"Check with %s status %s and run it again if needed.",
			what, inv.where(), commandName, c.MeetingID)
		s.audit(ctx, inv, OutcomeFailed, auditTargets(c.Targets), "interrupted by restart", ref)
		out = append(out, Notification{
			TeamID:    c.TeamID,
			ChannelID: c.ChannelID,
			UserID:    c.RequesterID,
			Reply:     Reply{Visibility: Ephemeral, Error: &ErrorView{Code: CodeInternal, Message: msg, Ref: ref}},
		})
	}
	return out
}

// interrupted answers a recovered command whose delivery the process that
// died with it had claimed: it may have made the change before dying, so
// the change is not made again. The meeting is named if the command named
// it or the channel is linked; nothing upstream is asked.
func (s *Service) interrupted(ctx context.Context, inv *invocation, cmd command) result {
	inv.spec = s.byName[cmd.verb]
	inv.args = cmd.args
	explicit, _ := takeMeetingID(cmd.args)
	inv.meetingID = explicit
	if explicit == "" {
		if linked, err := s.channelMeeting(ctx, inv); err == nil {
			inv.meetingID = linked
		}
	}
	ref := s.newRef()
	inv.log.WarnContext(ctx, "a command was interrupted by a restart after its delivery was claimed; telling its requester",
		"meeting_id", inv.meetingID, "ref", ref, "envelope_id", inv.req.EnvelopeID)
	s.audit(ctx, inv, OutcomeFailed, typedTargets(inv), "interrupted by restart", ref)
	check := commandName + " status"
	if inv.meetingID != "" {
		check += " " + inv.meetingID
	}
	msg := fmt.Sprintf("Your %s %s was interrupted by a restart of the bot before it answered, so it may or may not have taken effect. "+
		"Check with %s and run it again if needed.", commandName, inv.spec.Name, check)
	return result{
		replies: []Reply{{Visibility: Ephemeral, Error: &ErrorView{Code: CodeInternal, Message: msg, Ref: ref}}},
		outcome: OutcomeFailed,
	}
}

// listNames names up to maxListed participants, then "N more".
func listNames(ps []realtime.Participant) []string {
	n := min(len(ps), maxListed)
	names := make([]string, 0, n+1)
	for _, p := range ps[:n] {
		names = append(names, displayName(p))
	}
	if len(ps) > n {
		names = append(names, fmt.Sprintf("%d more", len(ps)-n))
	}
	return names
}
