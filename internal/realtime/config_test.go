package realtime_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rtkbot/rtkbot/internal/realtime"
)

// TestNewReportsEveryProblemInOrder pins New's whole error for a config
// with every field wrong: each problem once, in field order, quoting what
// the caller gave (not a default).
func TestNewReportsEveryProblemInOrder(t *testing.T) {
	t.Parallel()
	_, err := realtime.New(realtime.Config{
		BaseURL:    "api.cloudflare.com",
		RateLimit:  -1,
		Burst:      -2,
		MaxRetries: 11,
		RetryDelay: -time.Second,
		CacheTTL:   3 * time.Second,
	})
	want := "realtime: invalid config: API token is empty\n" +
		"account ID is empty\n" +
		"app ID is empty\n" +
		`base URL "api.cloudflare.com" is not an http(s) URL` + "\n" +
		"rate limit -1 is negative\n" +
		"burst -2 is negative\n" +
		"max retries 11 is above 10\n" +
		"retry delay -1s is negative\n" +
		"cache TTL 3s is above 2s"
	if err == nil {
		t.Fatal("New accepted an invalid config")
	}
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
}

// TestNewAcceptsZeroOptionalFields: every optional field's zero value, and
// a negative MaxRetries (none) and CacheTTL (no cache), are accepted.
func TestNewAcceptsZeroOptionalFields(t *testing.T) {
	t.Parallel()
	for _, cfg := range []realtime.Config{
		{APIToken: "t", AccountID: "a", AppID: "p"},
		{APIToken: "t", AccountID: "a", AppID: "p", MaxRetries: -1, CacheTTL: -1, BaseURL: "http://127.0.0.1:1/x"},
	} {
		if _, err := realtime.New(cfg); err != nil {
			t.Errorf("New(%+v) = %v", cfg, err)
		}
	}
}
