package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseScenarios(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    []Scenario
		wantErr []string // substrings of the error, all of them
	}{
		{
			name: "burst with defaults filled",
			in:   `{"scenarios":[{"name":"b","kind":"burst","commands":5,"mix":{"status":1,"kick":2},"upstream_latency":"50ms"}]}`,
			want: []Scenario{{
				Name: "b", Kind: "burst", Commands: 5,
				Mix:             map[string]int{"status": 1, "kick": 2},
				BoltMix:         map[string]int{"status": 1},
				Meetings:        1,
				Participants:    10,
				UpstreamLatency: Duration(50 * time.Millisecond),
				AnswerTimeout:   Duration(30 * time.Second),
			}},
		},
		{
			name: "steady with limit and bolt mix",
			in: `{"scenarios":[{"name":"s","kind":"steady","rate":200,"duration":"1m","mix":{"mute":1},"bolt_mix":{"mute-all":1},
			      "meetings":3,"participants":4,"upstream_limit":{"requests":250,"window":"10s"},"answer_timeout":"5s",
			      "checks":{"max_peak_rss_mb":60}}]}`,
			want: []Scenario{{
				Name: "s", Kind: "steady", Rate: 200, Duration: Duration(time.Minute),
				Mix: map[string]int{"mute": 1}, BoltMix: map[string]int{"mute-all": 1},
				Meetings: 3, Participants: 4,
				UpstreamLimit: &Limit{Requests: 250, Window: Duration(10 * time.Second)},
				AnswerTimeout: Duration(5 * time.Second),
				Checks:        Checks{MaxPeakRSSMB: 60},
			}},
		},
		{
			name:    "every problem reported at once",
			in:      `{"scenarios":[{"name":"x","kind":"steady","mix":{"dance":1},"bolt_mix":{"kick":1}}]}`,
			wantErr: []string{"rate > 0", `unknown verb "dance"`, `does not implement "kick"`},
		},
		{"unknown kind", `{"scenarios":[{"name":"x","kind":"wave","mix":{"status":1}}]}`, nil, []string{`kind "wave"`}},
		{"duplicate names", `{"scenarios":[{"name":"a","kind":"burst","commands":1,"mix":{"status":1}},{"name":"a","kind":"burst","commands":1,"mix":{"status":1}}]}`, nil, []string{"name used twice"}},
		{"unknown field", `{"scenarios":[{"name":"a","kind":"burst","commandz":1}]}`, nil, []string{"unknown field"}},
		{"bad duration", `{"scenarios":[{"name":"a","kind":"steady","rate":1,"duration":"soon","mix":{"status":1}}]}`, nil, []string{"soon"}},
		{"empty file", `{"scenarios":[]}`, nil, []string{"no scenarios"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseScenarios(strings.NewReader(tt.in))
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("parseScenarios() = %+v, want an error", got)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("parseScenarios() error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseScenarios mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestShippedScenarios keeps the committed scenario files loadable.
func TestShippedScenarios(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"../../bench/scenarios/issue5.json", "../../bench/scenarios/smoke.json"} {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		_, err = parseScenarios(f)
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}

func TestSchedule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mix  map[string]int
		want []string
	}{
		{"equal weights interleave", map[string]int{"status": 1, "mute": 1, "poll": 1}, []string{"mute", "poll", "status"}},
		{"weights repeat", map[string]int{"status": 3, "kick": 1}, []string{"kick", "status", "status", "status"}},
		{"zero weight dropped", map[string]int{"status": 2, "mute-all": 0}, []string{"status", "status"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, schedule(tt.mix)); diff != "" {
				t.Errorf("schedule mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTotal(t *testing.T) {
	t.Parallel()
	burst := Scenario{Kind: "burst", Commands: 500}
	steady := Scenario{Kind: "steady", Rate: 200, Duration: Duration(60 * time.Second)}
	if got := burst.total(); got != 500 {
		t.Errorf("burst total = %d, want 500", got)
	}
	if got := steady.total(); got != 12000 {
		t.Errorf("steady total = %d, want 12000", got)
	}
}
