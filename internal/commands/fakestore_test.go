package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// Hand-written fakes of the storage ports, over maps. The real store runs
// the same scenarios against SQLite and Postgres in package store.

// errDBDown is what the fakes return when told to fail.
var errDBDown = errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")

// fakeLinks is a Links over a map, stamping links with its clock.
type fakeLinks struct {
	mu    sync.Mutex
	now   func() time.Time
	links map[[2]string]ChannelLink
	err   error // returned by every method when set
}

var _ Links = (*fakeLinks)(nil)

func newFakeLinks(now func() time.Time) *fakeLinks {
	return &fakeLinks{now: now, links: make(map[[2]string]ChannelLink)}
}

func (f *fakeLinks) Link(_ context.Context, team, channel, meeting, title, by string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.links[[2]string{team, channel}] = ChannelLink{MeetingID: meeting, MeetingTitle: title, LinkedBy: by, LinkedAt: f.now()}
	return nil
}

func (f *fakeLinks) Linked(_ context.Context, team, channel string) (ChannelLink, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return ChannelLink{}, false, f.err
	}
	l, ok := f.links[[2]string{team, channel}]
	return l, ok, nil
}

func (f *fakeLinks) Unlink(_ context.Context, team, channel string) (ChannelLink, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return ChannelLink{}, false, f.err
	}
	l, ok := f.links[[2]string{team, channel}]
	delete(f.links, [2]string{team, channel})
	return l, ok, nil
}

func (f *fakeLinks) set(fn func(f *fakeLinks)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// get returns the link of (teamID, chanID), if any.
func (f *fakeLinks) get() (ChannelLink, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := f.links[[2]string{teamID, chanID}]
	return l, ok
}

// fakeAuditLog serves RecentAudit from a fixed list, newest first, and
// records what it was asked.
type fakeAuditLog struct {
	mu      sync.Mutex
	entries []AuditEntry
	asked   []string // "team meeting n"
	err     error
}

var _ AuditLog = (*fakeAuditLog)(nil)

func (f *fakeAuditLog) RecentAudit(_ context.Context, team, meeting string, n int, refusals bool) ([]AuditEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	asked := fmt.Sprintf("%s %s %d", team, meeting, n)
	if refusals {
		asked += " refusals"
	}
	f.asked = append(f.asked, asked)
	if f.err != nil {
		return nil, f.err
	}
	var out []AuditEntry
	for _, e := range f.entries {
		if e.Outcome == OutcomeRefused && !refusals {
			continue
		}
		if e.TeamID == team && e.MeetingID == meeting && len(out) < n {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fakeAuditLog) Asked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.asked)
}

// fakeDeliveries is a Deliveries over a set. Services sharing one behave
// like replicas sharing a database.
type fakeDeliveries struct {
	mu       sync.Mutex
	seen     map[string]bool
	finished map[string]DeliveryResult
	claims   []string // every key claimed, in order
	err      error
}

var _ Deliveries = (*fakeDeliveries)(nil)

func newFakeDeliveries() *fakeDeliveries {
	return &fakeDeliveries{seen: make(map[string]bool), finished: make(map[string]DeliveryResult)}
}

func (f *fakeDeliveries) ClaimDelivery(_ context.Context, key string, _ time.Time) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.claims = append(f.claims, key)
	if f.err != nil {
		return false, f.err
	}
	if key == "" {
		return false, errors.New("claim delivery: empty key")
	}
	if f.seen[key] {
		return false, nil
	}
	f.seen[key] = true
	return true, nil
}

func (f *fakeDeliveries) FinishDelivery(_ context.Context, key string, r DeliveryResult, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if key == "" {
		return errors.New("finish delivery: empty key")
	}
	if _, done := f.finished[key]; f.seen[key] && !done {
		f.finished[key] = r
	}
	return nil
}

func (f *fakeDeliveries) FinishedDelivery(_ context.Context, key string) (DeliveryResult, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return DeliveryResult{}, false, f.err
	}
	r, ok := f.finished[key]
	return r, ok, nil
}

func (f *fakeDeliveries) Claims() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.claims)
}

func (f *fakeDeliveries) setErr(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

// storeEnv is an env whose Service has the storage ports wired to fakes.
type storeEnv struct {
	*env
	links *fakeLinks
	log   *fakeAuditLog
	dels  *fakeDeliveries
}

func newStoreEnv(t testing.TB, opts ...func(*Config)) *storeEnv {
	t.Helper()
	se := &storeEnv{log: &fakeAuditLog{}, dels: newFakeDeliveries()}
	wire := func(c *Config) {
		se.links = newFakeLinks(c.Now)
		c.Links, c.AuditLog, c.Deliveries = se.links, se.log, se.dels
	}
	se.env = newEnv(t, append([]func(*Config){wire}, opts...)...)
	return se
}
