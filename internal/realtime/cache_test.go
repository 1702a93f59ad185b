package realtime_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rtkbot/rtkbot/internal/meeting"
	"github.com/rtkbot/rtkbot/internal/realtime"
	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
)

// TestConcurrentReadsCoalesce: a hundred status checks of one meeting at
// once cost RealtimeKit at most two requests.
func TestConcurrentReadsCoalesce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		tweak func(*realtime.Config)
		fault rtkfake.Fault
	}{
		{name: "default cache", tweak: func(*realtime.Config) {}},
		// Without the cache only singleflight can help; the latency keeps
		// the first request in flight while the others arrive.
		{name: "singleflight alone", tweak: func(c *realtime.Config) { c.CacheTTL = -1 }, fault: rtkfake.Fault{Latency: 500 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.SetFault(rtkfake.RouteActiveSession, tt.fault)
			c := newClient(t, f, tt.tweak)
			start := make(chan struct{})
			var wg sync.WaitGroup
			sessions := make([]meeting.Session, 100)
			errs := make([]error, 100)
			for i := range 100 {
				wg.Go(func() {
					<-start
					sessions[i], errs[i] = c.ActiveSession(t.Context(), meetingID)
				})
			}
			close(start)
			wg.Wait()
			for i := range 100 {
				if errs[i] != nil || sessions[i].ID != sessionID {
					t.Fatalf("call %d: %+v, %v", i, sessions[i], errs[i])
				}
			}
			if n := f.RequestCount(rtkfake.RouteActiveSession); n > 2 {
				t.Errorf("%d requests reached RealtimeKit, want at most 2", n)
			}
		})
	}
}

// TestCacheExpires checks the TTL against an injected clock.
func TestCacheExpires(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	clk := &clock{now: t0}
	c := newClient(t, f, func(c *realtime.Config) { c.CacheTTL = 2 * time.Second; c.Now = clk.Now })
	steps := []struct {
		advance time.Duration
		want    int // requests so far
	}{
		{0, 1},
		{time.Second, 1},
		{999 * time.Millisecond, 1},
		{time.Millisecond, 2}, // 2s after the first read: stale
		{time.Second, 2},
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		if _, err := c.Meeting(t.Context(), meetingID); err != nil {
			t.Fatal(err)
		}
		if n := f.RequestCount(rtkfake.RouteMeeting); n != s.want {
			t.Errorf("step %d: %d requests, want %d", i, n, s.want)
		}
	}
}

// TestMutationRefreshesReads: a status right after a kick must not show the
// kicked participant, however fresh the cached list was.
func TestMutationRefreshesReads(t *testing.T) {
	t.Parallel()
	names := func(ps []meeting.Participant) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	tests := []struct {
		name   string
		mutate func(ctx context.Context, c *realtime.Client) error
		check  func(t *testing.T, ctx context.Context, c *realtime.Client)
	}{
		{
			name: "kick",
			mutate: func(ctx context.Context, c *realtime.Client) error {
				_, err := c.Kick(ctx, meetingID, meeting.Targets{ParticipantIDs: []string{"u-bob"}})
				return err
			},
			check: func(t *testing.T, ctx context.Context, c *realtime.Client) {
				ps, err := c.LiveParticipants(ctx, meetingID)
				if diff := cmp.Diff([]string{"Ana"}, names(ps)); err != nil || diff != "" {
					t.Errorf("live after kick: %v (-want +got):\n%s", err, diff)
				}
			},
		},
		{
			name: "kick-all",
			mutate: func(ctx context.Context, c *realtime.Client) error {
				_, err := c.KickAll(ctx, meetingID)
				return err
			},
			check: func(t *testing.T, ctx context.Context, c *realtime.Client) {
				if _, err := c.ActiveSession(ctx, meetingID); !errors.Is(err, meeting.ErrNoActiveSession) {
					t.Errorf("ActiveSession after kick-all: %v, want ErrNoActiveSession", err)
				}
			},
		},
		{
			// A failed mutation may still have changed something upstream.
			name: "failed mute",
			mutate: func(ctx context.Context, c *realtime.Client) error {
				_, err := c.Mute(ctx, meetingID, meeting.Targets{ParticipantIDs: []string{"u-zed"}})
				if !errors.Is(err, meeting.ErrParticipantNotFound) {
					return fmt.Errorf("mute u-zed: %v, want ErrParticipantNotFound", err)
				}
				return nil
			},
			check: func(t *testing.T, ctx context.Context, c *realtime.Client) {
				if _, err := c.LiveParticipants(ctx, meetingID); err != nil {
					t.Error(err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			c := newClient(t, f, func(c *realtime.Config) { c.CacheTTL = 2 * time.Second })
			ctx := t.Context()
			if _, err := c.LiveParticipants(ctx, meetingID); err != nil {
				t.Fatal(err)
			}
			if err := tt.mutate(ctx, c); err != nil {
				t.Fatal(err)
			}
			before := f.RequestCount(rtkfake.RouteActiveSession)
			tt.check(t, ctx, c)
			if f.RequestCount(rtkfake.RouteActiveSession) == before {
				t.Error("read after the mutation came from the cache")
			}
		})
	}
}

// TestCachedResultsAreCopies: a caller changing a returned list must not
// change what the next caller gets.
func TestCachedResultsAreCopies(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := newClient(t, f)
	first, err := c.LiveParticipants(t.Context(), meetingID)
	if err != nil {
		t.Fatal(err)
	}
	first[0].Name = "Mallory"
	second, err := c.LiveParticipants(t.Context(), meetingID)
	if err != nil {
		t.Fatal(err)
	}
	if second[0].Name != "Ana" {
		t.Errorf("second read sees %q, want Ana", second[0].Name)
	}
	if n := f.RequestCount(rtkfake.RouteSessionParticipants); n != 1 {
		t.Errorf("%d participant requests, want 1 (cached)", n)
	}
}
