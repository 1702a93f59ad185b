package commands

import (
	"context"
	"fmt"
	"slices"
	"strconv"
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

// How many entries the audit verb shows.
const (
	defaultAuditEntries = 10
	maxAuditEntries     = 50
)

// auditCount is the n of "audit [meeting] [n]"; checkAudit has vetted it.
func auditCount(inv *invocation) int {
	if len(inv.args) == 0 {
		return defaultAuditEntries
	}
	n, _ := strconv.Atoi(inv.args[0].text)
	return n
}

// checkAudit refuses an n that is not a whole number from 1 to the limit.
func checkAudit(inv *invocation) error {
	if len(inv.args) == 0 {
		return nil
	}
	text := inv.args[0].text
	n, err := strconv.Atoi(text)
	switch {
	case err != nil:
		return invalidf("%s is not a number of entries. Give a whole number from 1 to %d, e.g. %s", quoteWord(text), maxAuditEntries, inv.spec.Examples[1])
	case n < 1 || n > maxAuditEntries:
		return invalidf("audit shows 1 to %d entries, not %d. Example: %s", maxAuditEntries, n, inv.spec.Examples[1])
	}
	return nil
}

// runAudit shows the requester the meeting's latest audit entries.
func (s *Service) runAudit(ctx context.Context, inv *invocation) result {
	if s.auditLog == nil {
		return s.fail(ctx, inv, invalidf("The audit log is not available: this bot runs without a database to keep it."))
	}
	n := auditCount(inv)
	entries, err := s.auditLog.RecentAudit(ctx, inv.req.TeamID, inv.meetingID, n)
	if err != nil {
		return s.fail(ctx, inv, &storageError{op: fmt.Sprintf("read the last %d audit entries of meeting %s", n, inv.meetingID), err: err})
	}
	view := AuditView{MeetingID: inv.meetingID, Entries: entries, Limit: n}
	for _, e := range entries {
		if e.MeetingTitle != "" {
			view.MeetingTitle = e.MeetingTitle // the newest title recorded
			break
		}
	}
	return reply(Ephemeral, Reply{Audit: &view})
}
