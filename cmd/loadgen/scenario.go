package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// Verbs loadgen can send. kick is the whole confirmation flow: the slash
// command, then a click on the prompt's Confirm button.
const (
	VerbStatus  = "status"
	VerbMute    = "mute"
	VerbMuteAll = "mute-all"
	VerbKick    = "kick"
	VerbPoll    = "poll"
)

// boltVerbs are the verbs the Bolt peer implements.
var boltVerbs = map[string]bool{VerbStatus: true, VerbMuteAll: true}

// Scenario is one load pattern, as a scenario file holds it.
type Scenario struct {
	Name string `json:"name"`
	// Kind is "burst" (Commands sent at once) or "steady" (Rate per second
	// for Duration).
	Kind     string   `json:"kind"`
	Commands int      `json:"commands,omitempty"`
	Rate     float64  `json:"rate,omitempty"`
	Duration Duration `json:"duration,omitempty"`
	// Mix weighs the verbs sent to rtkbot; BoltMix those sent to the Bolt
	// peer (default: Mix without the verbs Bolt lacks).
	Mix     map[string]int `json:"mix"`
	BoltMix map[string]int `json:"bolt_mix,omitempty"`
	// Meetings live meetings with Participants live peers each; commands
	// pick meetings round-robin.
	Meetings     int `json:"meetings"`
	Participants int `json:"participants"`
	// UpstreamLatency delays every RealtimeKit answer.
	UpstreamLatency Duration `json:"upstream_latency,omitempty"`
	// UpstreamLimit, if set, makes the fake RealtimeKit answer 429 beyond
	// Requests per Window, as Cloudflare does.
	UpstreamLimit *Limit `json:"upstream_limit,omitempty"`
	// BotEnv adds environment variables for rtkbot (e.g. its own rate
	// limit) in this scenario.
	BotEnv map[string]string `json:"bot_env,omitempty"`
	// AnswerTimeout is how long after the last send loadgen waits for
	// answers before counting the rest as unanswered. Default 30s.
	AnswerTimeout Duration `json:"answer_timeout,omitempty"`
	// Checks are thresholds the result is judged against.
	Checks Checks `json:"checks,omitzero"`
}

// Limit is an upstream rate limit: at most Requests in any Window.
type Limit struct {
	Requests int      `json:"requests"`
	Window   Duration `json:"window"`
}

// ScenarioFile is the JSON a -scenarios file holds.
type ScenarioFile struct {
	Scenarios []Scenario `json:"scenarios"`
}

// Duration is a time.Duration written as "50ms" in JSON.
type Duration time.Duration

// UnmarshalJSON accepts Go duration strings.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string like \"50ms\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// parseScenarios reads a scenario file, fills defaults and checks every
// scenario, reporting all problems at once.
func parseScenarios(r io.Reader) ([]Scenario, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var f ScenarioFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("parse scenarios: %w", err)
	}
	if len(f.Scenarios) == 0 {
		return nil, errors.New("parse scenarios: no scenarios")
	}
	var errs []error
	seen := map[string]bool{}
	for i := range f.Scenarios {
		s := &f.Scenarios[i]
		s.fill()
		if seen[s.Name] {
			errs = append(errs, fmt.Errorf("scenario %q: name used twice", s.Name))
		}
		seen[s.Name] = true
		for _, p := range s.problems() {
			errs = append(errs, fmt.Errorf("scenario %q: %s", s.Name, p))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return f.Scenarios, nil
}

func (s *Scenario) fill() {
	if s.Meetings == 0 {
		s.Meetings = 1
	}
	if s.Participants == 0 {
		s.Participants = 10
	}
	if s.AnswerTimeout == 0 {
		s.AnswerTimeout = Duration(30 * time.Second)
	}
	if s.BoltMix == nil {
		s.BoltMix = map[string]int{}
		for v, w := range s.Mix {
			if boltVerbs[v] {
				s.BoltMix[v] = w
			}
		}
	}
}

func (s *Scenario) problems() []string {
	var p []string
	if s.Name == "" {
		p = append(p, "name is empty")
	}
	switch s.Kind {
	case "burst":
		if s.Commands < 1 {
			p = append(p, "a burst needs commands ≥ 1")
		}
	case "steady":
		if s.Rate <= 0 || s.Duration <= 0 {
			p = append(p, "a steady scenario needs rate > 0 and duration > 0")
		}
	default:
		p = append(p, fmt.Sprintf("kind %q is not burst or steady", s.Kind))
	}
	if len(s.Mix) == 0 {
		p = append(p, "mix is empty")
	}
	for _, m := range []map[string]int{s.Mix, s.BoltMix} {
		for _, v := range slices.Sorted(maps.Keys(m)) {
			switch {
			case !slices.Contains([]string{VerbStatus, VerbMute, VerbMuteAll, VerbKick, VerbPoll}, v):
				p = append(p, fmt.Sprintf("unknown verb %q in mix", v))
			case m[v] < 0:
				p = append(p, fmt.Sprintf("verb %q has a negative weight", v))
			}
		}
	}
	for v := range s.BoltMix {
		if !boltVerbs[v] {
			p = append(p, fmt.Sprintf("bolt_mix: the Bolt peer does not implement %q", v))
		}
	}
	if s.Meetings < 1 || s.Participants < 1 {
		p = append(p, "meetings and participants must be ≥ 1")
	}
	if l := s.UpstreamLimit; l != nil && (l.Requests < 1 || l.Window <= 0) {
		p = append(p, "upstream_limit needs requests ≥ 1 and a positive window")
	}
	return p
}

// total is how many commands the scenario sends.
func (s *Scenario) total() int {
	if s.Kind == "burst" {
		return s.Commands
	}
	return int(s.Rate * time.Duration(s.Duration).Seconds())
}

// schedule expands a mix into a repeating sequence of verbs, interleaved
// so that any stretch of the load has the mix's proportions.
func schedule(mix map[string]int) []string {
	var out []string
	verbs := slices.Sorted(maps.Keys(mix))
	left := maps.Clone(mix)
	for {
		added := false
		for _, v := range verbs {
			if left[v] > 0 {
				out = append(out, v)
				left[v]--
				added = true
			}
		}
		if !added {
			return out
		}
	}
}

// selectScenarios keeps the named scenarios (comma-separated; empty keeps
// all) in file order.
func selectScenarios(all []Scenario, only string) ([]Scenario, error) {
	if only == "" {
		return all, nil
	}
	var out []Scenario
	for _, name := range strings.Split(only, ",") {
		i := slices.IndexFunc(all, func(s Scenario) bool { return s.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("no scenario named %q", name)
		}
		out = append(out, all[i])
	}
	return out, nil
}

// Checks are a scenario's pass/fail thresholds for rtkbot, from issue 5.
// Zero values are not checked.
type Checks struct {
	MaxUpstreamCalls int     `json:"max_upstream_calls,omitempty"`
	MaxPeakRSSMB     float64 `json:"max_peak_rss_mb,omitempty"`
	// Throughput judges commands/s against the concurrency bound and
	// against Bolt: meaningful only where neither side is rate limited.
	Throughput bool `json:"throughput,omitempty"`
}
