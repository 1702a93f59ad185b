// Command loadgen measures rtkbot (and a Bolt-JS peer) under load. It
// starts the fake Slack and the fake RealtimeKit in-process, runs the real
// bot binary as a child process pointed at them, fires slash commands and
// button clicks per scenario, and reports ack and end-to-end latency,
// throughput, upstream calls and 429s, and the bot's peak RSS and CPU time.
// See docs/benchmarks.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// options are loadgen's flags.
type options struct {
	target        string
	scenarioFile  string
	only          string
	bot           string
	boltDir       string
	node          string
	out           string
	duration      time.Duration
	rate          float64
	burst         int
	concurrency   int
	botCPUs       string
	keepLogs      bool
	allowFailures bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.target, "target", TargetRTKBot, "rtkbot, bolt, both, or null (an in-process client that acks at once: the harness's own floor)")
	fs.StringVar(&o.scenarioFile, "scenarios", "bench/scenarios/issue5.json", "scenario file (JSON)")
	fs.StringVar(&o.only, "only", "", "comma-separated scenario names to run (default: all in the file)")
	fs.StringVar(&o.bot, "bot", "", "rtkbot binary (default: go build ./cmd/bot into a temp dir)")
	fs.StringVar(&o.boltDir, "bolt-dir", "bench/bolt", "the Bolt peer's directory (npm ci done)")
	fs.StringVar(&o.node, "node", "node", "node binary for the Bolt peer")
	fs.StringVar(&o.out, "out", "", "write the JSON result here")
	fs.DurationVar(&o.duration, "duration", 0, "override every steady scenario's duration")
	fs.Float64Var(&o.rate, "rate", 0, "override every steady scenario's rate (commands/s)")
	fs.IntVar(&o.burst, "burst", 0, "override every burst scenario's size")
	fs.IntVar(&o.concurrency, "concurrency", 64, "BOT_MAX_CONCURRENT_COMMANDS for rtkbot")
	fs.BoolVar(&o.keepLogs, "keep-logs", false, "keep the bots' logs and databases even when every command was answered")
	fs.StringVar(&o.botCPUs, "bot-cpus", "", "pin the bot under test to these CPUs with taskset (e.g. 1), to keep it apart from loadgen (run loadgen itself under taskset -c 0)")
	fs.BoolVar(&o.allowFailures, "allow-failed-checks", true, "exit 0 even when an issue-5 target is missed (unanswered commands and tool errors still fail)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch o.target {
	case TargetRTKBot, TargetBolt, "both", TargetNull:
	default:
		return o, fmt.Errorf("-target %q: want rtkbot, bolt, both or null (calibration)", o.target)
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := execute(ctx, o, stderr)
	if res != nil {
		printTable(stdout, res)
		if o.out != "" {
			if werr := writeJSON(o.out, res); werr != nil {
				err = errors.Join(err, werr)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "loadgen:", err)
		return 1
	}
	for _, r := range res.Runs {
		if r.Unanswered > 0 || r.Error != "" {
			fmt.Fprintf(stderr, "loadgen: %s/%s: %d unanswered, error %q\n", r.Target, r.Scenario, r.Unanswered, r.Error)
			return 1
		}
	}
	if !o.allowFailures {
		for _, c := range res.Checks {
			if !c.Pass {
				return 1
			}
		}
	}
	return 0
}

// execute runs every selected scenario against every selected target.
func execute(ctx context.Context, o options, log io.Writer) (*Result, error) {
	f, err := os.Open(o.scenarioFile)
	if err != nil {
		return nil, err
	}
	all, err := parseScenarios(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	scenarios, err := selectScenarios(all, o.only)
	if err != nil {
		return nil, err
	}
	for i := range scenarios {
		override(&scenarios[i], o)
	}
	tmp, err := os.MkdirTemp("", "loadgen-")
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(log, "loadgen: logs and database in", tmp)

	var targets []targetSpec
	if o.target == TargetNull {
		targets = append(targets, targetSpec{Name: TargetNull})
	}
	if o.target == TargetRTKBot || o.target == "both" {
		bin := o.bot
		if bin == "" {
			fmt.Fprintln(log, "loadgen: building ./cmd/bot")
			if bin, err = buildBot(ctx, tmp); err != nil {
				return nil, err
			}
		}
		targets = append(targets, targetSpec{Name: TargetRTKBot, Argv: []string{bin}})
	}
	if o.target == TargetBolt || o.target == "both" {
		app := filepath.Join(o.boltDir, "app.js")
		if _, err := os.Stat(filepath.Join(o.boltDir, "node_modules", "@slack", "bolt")); err != nil {
			return nil, fmt.Errorf("the Bolt peer is not installed: run npm ci --prefix %s", o.boltDir)
		}
		targets = append(targets, targetSpec{Name: TargetBolt, Argv: []string{o.node, app}})
	}

	if o.botCPUs != "" {
		// taskset execs the bot, so the child's PID stays the bot's.
		for i := range targets {
			if targets[i].Name == TargetNull {
				continue // in-process
			}
			targets[i].Argv = append([]string{"taskset", "-c", o.botCPUs}, targets[i].Argv...)
		}
	}
	res := &Result{StartedAt: time.Now().UTC(), Machine: describeMachine(o.node, o.target == TargetBolt || o.target == "both"), Command: os.Args, BotCPUs: o.botCPUs}
	for _, sc := range scenarios {
		for _, t := range targets {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			mix := sc.Mix
			if t.Name == TargetBolt {
				mix = sc.BoltMix
				if len(mix) == 0 {
					fmt.Fprintf(log, "loadgen: %s: no verbs Bolt implements; skipped for bolt\n", sc.Name)
					continue
				}
			}
			fmt.Fprintf(log, "loadgen: %s against %s (%d commands)\n", sc.Name, t.Name, sc.total())
			r := runOne(ctx, t, sc, mix, o, tmp, log)
			if r.Error != "" {
				fmt.Fprintf(log, "loadgen: %s/%s failed: %s\n", t.Name, sc.Name, r.Error)
			}
			res.Runs = append(res.Runs, r)
		}
	}
	judge(res, scenarios)
	// Keep the bots' logs only when something went wrong.
	clean := !o.keepLogs
	for _, r := range res.Runs {
		clean = clean && r.Error == "" && r.Unanswered == 0
	}
	if clean {
		_ = os.RemoveAll(tmp)
	} else {
		fmt.Fprintln(log, "loadgen: kept the bots' logs in", tmp)
	}
	return res, nil
}

// override applies the command-line overrides for short runs.
func override(sc *Scenario, o options) {
	if sc.Kind == "steady" {
		if o.duration > 0 {
			sc.Duration = Duration(o.duration)
		}
		if o.rate > 0 {
			sc.Rate = o.rate
		}
	}
	if sc.Kind == "burst" && o.burst > 0 {
		sc.Commands = o.burst
	}
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
