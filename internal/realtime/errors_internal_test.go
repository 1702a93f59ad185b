package realtime

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The error envelopes and Retry-After forms are also exercised over HTTP
// against the fake server and Prism; these cases cover the shapes neither
// produces (proxy pages, string codes, several errors, HTTP-dates).

func TestUpstreamMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		body     string
		wantCode string
		wantMsg  string
	}{
		{"realtimekit envelope", 404, `{"success":false,"error":{"code":404,"message":"No user found with id p-1"}}`, "404", "No user found with id p-1"},
		{"cloudflare envelope", 403, `{"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"messages":[],"result":null}`, "10000", "Authentication error"},
		{"several cloudflare errors", 400, `{"errors":[{"code":1,"message":"a"},{"code":"x2","message":"b"}]}`, "1,x2", "a; b"},
		{"string code", 429, `{"error":{"code":"RATE_LIMITED","message":"slow down"}}`, "RATE_LIMITED", "slow down"},
		{"proxy page", 502, `<html>Bad gateway</html>`, "", "Bad Gateway: <html>Bad gateway</html>"},
		{"empty body", 500, ``, "", "Internal Server Error"},
		{"json without message", 500, `{"success":false}`, "", `Internal Server Error: {"success":false}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, msg := upstreamMessage(tt.status, []byte(tt.body))
			if diff := cmp.Diff([]string{tt.wantCode, tt.wantMsg}, []string{code, msg}); diff != "" {
				t.Errorf("upstreamMessage (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header string
		want   time.Duration
		wantOK bool
	}{
		{"seconds", "3", 3 * time.Second, true},
		{"fractional seconds", "0.25", 250 * time.Millisecond, true},
		{"http date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"date in the past", now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"missing", "", 0, false},
		{"garbage", "soon", 0, false},
		{"negative", "-1", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if tt.header != "" {
				h.Set("Retry-After", tt.header)
			}
			got, ok := retryAfter(h, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("retryAfter(%q) = %s, %v; want %s, %v", tt.header, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestBackoffBounds(t *testing.T) {
	t.Parallel()
	c := &Client{retryDelay: 100 * time.Millisecond}
	for n, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 9: 800 * time.Millisecond} {
		for range 100 {
			if got := c.backoff(n); got < want/2 || got > want {
				t.Fatalf("backoff(%d) = %s, want within [%s, %s]", n, got, want/2, want)
			}
		}
	}
}
