package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// runOne starts a fresh world and bot, runs sc with mix, and measures.
func runOne(ctx context.Context, t targetSpec, sc Scenario, mix map[string]int, o options, tmp string, log io.Writer) Run {
	r := Run{Target: t.Name, Scenario: sc.Name, Mix: mix, Answers: map[string]int{}, E2EByVerb: map[string]Summary{}}
	w, err := newWorld(sc)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer w.close()

	if t.Name == TargetNull {
		return runNull(ctx, r, w, sc, mix, log)
	}
	env := append(baseEnv(),
		"SLACK_APP_TOKEN="+w.slack.AppToken(),
		"SLACK_BOT_TOKEN="+w.slack.BotToken(),
		"SLACK_API_URL="+w.slack.APIURL(),
		"CLOUDFLARE_API_TOKEN="+w.rtk.Token(),
		"CLOUDFLARE_ACCOUNT_ID="+w.rtk.AccountID(),
		"REALTIMEKIT_APP_ID="+w.rtk.AppID(),
		"CLOUDFLARE_BASE_URL="+w.rtkURL,
		"BOT_MODERATORS="+moderatorID,
	)
	if t.Name == TargetRTKBot {
		db := filepath.Join(tmp, sc.Name+".db")
		_ = os.Remove(db)
		env = append(env,
			"BOT_MAX_CONCURRENT_COMMANDS="+strconv.Itoa(o.concurrency),
			"BOT_HTTP_ADDR=127.0.0.1:0",
			"LOG_LEVEL=warn", "LOG_FORMAT=json",
			"DATABASE_URL=sqlite://"+db,
		)
		for _, k := range slices.Sorted(maps.Keys(sc.BotEnv)) {
			env = append(env, k+"="+sc.BotEnv[k])
		}
	}
	c, err := startChild(targetSpec{Name: t.Name + "-" + sc.Name, Argv: t.Argv}, env, tmp)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer func() {
		if err := c.stop(30 * time.Second); err != nil && r.Error == "" {
			r.Error = "bot shutdown: " + err.Error()
		}
	}()

	// Ready when the fake Slack sees the socket; an early exit is an error.
	connCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	go func() {
		select {
		case <-c.exited:
			cancel()
		case <-connCtx.Done():
		}
	}()
	err = w.slack.WaitConnections(connCtx, 1)
	cancel()
	if err != nil {
		r.Error = fmt.Sprintf("bot never connected to the fake Slack (log: %s): %v", c.logPath, err)
		return r
	}
	time.Sleep(time.Second) // let start-up allocation settle before "idle"
	pid := c.cmd.Process.Pid
	if idle, err := readProcStats(pid); err == nil {
		r.IdleRSSMB = mb(idle.RSSKB)
	}
	cpu0, _ := readProcStats(pid)

	rn := newRunner(w, sc, mix, log, t.Name+"/"+sc.Name)
	drive(ctx, rn, sc)

	after, err := readProcStats(pid)
	if err != nil {
		r.Error = "read /proc: " + err.Error()
	}
	r.PeakRSSMB = mb(after.PeakRSSKB)
	r.CPUSec = round3(after.CPUSec - cpu0.CPUSec)
	measure(&r, rn, w, sc, o.concurrency, t.Name)
	return r
}

// runNull measures the calibration target (no child process).
func runNull(ctx context.Context, r Run, w *world, sc Scenario, mix map[string]int, log io.Writer) Run {
	botCtx, stopBot := context.WithCancel(ctx)
	defer stopBot()
	if err := runNullBot(botCtx, w.slack.APIURL(), w.slack.AppToken()); err != nil {
		r.Error = err.Error()
		return r
	}
	connCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := w.slack.WaitConnections(connCtx, 1); err != nil {
		r.Error = err.Error()
		return r
	}
	rn := newRunner(w, sc, mix, log, TargetNull+"/"+sc.Name)
	drive(ctx, rn, sc)
	measure(&r, rn, w, sc, 0, TargetNull)
	return r
}

// drive fires the scenario and waits for the answers (or the timeout).
func drive(ctx context.Context, rn *runner, sc Scenario) {
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	go rn.report(runCtx)
	doneSending := make(chan struct{})
	go func() {
		rn.fire(runCtx)
		close(doneSending)
	}()
	watchCtx, stopWatch := context.WithCancel(runCtx)
	go func() {
		select {
		case <-doneSending:
			select {
			case <-time.After(time.Duration(sc.AnswerTimeout)):
			case <-watchCtx.Done():
			}
		case <-watchCtx.Done():
		}
		stopWatch()
	}()
	rn.watch(watchCtx, doneSending)
	stopWatch()
	<-doneSending
	stopRun()
}

