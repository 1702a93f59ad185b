package realtime_test

import (
	"io"
	"net/http"
	"testing"

	"golang.org/x/time/rate"

	"github.com/rtkbot/rtkbot/internal/realtime"
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
