package realtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rtkbot/rtkbot/internal/meeting"
	"github.com/rtkbot/rtkbot/internal/realtime"
	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
)

// TestDefaultRateLimitAdmitsTwentyThenOneEvery286ms pins the default
// token bucket, whose numbers keep the bot under Cloudflare's limits (see
// DefaultRateLimit): with the clock stopped, a client left at its defaults
// sends a burst of exactly 20 requests, and then asks for 1/3.5 s before
// the next. Changing either default fails this test.
func TestDefaultRateLimitAdmitsTwentyThenOneEvery286ms(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	stopped := time.Now()
	c := newClient(t, f, func(c *realtime.Config) {
		c.RateLimit, c.Burst = 0, 0 // the defaults
		c.CacheTTL = -1
		c.Now = func() time.Time { return stopped }
	})
	for i := range 20 {
		if _, err := c.Meeting(t.Context(), meetingID); err != nil {
			t.Fatalf("request %d of the burst: %v", i+1, err)
		}
	}
	// A deadline shorter than the wait for a token: a call the bucket
	// cannot admit fails at once with the wait, rather than waiting. (Only
	// this call has one: a short deadline on the burst's requests could
	// expire on a busy machine while RealtimeKit answers.)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_, err := c.Meeting(ctx, meetingID)
	var rl *meeting.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("request 21: err = %v, want a RateLimitError from the client's own limiter", err)
	}
	perSecond := 3.5
	want := time.Duration(float64(time.Second) / perSecond)
	if d := rl.RetryAfter - want; d < -time.Microsecond || d > time.Microsecond {
		t.Errorf("request 21 must wait %v, want %v (%v requests a second)", rl.RetryAfter, want, perSecond)
	}
	if n := f.RequestCount(rtkfake.RouteMeeting); n != 20 {
		t.Errorf("RealtimeKit received %d requests, want the burst of 20", n)
	}
}
