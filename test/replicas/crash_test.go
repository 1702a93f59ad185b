package replicas

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtkbot/rtkbot/internal/app"
	"github.com/rtkbot/rtkbot/internal/config"
	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
	"github.com/rtkbot/rtkbot/internal/secret"
	"github.com/rtkbot/rtkbot/internal/slackapp"
	"github.com/rtkbot/rtkbot/internal/slackapp/slackfake"
	"github.com/rtkbot/rtkbot/internal/store"
	"github.com/rtkbot/rtkbot/internal/testutil"
)

// clock runs with real time, shifted by a fixed offset.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// runInProcess starts the bot in-process (the maintenance interval is an
// app.Options field, not configuration) and returns a func that stops it.
func runInProcess(t *testing.T, sl *slackfake.Server, rtk *rtkfake.Server, databaseURL string, now func() time.Time) (stop func(), logs *testutil.Buffer) {
	t.Helper()
	cfg := config.Config{
		SlackAppToken: appToken, SlackBotToken: botToken, SlackAPIURL: sl.APIURL(),
		CloudflareAPIToken: cfToken, CloudflareAccountID: accountID, RealtimeKitAppID: appID,
		CloudflareBaseURL: rtk.BaseURL(), RealtimeKitRateLimit: 1000, RealtimeKitBurst: 1000,
		Moderators: []string{modID}, MaxConcurrentCommands: 8, ShutdownTimeout: 5 * time.Second,
		ConfirmTTL: 10 * time.Minute, HTTPAddr: "127.0.0.1:0", DatabaseURL: secret.String(databaseURL),
		AuditRetention: 90 * 24 * time.Hour, LogLevel: "debug", LogFormat: "json",
	}
	logs = &testutil.Buffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, logger, app.Options{Now: now, MaintenanceInterval: 100 * time.Millisecond})
	if err != nil {
		cancel()
		t.Fatalf("app.New: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run returned %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("bot did not stop within 10s of cancel")
			}
			if t.Failed() {
				t.Logf("in-process bot logs:\n%s", logs.String())
			}
		})
	}
	t.Cleanup(stop)
	return stop, logs
}

// ephemeralsTo returns the chat.postEphemeral messages sent to user.
func ephemeralsTo(sl *slackfake.Server, user string) []slackfake.Posted {
	var out []slackfake.Posted
	for _, p := range sl.Posted() {
		if p.Method == "chat.postEphemeral" && p.User == user {
			out = append(out, p)
		}
	}
	return out
}

// SIGKILL between the confirmation click and RealtimeKit's answer, with
// the kick never applied upstream: after a restart the requester is told
// clearly that it did not happen (the target is still in the meeting), its
// audit row says so, and a second restart does not tell them again.
func TestKillDuringConfirmedKickIsReportedOnceAfterRestart(t *testing.T) {
	killDuringConfirmedKick(t, false,
		"interrupted by a restart", "it did not happen: k900 is still in the meeting, so nobody was kicked")
}

// The same crash, but RealtimeKit had carried the kick out: the requester
// is told it took effect.
func TestKillAfterKickLandedUpstreamIsReportedAsDone(t *testing.T) {
	killDuringConfirmedKick(t, true,
		"interrupted by a restart", "realtimekit no longer shows k900 in the meeting, so the kick took effect")
}

