package commands

import (
	"context"
	"fmt"

	"github.com/rtkbot/rtkbot/internal/meeting"
)

// runMute mutes the named participants in one upstream call.
func (s *Service) runMute(ctx context.Context, inv *invocation) result {
	targets, _, err := s.targetsOf(ctx, inv)
	if err != nil {
		return s.fail(ctx, inv, err)
	}
	view := ActionView{
		Verb:         "mute",
		RequesterID:  inv.req.UserID,
		MeetingID:    inv.meetingID,
		MeetingTitle: inv.meetingTitle,
	}
	if inv.has(flagDryRun) {
		view.DryRun = true
		view.Affected = asAffected(targets)
		return dryRun(Reply{Action: &view})
	}
	inv.mutating = true
	affected, err := s.rt.Mute(ctx, inv.meetingID, participantIDs(targets))
	if err != nil {
		return s.failMutation(ctx, inv, fmt.Errorf("mute %d participants in meeting %s: %w", len(targets), inv.meetingID, err), auditTargets(targets))
	}
	view.Affected = reported(affected, targets)
	s.audit(ctx, inv, OutcomeOK, auditTargets(targets), fmt.Sprintf("muted %d participant(s)", len(view.Affected)), "")
	return reply(InChannel, Reply{Action: &view})
}

// runMuteAll mutes everyone in one upstream call.
func (s *Service) runMuteAll(ctx context.Context, inv *invocation) result {
	dry := inv.has(flagDryRun)
	_, live, err := s.snapshot(ctx, inv, dry)
	if err != nil {
		return s.fail(ctx, inv, err)
	}
	view := ActionView{
		Verb:         "mute-all",
		RequesterID:  inv.req.UserID,
		MeetingID:    inv.meetingID,
		MeetingTitle: inv.meetingTitle,
		AllowUnmute:  inv.has(flagAllowUnmute),
	}
	if dry {
		view.DryRun = true
		view.Count = len(live)
		return dryRun(Reply{Action: &view})
	}
	inv.mutating = true
	n, err := s.rt.MuteAll(ctx, inv.meetingID, view.AllowUnmute)
	if err != nil {
		return s.failMutation(ctx, inv, fmt.Errorf("mute everyone in meeting %s: %w", inv.meetingID, err), nil)
	}
	view.Count = n
	s.audit(ctx, inv, OutcomeOK, nil, fmt.Sprintf("muted %d participant(s), allow unmute: %t", n, view.AllowUnmute), "")
	return reply(InChannel, Reply{Action: &view})
}

// dryRun is the ephemeral answer to a --dry-run.
func dryRun(r Reply) result {
	res := reply(Ephemeral, r)
	res.outcome = OutcomeDryRun
	return res
}

// participantIDs are the kick/mute targets for resolved participants: always
// their participant IDs, which name exactly the people shown to the user.
func participantIDs(ps []meeting.Participant) meeting.Targets {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return meeting.Targets{ParticipantIDs: ids}
}

func asAffected(ps []meeting.Participant) []meeting.Affected {
	out := make([]meeting.Affected, len(ps))
	for i, p := range ps {
		out[i] = meeting.Affected{ID: p.ID, CustomParticipantID: p.CustomParticipantID, Name: p.Name}
	}
	return out
}

// reported is who RealtimeKit says it acted on. Its response normally lists
// them; when it lists no one after a successful call, the people we asked
// for are the best account of what happened.
func reported(affected []meeting.Affected, asked []meeting.Participant) []meeting.Affected {
	if len(affected) > 0 {
		return affected
	}
	return asAffected(asked)
}
