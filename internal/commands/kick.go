package commands

import (
	"context"

	"github.com/rtkbot/rtkbot/internal/meeting"
)

// runKick resolves the people to kick and asks the requester to confirm.
func (s *Service) runKick(ctx context.Context, inv *invocation) result {
	targets, live, err := s.targetsOf(ctx, inv)
	if err != nil {
		return s.fail(ctx, inv, err)
	}
	if inv.has(flagDryRun) {
		return dryRun(Reply{Action: &ActionView{
			Verb:         "kick",
			RequesterID:  inv.req.UserID,
			MeetingID:    inv.meetingID,
			MeetingTitle: inv.meetingTitle,
			Affected:     asAffected(targets),
			DryRun:       true,
		}})
	}
	return s.prompt(ctx, inv, targets, len(live))
}

// runKickAll asks the requester to confirm ending the session for everyone.
func (s *Service) runKickAll(ctx context.Context, inv *invocation) result {
	_, live, err := s.snapshot(ctx, inv, true)
	if err != nil {
		return s.fail(ctx, inv, err)
	}
	if len(live) == 0 {
		return s.fail(ctx, inv, notFoundf("Nobody is live in %s right now, so there is no one to kick.", inv.where()))
	}
	if inv.has(flagDryRun) {
		return dryRun(Reply{Action: &ActionView{
			Verb:         "kick-all",
			RequesterID:  inv.req.UserID,
			MeetingID:    inv.meetingID,
			MeetingTitle: inv.meetingTitle,
			Count:        len(live),
			DryRun:       true,
		}})
	}
	return s.prompt(ctx, inv, nil, len(live))
}

// prompt stores a confirmation and shows it to the requester alone.
func (s *Service) prompt(ctx context.Context, inv *invocation, targets []meeting.Participant, liveCount int) result {
	now := s.now()
	c := Confirmation{
		ID:           s.newID(),
		TeamID:       inv.req.TeamID,
		ChannelID:    inv.req.ChannelID,
		RequesterID:  inv.req.UserID,
		Verb:         inv.spec.Name,
		MeetingID:    inv.meetingID,
		MeetingTitle: inv.meetingTitle,
		Targets:      targets,
		LiveCount:    liveCount,
		CreatedAt:    now,
		ExpiresAt:    now.Add(s.confirmTTL),
		State:        StatePending,
	}
	if err := s.confirms.Put(ctx, c); err != nil {
		return s.fail(ctx, inv, &storageError{op: "store " + c.Verb + " confirmation", err: err})
	}
	res := reply(Ephemeral, Reply{Confirm: &ConfirmView{
		ID:           c.ID,
		Verb:         c.Verb,
		RequesterID:  c.RequesterID,
		MeetingID:    c.MeetingID,
		MeetingTitle: c.MeetingTitle,
		Targets:      targets,
		LiveCount:    liveCount,
		ExpiresAt:    c.ExpiresAt,
	}})
	res.outcome = OutcomePending
	return res
}