// measure turns the runner's records and the fakes' counters into r.
func measure(r *Run, rn *runner, w *world, sc Scenario, concurrency int, target string) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	acks := map[string]time.Duration{}
	for _, a := range w.slack.Acks() {
		if _, dup := acks[a.EnvelopeID]; !dup && !a.SentAt.IsZero() {
			acks[a.EnvelopeID] = a.Latency()
		}
	}
	var ackLat, e2e []time.Duration
	byVerb := map[string][]time.Duration{}
	ok := 0
	for _, it := range rn.all {
		if l, acked := acks[it.d.EnvelopeID]; acked {
			r.Acked++
			ackLat = append(ackLat, l)
		}
		if !it.answered {
			r.Unanswered++
			continue
		}
		r.Answered++
		r.Answers[it.class]++
		if it.class == "ok" && it.verb != "kick-confirm" {
			ok++ // a kick counts once, as a command
		}
		d := it.answerAt.Sub(it.d.SentAt)
		e2e = append(e2e, d)
		byVerb[it.verb] = append(byVerb[it.verb], d)
	}
	r.Commands = rn.sent
	r.Interactions = len(rn.all)
	r.Ack = summarize(ackLat)
	r.E2E = summarize(e2e)
	for v, ds := range byVerb {
		r.E2EByVerb[v] = summarize(ds)
	}
	if wall := rn.last.Sub(rn.first); wall > 0 {
		r.WallSec = round3(wall.Seconds())
		// Throughput counts slash commands that did their job: a "busy"
		// answer is an answer, but not work done.
		r.CommandsPerSec = round3(float64(ok) / wall.Seconds())
	}
	r.UpstreamCalls = w.upstreamCalls()
	r.Upstream429 = int(w.upstream.refused.Load())
	if r.Commands > 0 {
		r.UpstreamCallsPerCommand = round3(float64(r.UpstreamCalls) / float64(r.Commands))
	}
	if target == TargetRTKBot {
		r.ThroughputBound = throughputBound(sc, concurrency, r.UpstreamCallsPerCommand)
	}
	for _, d := range ackLat {
		r.AckSamplesMS = append(r.AckSamplesMS, ms(d))
	}
	for _, d := range e2e {
		r.E2ESamplesMS = append(r.E2ESamplesMS, ms(d))
	}
}

func mb(kb int64) float64 { return round3(float64(kb) / 1024) }

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// describeMachine reads what docs/benchmarks.md reports about the host.
func describeMachine(node string, withNode bool) Machine {
	m := Machine{NProc: runtime.NumCPU(), GoVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				m.MemTotalMB = mb(kb)
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if withNode {
		if out, err := exec.Command(node, "--version").Output(); err == nil {
			m.NodeVersion = strings.TrimSpace(string(out))
		}
	}
	return m
}

// printTable writes the human-readable summary.
func printTable(w io.Writer, res *Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\ttarget\tcmds\tanswered\tunanswered\tack p50/p95/p99/max ms\te2e p50/p95/p99/max ms\tok cmd/s\tupstream/cmd\t429s\tidle/peak RSS MB\tCPU s\tanswers")
	for _, r := range res.Runs {
		if r.Error != "" {
			fmt.Fprintf(tw, "%s\t%s\tERROR: %s\n", r.Scenario, r.Target, r.Error)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%g/%g/%g/%g\t%g/%g/%g/%g\t%g\t%g\t%d\t%g/%g\t%g\t%v\n",
			r.Scenario, r.Target, r.Commands, r.Answered, r.Unanswered,
			r.Ack.P50, r.Ack.P95, r.Ack.P99, r.Ack.Max,
			r.E2E.P50, r.E2E.P95, r.E2E.P99, r.E2E.Max,
			r.CommandsPerSec, r.UpstreamCallsPerCommand, r.Upstream429,
			r.IdleRSSMB, r.PeakRSSMB, r.CPUSec, r.Answers)
	}
	tw.Flush()
	if len(res.Comparisons) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "scenario\tack p99 rtkbot/bolt\te2e p99 rtkbot/bolt\tthroughput rtkbot/bolt\tpeak RSS rtkbot/bolt\tCPU rtkbot/bolt\tsame mix")
		for _, c := range res.Comparisons {
			fmt.Fprintf(tw, "%s\t%g\t%g\t%g\t%g\t%g\t%v\n", c.Scenario, c.AckP99Ratio, c.E2EP99Ratio, c.ThroughputRatio, c.PeakRSSRatio, c.CPURatio, c.SameMix)
		}
		tw.Flush()
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tcheck\tgot\twant\tpass")
	for _, c := range res.Checks {
		fmt.Fprintf(tw, "%s\t%s\t%g\t%s\t%v\n", c.Scenario, c.What, c.Got, c.Want, c.Pass)
	}
	tw.Flush()
}
