package main

import (
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		stat    string
		want    float64
		wantErr bool
	}{
		{
			name: "plain",
			stat: "4242 (rtkbot) S 1 4242 4242 0 -1 4194560 1500 0 0 0 250 130 0 0 20 0 12 0 100 0 0",
			want: 3.8,
		},
		{
			// A command name may hold spaces and parentheses.
			name: "name with spaces and parens",
			stat: "7 (node (bolt) x) R 1 7 7 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 1 0 0",
			want: 0.03,
		},
		{name: "no parenthesis", stat: "garbage", wantErr: true},
		{name: "truncated", stat: "1 (x) S 1 2 3", wantErr: true},
		{name: "not a number", stat: "1 (x) S 1 1 1 0 -1 0 0 0 0 0 u s 0 0", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseStatCPU(tt.stat)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseStatCPU() error = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("parseStatCPU() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAnswerClass(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{"busy", `{"text":"I'm busy, try again in a moment"}`, "busy"},
		{"rate limiting", `{"text":"RealtimeKit is rate limiting us, try again in 4 s"}`, "rate_limited"},
		{"rate limited phrase", `{"text":"rate limited, try again in 4 s"}`, "rate_limited"},
		{"internal error", `{"text":"internal error (ref AB12)"}`, "internal_error"},
		{"status card", `{"response_type":"in_channel","blocks":[{"type":"header"}]}`, "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := answerClass([]byte(tt.raw)); got != tt.want {
				t.Errorf("answerClass(%s) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestLimitedUpstreamAdmit(t *testing.T) {
	t.Parallel()
	u := &limitedUpstream{limit: &Limit{Requests: 2, Window: Duration(10 * time.Second)}}
	t0 := time.Unix(1000, 0)
	steps := []struct {
		at       time.Duration
		wantOK   bool
		wantWait time.Duration
	}{
		{0, true, 0},
		{time.Second, true, 0},
		{2 * time.Second, false, 8 * time.Second}, // third in the window
		{10 * time.Second, true, 0},               // a new window
	}
	for _, s := range steps {
		wait, ok := u.admit(t0.Add(s.at))
		if ok != s.wantOK || wait != s.wantWait {
			t.Errorf("admit at +%v = (%v, %v), want (%v, %v)", s.at, wait, ok, s.wantWait, s.wantOK)
		}
	}
	open := &limitedUpstream{}
	if _, ok := open.admit(t0); !ok {
		t.Error("admit without a limit refused a request")
	}
}

func TestThroughputBound(t *testing.T) {
	t.Parallel()
	lat := Duration(50 * time.Millisecond)
	tests := []struct {
		name string
		sc   Scenario
		cpc  float64
		want float64
	}{
		{"one call each", Scenario{Kind: "burst", UpstreamLatency: lat}, 1, 1280},
		{"two calls each", Scenario{Kind: "burst", UpstreamLatency: lat}, 2, 640},
		{"coalesced calls still wait one latency", Scenario{Kind: "burst", UpstreamLatency: lat}, 0.01, 1280},
		{"capped by the offered rate", Scenario{Kind: "steady", Rate: 200, UpstreamLatency: lat}, 1, 200},
		{"no latency, no bound", Scenario{Kind: "burst"}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := throughputBound(tt.sc, 64, tt.cpc); got != tt.want {
				t.Errorf("throughputBound() = %v, want %v", got, tt.want)
			}
		})
	}
}
