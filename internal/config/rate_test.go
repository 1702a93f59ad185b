package config

import (
	"os"
	"testing"

	"github.com/rtkbot/rtkbot/internal/realtime"
)

// setRateEnv sets the RealtimeKit rate variables, unsetting those that are
// empty. Not parallel: the process environment is shared.
func setRateEnv(t *testing.T, limit, burst string) {
	t.Helper()
	for k, v := range map[string]string{"REALTIMEKIT_RATE_LIMIT": limit, "REALTIMEKIT_RATE_BURST": burst} {
		t.Setenv(k, v)
		if v == "" {
			os.Unsetenv(k)
		}
	}
}

// TestRealtimeKitRateDefaults: unset, the rate variables give the
// client's own defaults, 3.5 requests a second with a burst of 20, the
// numbers that keep the bot under Cloudflare's limits (see
// realtime.DefaultRateLimit). Load always sets both, so these, not the
// client's, are the defaults the bot runs with.
func TestRealtimeKitRateDefaults(t *testing.T) {
	setEnv(t, validEnv())
	setRateEnv(t, "", "")
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.RealtimeKitRateLimit != 3.5 || c.RealtimeKitBurst != 20 {
		t.Errorf("rate %v/s, burst %d; want 3.5/s, burst 20", c.RealtimeKitRateLimit, c.RealtimeKitBurst)
	}
	if c.RealtimeKitRateLimit != float64(realtime.DefaultRateLimit) || c.RealtimeKitBurst != realtime.DefaultBurst {
		t.Errorf("config defaults %v/s, burst %d differ from the client's %v/s, burst %d",
			c.RealtimeKitRateLimit, c.RealtimeKitBurst, realtime.DefaultRateLimit, realtime.DefaultBurst)
	}
}

func TestRealtimeKitRateFromEnvironment(t *testing.T) {
	setEnv(t, validEnv())
	setRateEnv(t, "0.5", "3")
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.RealtimeKitRateLimit != 0.5 || c.RealtimeKitBurst != 3 {
		t.Errorf("rate %v/s, burst %d; want 0.5/s, burst 3", c.RealtimeKitRateLimit, c.RealtimeKitBurst)
	}
}
