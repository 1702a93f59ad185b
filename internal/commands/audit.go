package commands

import (
	"context"
	"slices"
)

// audit records an executed mutation or a refusal, if an Auditor is set.
func (s *Service) audit(ctx context.Context, inv *invocation, outcome Outcome, targets []string, detail, ref string) {
	if s.auditor == nil {
		return
	}
	s.auditor.Record(ctx, AuditEntry{
		Time:         s.now(),
		TeamID:       inv.req.TeamID,
		ChannelID:    inv.req.ChannelID,
		UserID:       inv.req.UserID,
		Verb:         inv.verbName(),
		MeetingID:    inv.meetingID,
		MeetingTitle: inv.meetingTitle,
		Targets:      slices.Clone(targets),
		Outcome:      outcome,
		Detail:       detail,
		Ref:          ref,
	})
}

// typedTargets are the <who> arguments as typed, for auditing a refusal
// (which happens before anyone is resolved).
func typedTargets(inv *invocation) []string {
	if inv.spec == nil || !inv.spec.Targets {
		return nil
	}
	out := make([]string, len(inv.args))
	for i, a := range inv.args {
		out[i] = a.text
		if a.userID != "" {
			out[i] = a.text + " (" + a.userID + ")"
		}
	}
	return out
}