// killDuringConfirmedKick kills the bot while its confirmed kick hangs
// upstream; landed makes the target leave the meeting before the restart,
// as if RealtimeKit had applied the kick. The notice must contain want.
func killDuringConfirmedKick(t *testing.T, landed bool, want ...string) {
	sl, rtk := fakes(t)
	target, err := rtk.Join(meetingID, rtkfake.Participant{UserID: "crash-user-001", Name: "k900"})
	if err != nil {
		t.Fatal(err)
	}
	databaseURL := "sqlite:" + filepath.Join(t.TempDir(), "rtkbot.db")
	ctx, cancel := context.WithTimeout(t.Context(), 40*time.Second)
	defer cancel()

	first := startBot(t, "first bot", botEnv(sl, rtk, databaseURL))
	if err := sl.WaitConnections(ctx, 1); err != nil {
		t.Fatalf("bot never connected: %v", err)
	}
	rtk.SetFault(rtkfake.RouteKick, rtkfake.Fault{Hang: true})
	cmd := sl.SlashCommand(slackfake.SlashCommand{ChannelID: channelID, UserID: modID, Text: "kick " + meetingID + " k900"})
	if _, err := sl.WaitResponses(ctx, cmd.ResponseURL, 1); err != nil {
		t.Fatalf("no confirmation prompt: %v", err)
	}
	click := sl.ClickButton(slackfake.ButtonClick{UserID: modID, ChannelID: channelID, ActionID: slackapp.ActionConfirm, ResponseURL: cmd.ResponseURL})
	if _, err := sl.WaitAck(ctx, click.EnvelopeID); err != nil {
		t.Fatalf("click not acked: %v", err)
	}
	if err := rtk.WaitForRequests(ctx, rtkfake.RouteKick, 1); err != nil {
		t.Fatalf("kick never reached RealtimeKit: %v", err)
	}
	first.kill(t)
	rtk.ClearFaults()
	if landed {
		if err := rtk.Leave(meetingID, target.UserID); err != nil {
			t.Fatal(err)
		}
	}
	before := len(sl.Responses(click.ResponseURL))

	// Restart, with a clock past the point where an executing
	// confirmation counts as stuck (15s command timeout + 30s).
	later := &clock{offset: 2 * time.Minute}
	stop, _ := runInProcess(t, sl, rtk, databaseURL, later.Now)
	var told []slackfake.Posted
	if err := waitFor(ctx, func() bool { told = ephemeralsTo(sl, modID); return len(told) > 0 }); err != nil {
		t.Fatalf("the requester was never told about the interrupted kick: %v", err)
	}
	stop()
	if len(told) != 1 {
		t.Errorf("requester told %d times, want once: %+v", len(told), told)
	}
	msg := strings.ToLower(told[0].Text)
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("notice does not say %q: %s", w, msg)
		}
	}
	if told[0].Channel != channelID {
		t.Errorf("notice in channel %s, want %s", told[0].Channel, channelID)
	}
	if n := rtk.RequestCount(rtkfake.RouteKick); n != 1 {
		t.Errorf("kick requests = %d, want the 1 that was in flight (no retry)", n)
	}
	if after := len(sl.Responses(click.ResponseURL)); after != before {
		t.Errorf("%d more answers at the click's response_url after the restart, want none", after-before)
	}

	// A second restart finds nothing stuck. Negative check: let it run
	// ten maintenance passes, then make sure it said nothing.
	stop2, logs2 := runInProcess(t, sl, rtk, databaseURL, later.Now)
	status := sl.SlashCommand(slackfake.SlashCommand{ChannelID: channelID, UserID: modID, Text: "status " + meetingID})
	if _, err := sl.WaitResponses(ctx, status.ResponseURL, 1); err != nil {
		t.Fatalf("second restart does not answer: %v", err)
	}
	if err := waitFor(ctx, func() bool { return strings.Count(logs2.String(), `"msg":"maintenance pass done"`) >= 10 }); err != nil {
		t.Fatalf("the second restart never ran ten maintenance passes: %v", err)
	}
	stop2()
	if got := ephemeralsTo(sl, modID); len(got) != 1 {
		t.Errorf("after a second restart the requester was told %d times, want 1 (no new notice)", len(got))
	}

	st, err := store.Open(ctx, databaseURL, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	entries, err := st.RecentAudit(ctx, teamID, meetingID, 50, false)
	if err != nil {
		t.Fatal(err)
	}
	var kicks []string
	for _, e := range entries {
		if e.Verb == "kick" && len(e.Targets) == 1 && strings.Contains(e.Targets[0], target.UserID) {
			kicks = append(kicks, fmt.Sprintf("%s: %s", e.Outcome, e.Detail))
		}
	}
	wantAudit := "failed: interrupted by restart; not executed: targets still in the meeting"
	if landed {
		wantAudit = "failed: interrupted by restart; targets no longer in the meeting"
	}
	if len(kicks) != 1 || kicks[0] != wantAudit {
		t.Errorf("audit rows of the interrupted kick = %q, want exactly one: %q", kicks, wantAudit)
	}
}

// waitFor polls cond until it holds or ctx ends: chat.postEphemeral has no
// per-recipient wait in the fake.
func waitFor(ctx context.Context, cond func() bool) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// SIGKILL after a command was acked and before it was answered, on the
// default SQLite database: the next start answers it, within a few
// seconds, through the response_url Slack gave the first.
func TestKillAfterAckIsAnsweredAfterRestart(t *testing.T) {
	sl, rtk := fakes(t)
	databaseURL := "sqlite:" + filepath.Join(t.TempDir(), "rtkbot.db")
	ctx, cancel := context.WithTimeout(t.Context(), 40*time.Second)
	defer cancel()

	first := startBot(t, "first bot", botEnv(sl, rtk, databaseURL))
	if err := sl.WaitConnections(ctx, 1); err != nil {
		t.Fatalf("bot never connected: %v", err)
	}
	rtk.SetFault(rtkfake.RouteActiveSession, rtkfake.Fault{Hang: true})
	cmd := sl.SlashCommand(slackfake.SlashCommand{ChannelID: channelID, UserID: modID, Text: "status " + meetingID})
	if _, err := sl.WaitAck(ctx, cmd.EnvelopeID); err != nil {
		t.Fatalf("not acked: %v", err)
	}
	if err := rtk.WaitForRequests(ctx, rtkfake.RouteActiveSession, 1); err != nil {
		t.Fatalf("status never reached RealtimeKit: %v", err)
	}
	first.kill(t)
	rtk.ClearFaults()
	if n := len(sl.Responses(cmd.ResponseURL)); n != 0 {
		t.Fatalf("answered %d times before the kill", n)
	}

	killedAt := time.Now()
	second := startBot(t, "second bot", botEnv(sl, rtk, databaseURL))
	rs, err := sl.WaitResponses(ctx, cmd.ResponseURL, 1)
	if err != nil {
		t.Fatalf("the restarted bot never answered the acked command: %v", err)
	}
	msg := rs[0].Text + string(rs[0].Blocks)
	for _, want := range []string{"Weekly All-Hands", "LIVE"} {
		if !strings.Contains(msg, want) {
			t.Errorf("answer does not say %q: %s", want, msg)
		}
	}
	t.Logf("answered %v after the kill (including the restart)", time.Since(killedAt).Round(time.Millisecond))
	second.stop(t) // whatever it was going to answer, it has answered
	if n := len(sl.Responses(cmd.ResponseURL)); n != 1 {
		t.Errorf("%d answers, want 1", n)
	}
}
