package commands

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Anyone in the workspace can send moderator commands and be refused, as
// often as they like. Recording every refusal would let one person push the
// moderators' real actions out of the audit log, fill the audit channel and
// grow the database without bound. So refusals are throttled per person and
// verb: the first is recorded (stored and posted), and until refusalWindow
// has passed the rest are only counted (Config.RefusalHeld, for a metric);
// the next one recorded says how many were held back. The requester is told
// every time.
const refusalWindow = time.Minute

// auditRefusal logs and audits a refusal, unless the requester was refused
// the same verb less than refusalWindow ago: then it is only counted.
func (s *Service) auditRefusal(ctx context.Context, inv *invocation, targets []string, reason, why string) {
	verb := inv.verbName()
	record, held, err := s.refusals.AdmitRefusal(ctx, inv.req.TeamID, inv.req.UserID, verb, s.now(), refusalWindow)
	if err != nil {
		// A database that cannot count refusals can hardly store them
		// either; trying costs little, and hiding one would cost more.
		inv.log.WarnContext(ctx, "cannot throttle refusals; recording this one", "err", err)
		record, held = true, 0
	}
	if !record {
		inv.log.DebugContext(ctx, "refused, not recorded: the same refusal was recorded less than a minute ago", "reason", why)
		if s.refusalHeld != nil {
			s.refusalHeld(verb)
		}
		return
	}
	inv.log.InfoContext(ctx, "refused: "+why, "held_since_last", held)
	detail := reason
	if held > 0 {
		detail += fmt.Sprintf(" (Refused %d more time(s) since the previous refusal recorded, not recorded one by one.)", held)
	}
	s.audit(ctx, inv, OutcomeRefused, targets, detail, "")
}

// memoryRefusals is the Refusals of a Service without a shared one: each
// process throttles on its own, so N replicas record up to N refusals per
// window between them.
type memoryRefusals struct {
	mu        sync.Mutex
	last      map[refusalKey]refusalCount
	lastPrune time.Time
}

type refusalKey struct{ team, user, verb string }

type refusalCount struct {
	recorded time.Time
	held     int
}

func newMemoryRefusals() *memoryRefusals {
	return &memoryRefusals{last: make(map[refusalKey]refusalCount)}
}

// AdmitRefusal implements Refusals.
func (m *memoryRefusals) AdmitRefusal(_ context.Context, teamID, userID, verb string, now time.Time, window time.Duration) (bool, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if now.Sub(m.lastPrune) >= window { // bound memory: forget whoever has been quiet
		for k, c := range m.last {
			if quiet := now.Sub(c.recorded); quiet >= window && (c.held == 0 || quiet >= time.Hour) {
				delete(m.last, k)
			}
		}
		m.lastPrune = now
	}
	k := refusalKey{teamID, userID, verb}
	c, ok := m.last[k]
	if ok && now.Sub(c.recorded) < window {
		c.held++
		m.last[k] = c
		return false, 0, nil
	}
	m.last[k] = refusalCount{recorded: now}
	return true, c.held, nil
}
