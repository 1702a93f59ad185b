package main

import (
	"fmt"
	"math"
	"time"
)

// Result is the machine-readable output (-out).
type Result struct {
	StartedAt time.Time `json:"started_at"`
	Machine   Machine   `json:"machine"`
	Command   []string  `json:"command"`
	// BotCPUs is the -bot-cpus pinning, if any.
	BotCPUs     string       `json:"bot_cpus,omitempty"`
	Runs        []Run        `json:"runs"`
	Comparisons []Comparison `json:"comparisons,omitempty"`
	Checks      []Check      `json:"checks"`
}

// Machine describes where the numbers were taken.
type Machine struct {
	NProc       int     `json:"nproc"`
	CPUModel    string  `json:"cpu_model"`
	MemTotalMB  float64 `json:"mem_total_mb"`
	GoVersion   string  `json:"go_version"`
	NodeVersion string  `json:"node_version,omitempty"`
	Kernel      string  `json:"kernel"`
}

// Run is one scenario against one target.
type Run struct {
	Target   string         `json:"target"`
	Scenario string         `json:"scenario"`
	Mix      map[string]int `json:"mix"`
	// Commands is the slash commands sent; Interactions adds the button
	// clicks of kick confirmations.
	Commands     int            `json:"commands"`
	Interactions int            `json:"interactions"`
	Acked        int            `json:"acked"`
	Answered     int            `json:"answered"`
	Unanswered   int            `json:"unanswered"`
	Answers      map[string]int `json:"answers_by_class"`

	Ack       Summary            `json:"ack_latency"`
	E2E       Summary            `json:"e2e_latency"`
	E2EByVerb map[string]Summary `json:"e2e_latency_by_verb"`

	WallSec        float64 `json:"wall_sec"`
	CommandsPerSec float64 `json:"commands_per_sec"`
	// ThroughputBound is max concurrency / (upstream latency × max(1,
	// upstream calls per command)), capped by the offered rate; 0 without
	// latency.
	ThroughputBound float64 `json:"throughput_bound_per_sec,omitempty"`

	UpstreamCalls           int     `json:"upstream_calls"`
	UpstreamCallsPerCommand float64 `json:"upstream_calls_per_command"`
	Upstream429             int     `json:"upstream_429s"`

	IdleRSSMB float64 `json:"idle_rss_mb"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
	CPUSec    float64 `json:"cpu_sec"`

	// Samples, for plots: every ack and end-to-end latency in ms.
	AckSamplesMS []float64 `json:"ack_samples_ms"`
	E2ESamplesMS []float64 `json:"e2e_samples_ms"`

	Error string `json:"error,omitempty"`
}

// Comparison is rtkbot against Bolt in one scenario.
type Comparison struct {
	Scenario string `json:"scenario"`
	// AckP99Ratio is rtkbot's ack p99 / Bolt's (target ≤ 0.25).
	AckP99Ratio float64 `json:"ack_p99_ratio"`
	E2EP99Ratio float64 `json:"e2e_p99_ratio"`
	// ThroughputRatio is rtkbot's commands/s / Bolt's (target ≥ 2).
	ThroughputRatio float64 `json:"throughput_ratio"`
	PeakRSSRatio    float64 `json:"peak_rss_ratio"`
	CPURatio        float64 `json:"cpu_ratio"`
	// SameMix is false when Bolt ran a different mix (it lacks some verbs).
	SameMix bool `json:"same_mix"`
}

// Check is one target of issue 5, judged.
type Check struct {
	Scenario string  `json:"scenario"`
	What     string  `json:"what"`
	Got      float64 `json:"got"`
	Want     string  `json:"want"`
	Pass     bool    `json:"pass"`
}

// idleRSSLimitMB is issue 5's idle memory target for rtkbot.
const idleRSSLimitMB = 25

// judge compares rtkbot and Bolt runs and checks issue 5's targets.
func judge(res *Result, scenarios []Scenario) {
	find := func(target, scenario string) *Run {
		for i := range res.Runs {
			if r := &res.Runs[i]; r.Target == target && r.Scenario == scenario && r.Error == "" {
				return r
			}
		}
		return nil
	}
	for _, sc := range scenarios {
		rb, bolt := find(TargetRTKBot, sc.Name), find(TargetBolt, sc.Name)
		if rb != nil && bolt != nil {
			res.Comparisons = append(res.Comparisons, Comparison{
				Scenario:        sc.Name,
				AckP99Ratio:     ratio(rb.Ack.P99, bolt.Ack.P99),
				E2EP99Ratio:     ratio(rb.E2E.P99, bolt.E2E.P99),
				ThroughputRatio: ratio(rb.CommandsPerSec, bolt.CommandsPerSec),
				PeakRSSRatio:    ratio(rb.PeakRSSMB, bolt.PeakRSSMB),
				CPURatio:        ratio(rb.CPUSec, bolt.CPUSec),
				SameMix:         sameMix(rb.Mix, bolt.Mix),
			})
		}
		for _, r := range []*Run{rb, bolt} {
			if r == nil {
				continue
			}
			add := func(what string, got float64, want string, pass bool) {
				res.Checks = append(res.Checks, Check{Scenario: sc.Name, What: r.Target + " " + what, Got: got, Want: want, Pass: pass})
			}
			add("unanswered commands", float64(r.Unanswered), "0", r.Unanswered == 0)
		}
		if rb == nil {
			continue
		}
		add := func(what string, got float64, want string, pass bool) {
			res.Checks = append(res.Checks, Check{Scenario: sc.Name, What: what, Got: got, Want: want, Pass: pass})
		}
		add("ack p99 (ms)", rb.Ack.P99, "≤ 5", rb.Ack.P99 <= 5)
		add("upstream 429s caused", float64(rb.Upstream429), "0", rb.Upstream429 == 0)
		add("idle RSS (MB)", rb.IdleRSSMB, fmt.Sprintf("≤ %d", idleRSSLimitMB), rb.IdleRSSMB <= idleRSSLimitMB)
		if sc.Checks.Throughput && rb.ThroughputBound > 0 {
			got := ratio(rb.CommandsPerSec, rb.ThroughputBound)
			add("throughput / bound", got, "≥ 0.9", got >= 0.9)
		}
		if sc.Checks.MaxUpstreamCalls > 0 {
			add("upstream calls", float64(rb.UpstreamCalls), fmt.Sprintf("≤ %d", sc.Checks.MaxUpstreamCalls), rb.UpstreamCalls <= sc.Checks.MaxUpstreamCalls)
		}
		if sc.Checks.MaxPeakRSSMB > 0 {
			add("peak RSS (MB)", rb.PeakRSSMB, fmt.Sprintf("≤ %g", sc.Checks.MaxPeakRSSMB), rb.PeakRSSMB <= sc.Checks.MaxPeakRSSMB)
		}
		if bolt != nil {
			c := res.Comparisons[len(res.Comparisons)-1]
			add("ack p99 / Bolt's", c.AckP99Ratio, "≤ 0.25", c.AckP99Ratio <= 0.25)
			// At a steady offered rate both keep up or not; only a burst
			// shows which one is faster.
			if sc.Checks.Throughput && sc.Kind == "burst" {
				add("throughput / Bolt's", c.ThroughputRatio, "≥ 2", c.ThroughputRatio >= 2)
			}
		}
	}
}

func sameMix(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// throughputBound is concurrency / (latency × calls per command), capped
// by the offered rate of a steady scenario.
func throughputBound(sc Scenario, concurrency int, callsPerCommand float64) float64 {
	lat := time.Duration(sc.UpstreamLatency).Seconds()
	if lat <= 0 || callsPerCommand <= 0 || concurrency <= 0 {
		return 0
	}
	// A command whose upstream call is shared with others (coalesced)
	// still waits one full upstream latency, so fewer than one call per
	// command does not raise the bound.
	b := float64(concurrency) / (lat * math.Max(1, callsPerCommand))
	if sc.Kind == "steady" {
		b = math.Min(b, sc.Rate)
	}
	return math.Round(b*10) / 10
}
