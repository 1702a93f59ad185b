package realtime

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Kinds of cached reads, one cache entry per kind and meeting.
const (
	readMeeting             = "meeting"
	readActiveSession       = "active-session"
	readLiveParticipants    = "live-participants"
	readMeetingParticipants = "meeting-participants"
)

var readKinds = [...]string{readMeeting, readActiveSession, readLiveParticipants, readMeetingParticipants}

// maxCachedMeetings bounds the cache's memory: past it, the cache starts
// over. A bot moderates a handful of meetings at a time.
const maxCachedMeetings = 1024

// readCache coalesces identical concurrent reads (singleflight) and keeps
// their results for a short TTL. A status card asks for the session and its
// participants, and a burst of slash commands in a busy channel asks for the
// same meeting many times: one upstream request serves them all.
//
// Mutations call invalidate, which drops the meeting's entries and makes
// sure no read that was already in flight stores its (now stale) result, so
// a status right after a kick never shows the kicked participant.
type readCache struct {
	ttl   time.Duration // negative: store nothing (coalescing still applies)
	now   func() time.Time
	group singleflight.Group

	mu       sync.Mutex
	seq      uint64 // bumped by every invalidation
	floor    uint64 // reads that began before this seq may not store
	meetings map[string]*meetingReads
}

type meetingReads struct {
	invalidated uint64 // seq of the last invalidation
	values      map[string]cached
}

type cached struct {
	v       any
	expires time.Time
}

func newReadCache(ttl time.Duration, now func() time.Time) *readCache {
	return &readCache{ttl: ttl, now: now, meetings: make(map[string]*meetingReads)}
}

// cachedRead returns the kind read of meetingID from the cache, or joins an
// identical read in flight, or runs fetch. Only successes are cached.
func cachedRead[T any](ctx context.Context, rc *readCache, kind, meetingID string, fetch func(context.Context) (T, error)) (T, error) {
	var zero T
	if v, ok := rc.get(kind, meetingID); ok {
		return v.(T), nil
	}
	key := kind + "\x00" + meetingID
	for try := 0; ; try++ {
		ch := rc.group.DoChan(key, func() (any, error) {
			epoch := rc.begin()
			v, err := fetch(ctx)
			if err == nil {
				rc.put(kind, meetingID, epoch, v)
			}
			return v, err
		})
		select {
		case <-ctx.Done():
			return zero, ctx.Err()
		case r := <-ch:
			if r.Err == nil {
				return r.Val.(T), nil
			}
			// The caller whose context ran the shared read gave up; that
			// is no answer for us, whose context is still live.
			if try == 0 && r.Shared && ctx.Err() == nil &&
				(errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, context.DeadlineExceeded)) {
				continue
			}
			return zero, r.Err
		}
	}
}

func (rc *readCache) get(kind, meetingID string) (any, bool) {
	if rc.ttl < 0 {
		return nil, false
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	m := rc.meetings[meetingID]
	if m == nil {
		return nil, false
	}
	e, ok := m.values[kind]
	if !ok || !rc.now().Before(e.expires) {
		return nil, false
	}
	return e.v, true
}

// begin marks the start of a read; pass the result to put.
func (rc *readCache) begin() uint64 {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.seq
}

// put stores a read that began at epoch, unless the meeting was invalidated
// since.
func (rc *readCache) put(kind, meetingID string, epoch uint64, v any) {
	if rc.ttl < 0 {
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	m := rc.record(meetingID)
	if epoch < rc.floor || epoch < m.invalidated {
		return
	}
	m.values[kind] = cached{v: v, expires: rc.now().Add(rc.ttl)}
}

// invalidate drops every cached read of meetingID and detaches reads in
// flight, so the next read goes upstream.
func (rc *readCache) invalidate(meetingID string) {
	rc.mu.Lock()
	rc.seq++
	m := rc.record(meetingID)
	m.invalidated = rc.seq
	clear(m.values)
	rc.mu.Unlock()
	for _, kind := range readKinds {
		rc.group.Forget(kind + "\x00" + meetingID)
	}
}

// record returns meetingID's entry, creating it. Called with mu held.
func (rc *readCache) record(meetingID string) *meetingReads {
	m := rc.meetings[meetingID]
	if m != nil {
		return m
	}
	if len(rc.meetings) >= maxCachedMeetings {
		// Start over. Forgetting the invalidation marks is safe because
		// no read that began before now may store anything.
		clear(rc.meetings)
		rc.floor = rc.seq + 1
		rc.seq++
	}
	m = &meetingReads{values: make(map[string]cached, len(readKinds))}
	rc.meetings[meetingID] = m
	return m
}
