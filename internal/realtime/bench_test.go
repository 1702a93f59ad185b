package realtime_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/rtkbot/rtkbot/internal/realtime"
	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
)

// BenchmarkClientActiveSession measures one ActiveSession call against the
// fake over loopback HTTP, with the cache off and no rate limit, so every
// iteration is a full request: SDK, middleware, limiter, decoding and the
// fake's own work. BenchmarkRawActiveSession is the same request with
// net/http alone; the difference is the client's overhead.
func BenchmarkClientActiveSession(b *testing.B) {
	f := newFake(b)
	c := newClient(b, f, func(c *realtime.Config) { c.CacheTTL = -1; c.RateLimit = rate.Inf })
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ActiveSession(ctx, meetingID); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRawActiveSession(b *testing.B) {
	f := newFake(b)
	req, err := http.NewRequestWithContext(b.Context(), http.MethodGet, f.BaseURL()+"accounts/"+testAccount+"/realtime/kit/"+testApp+"/meetings/"+meetingID+"/active-session", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	hc := &http.Client{}
	b.ReportAllocs()
	for b.Loop() {
		res, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatal(res.Status)
		}
	}
}

// BenchmarkClientActiveSessionCached is the cost of a cache hit.
func BenchmarkClientActiveSessionCached(b *testing.B) {
	f := newFake(b)
	c := newClient(b, f)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ActiveSession(ctx, meetingID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClientLiveParticipants reads the live participants of a meeting
// of 50 (active session and one page of participants), uncached: the read
// behind every status card and every mute or kick by name.
func BenchmarkClientLiveParticipants(b *testing.B) {
	f := newFake(b)
	const bigMeeting = "m-big"
	m := rtkfake.Meeting{ID: bigMeeting, Title: "All hands", Session: &rtkfake.Session{ID: "s-big", StartedAt: t0}}
	for i := range 50 {
		p := rtkfake.Participant{
			PeerID: fmt.Sprintf("peer-%d", i), UserID: fmt.Sprintf("u-%d", i),
			CustomParticipantID: fmt.Sprintf("user%d@example.com", i), Name: fmt.Sprintf("User %d", i),
			Preset: "participant", JoinedAt: t0.Add(time.Duration(i) * time.Second),
		}
		m.Participants = append(m.Participants, p)
		m.Session.Participants = append(m.Session.Participants, p)
	}
	f.AddMeeting(m)
	c := newClient(b, f, func(c *realtime.Config) { c.CacheTTL = -1; c.RateLimit = rate.Inf })
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		ps, err := c.LiveParticipants(ctx, bigMeeting)
		if err != nil {
			b.Fatal(err)
		}
		if len(ps) != 50 {
			b.Fatalf("%d live participants, want 50", len(ps))
		}
	}
}
