package app_test

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/rtkbot/rtkbot/internal/config"
	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
)

// TestRealtimeKitRateFromConfigReachesTheClient: REALTIMEKIT_RATE_LIMIT
// and REALTIMEKIT_RATE_BURST shape the requests the bot sends. With a
// burst of 2 and one token every 1,000 s, RealtimeKit sees exactly two
// requests however many commands ask, and the command that finds the
// bucket empty is told to wait about 1,000 s. With the client's defaults
// instead (a burst of 20, 3.5 a second) both status cards would be shown.
func TestRealtimeKitRateFromConfigReachesTheClient(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(c *config.Config) { c.RealtimeKitRateLimit, c.RealtimeKitBurst = 0.001, 2 })
	wait := regexp.MustCompile(`Try again in (\d+) s\b`)
	limited := ""
	for _, id := range []string{meetingID, idleID} { // two meetings: no cached reads
		if got := shown(t, w.answer(modID, "status "+id)); wait.MatchString(got) {
			limited = got
		}
	}
	if n := w.rtk.RequestCount(rtkfake.AllRoutes); n != 2 {
		t.Errorf("RealtimeKit received %d requests, want the burst of 2", n)
	}
	m := wait.FindStringSubmatch(limited)
	if m == nil {
		t.Fatal("no command was told to wait for the rate limit")
	}
	mustContain(t, "rate-limited answer", limited, "Rate limited", "nothing was changed")
	if s, _ := strconv.Atoi(m[1]); s < 900 || s > 1000 {
		t.Errorf("told to wait %d s, want about 1000 s (one token every 1000 s):\n%s", s, limited)
	}
}
