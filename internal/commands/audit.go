package commands

import (
	"context"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// audit records an executed mutation or a refusal, if an Auditor is set.
// The text in it is capped (see capAuditText): it is kept for months and
// posted to the audit channel, and some of it is typed by whoever ran the
// command, moderator or not.
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
		MeetingID:    capText(inv.meetingID, maxAuditField),
		MeetingTitle: capText(inv.meetingTitle, maxAuditField),
		Targets:      capTargets(targets),
		Outcome:      outcome,
		Detail:       capText(detail, maxAuditDetail),
		Ref:          ref,
	})
}

// Caps on the text an audit entry keeps, in bytes: enough for any real
// name, title or reason, and a few dozen targets.
const (
	maxAuditField   = 200  // one target, the meeting ID or title
	maxAuditTargets = 1000 // all targets together
	maxAuditDetail  = 1000
)

// ellipsis marks text that was cut.
const ellipsis = "…"

// capText returns s cut to at most max bytes, on a character boundary,
// ending with an ellipsis if it was cut.
func capText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

// capTargets caps each target to maxAuditField and all of them to about
// maxAuditTargets: the targets beyond are replaced by a count.
func capTargets(targets []string) []string {
	if targets == nil {
		return nil
	}
	out := make([]string, 0, len(targets))
	total := 0
	for i, t := range targets {
		t = capText(t, maxAuditField)
		if total+len(t) > maxAuditTargets {
			return append(out, fmt.Sprintf("%s and %d more", ellipsis, len(targets)-i))
		}
		total += len(t)
		out = append(out, t)
	}
	return out
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
	refusals := inv.has(flagRefusals)
	entries, err := s.auditLog.RecentAudit(ctx, inv.req.TeamID, inv.meetingID, n, refusals)
	if err != nil {
		return s.fail(ctx, inv, &storageError{op: fmt.Sprintf("read the last %d audit entries of meeting %s", n, inv.meetingID), err: err})
	}
	view := AuditView{MeetingID: inv.meetingID, Entries: entries, Limit: n, Refusals: refusals}
	for _, e := range entries {
		if e.MeetingTitle != "" {
			view.MeetingTitle = e.MeetingTitle // the newest title recorded
			break
		}
	}
	return reply(Ephemeral, Reply{Audit: &view})
}
