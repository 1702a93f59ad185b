package main

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPercentile(t *testing.T) {
	t.Parallel()
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 99, 0},
		{"one value is every percentile", []time.Duration{7}, 50, 7},
		{"p50 of 1..100 is 50", hundred, 50, 50 * time.Millisecond},
		{"p99 of 1..100 is 99", hundred, 99, 99 * time.Millisecond},
		{"p100 is the max", hundred, 100, 100 * time.Millisecond},
		{"p1 of 1..100 is 1", hundred, 1, time.Millisecond},
		{"p99 of 10 values is the max", hundred[:10], 99, 10 * time.Millisecond},
		{"p50 of 2 values is the lower", []time.Duration{1, 2}, 50, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(%d values, %v) = %v, want %v", len(tt.sorted), tt.p, got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	// Unsorted input: summarize must not depend on the caller sorting.
	in := []time.Duration{4 * time.Millisecond, 1 * time.Millisecond, 3 * time.Millisecond, 2 * time.Millisecond}
	got := summarize(in)
	want := Summary{Count: 4, P50: 2, P95: 4, P99: 4, Max: 4, Mean: 2.5}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summarize mismatch (-want +got):\n%s", diff)
	}
	if in[0] != 4*time.Millisecond {
		t.Errorf("summarize sorted its input in place: %v", in)
	}
	if diff := cmp.Diff(Summary{}, summarize(nil)); diff != "" {
		t.Errorf("summarize(nil) mismatch (-want +got):\n%s", diff)
	}
}

func TestRatio(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b float64
		want float64
	}{
		{"plain", 1, 4, 0.25},
		{"no peer", 3, 0, 0},
		{"rounded to 3 places", 1, 3, 0.333},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ratio(tt.a, tt.b); got != tt.want {
				t.Errorf("ratio(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}
