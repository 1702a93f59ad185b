package app_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtkbot/rtkbot/internal/app"
	"github.com/rtkbot/rtkbot/internal/config"
	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
	"github.com/rtkbot/rtkbot/internal/secret"
	"github.com/rtkbot/rtkbot/internal/slackapp/slackfake"
	"github.com/rtkbot/rtkbot/internal/testutil"
)

// IDs from examples/demo-meeting.json, which every end-to-end test loads.
const (
	meetingID = "9f3c2a1e-5b7d-4e8f-a012-3c4d5e6f7a81" // "Weekly All-Hands", live
	idleID    = "9f3c2a1e-5b7d-4e8f-a012-3c4d5e6f7a82" // "Design Review", no session
	bobID     = "0b6f5c1a-7e2d-4c3b-9a8f-1d2e3f4a5b02"
	carolID   = "0b6f5c1a-7e2d-4c3b-9a8f-1d2e3f4a5b05"
	channelID = "C0MEETING"
	modID     = "U0MOD"  // in BOT_MODERATORS
	userID    = "U0USER" // not a moderator
	otherMod  = "U0MOD2" // in BOT_MODERATORS too
	teamID    = "T0TEAM"
)

// clock runs with real time, shifted by what a test advances it.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// world is the whole bot, running in-process against a fake Slack and a fake
// RealtimeKit that speak the real protocols.
type world struct {
	t     *testing.T
	slack *slackfake.Server
	rtk   *rtkfake.Server
	clock *clock
	logs  *testutil.Buffer
	cfg   config.Config
	opts  app.Options
	app   *app.App
	stop  context.CancelFunc
	done  chan error
}

func newWorld(t *testing.T, edit ...func(*config.Config)) *world {
	t.Helper()
	w := &world{t: t, clock: &clock{}, logs: &testutil.Buffer{}}
	w.slack = slackfake.NewTestServer(t, slackfake.Config{
		AppToken: "xapp-1-e2e-app-token", BotToken: "xoxb-e2e-bot-token", TeamID: teamID,
		PingInterval: 2 * time.Second, Now: w.clock.Now,
	})
	for _, u := range []slackfake.User{
		{ID: modID, Name: "mo", RealName: "Mo Derator", DisplayName: "mo"},
		{ID: otherMod, Name: "max", RealName: "Max Other", DisplayName: "max"},
		{ID: userID, Name: "usha", RealName: "Usha User", DisplayName: "usha"},
		{ID: "U0BOB", Name: "bob", RealName: "Bob Smith", DisplayName: "bob", Email: "bob.smith@example.com"},
	} {
		w.slack.AddUser(u)
	}
	w.rtk = rtkfake.NewTestServer(t, rtkfake.Config{
		Token: "cf-e2e-api-token", AccountID: "023e105f4ecef8ad9ca31a8372d0c353", AppID: "app-e2e", Now: w.clock.Now,
	})
	seed, err := os.Open(filepath.Join("..", "..", "examples", "demo-meeting.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer seed.Close()
	if err := w.rtk.LoadSeed(seed); err != nil {
		t.Fatal(err)
	}

	cfg := config.Config{
		SlackAppToken: "xapp-1-e2e-app-token", SlackBotToken: "xoxb-e2e-bot-token",
		SlackAPIURL:        w.slack.APIURL(),
		CloudflareAPIToken: "cf-e2e-api-token", CloudflareAccountID: "023e105f4ecef8ad9ca31a8372d0c353",
		RealtimeKitAppID: "app-e2e", CloudflareBaseURL: w.rtk.BaseURL(),
		RealtimeKitRateLimit: 1000, RealtimeKitBurst: 1000,
		Moderators:            []string{modID, otherMod},
		MaxConcurrentCommands: 64,
		ShutdownTimeout:       5 * time.Second,
		ConfirmTTL:            10 * time.Minute,
		HTTPAddr:              "127.0.0.1:0",
		DatabaseURL:           secret.String("sqlite:" + filepath.Join(t.TempDir(), "rtkbot.db")),
		AuditRetention:        90 * 24 * time.Hour,
		LogLevel:              "debug", LogFormat: "json",
	}
	for _, e := range edit {
		e(&cfg)
	}
	w.cfg = cfg
	w.opts = app.Options{Now: w.clock.Now, Heartbeat: 100 * time.Millisecond, OrphanAfter: time.Second}
	t.Cleanup(func() {
		w.stopApp()
		if t.Failed() {
			t.Logf("bot logs:\n%s", w.logs.String())
		}
	})
	w.startApp()
	return w
}

// startApp starts a bot process (in-process) on the world's config and
// waits for it to connect.
func (w *world) startApp() {
	w.t.Helper()
	opened := w.slack.ConnectionsOpened()
	logger := slog.New(slog.NewJSONHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, w.cfg, logger, w.opts)
	if err != nil {
		cancel()
		w.t.Fatalf("app.New: %v", err)
	}
	w.app, w.stop, w.done = a, cancel, make(chan error, 1)
	go func() { w.done <- a.Run(ctx) }()
	if err := w.slack.WaitConnectionsOpened(w.ctx(), opened+1); err != nil {
		w.t.Fatalf("bot never connected to Slack: %v", err)
	}
}

// stopApp stops the running bot as SIGTERM does and waits for it to exit.
func (w *world) stopApp() {
	w.t.Helper()
	if w.app == nil {
		return
	}
	w.stop()
	select {
	case err := <-w.done:
		if err != nil {
			w.t.Errorf("Run returned %v", err)
		}
	case <-time.After(10 * time.Second):
		w.t.Error("bot did not stop within 10s of cancel")
	}
	w.app = nil
}

func (w *world) ctx() context.Context {
	ctx, cancel := context.WithTimeout(w.t.Context(), 10*time.Second)
	w.t.Cleanup(cancel)
	return ctx
}

// run types "/meeting text" as user in the channel and returns the delivery.
func (w *world) run(user, text string) slackfake.Delivery {
	w.t.Helper()
	return w.slack.SlashCommand(slackfake.SlashCommand{ChannelID: channelID, UserID: user, Text: text})
}

// answers waits for n messages at the delivery's response_url.
func (w *world) answers(d slackfake.Delivery, n int) []slackfake.Response {
	w.t.Helper()
	rs, err := w.slack.WaitResponses(w.ctx(), d.ResponseURL, n)
	if err != nil {
		w.t.Fatalf("waiting for %d answers: %v (got %d)", n, err, len(w.slack.Responses(d.ResponseURL)))
	}
	return rs
}

// answer is the single answer to a command.
func (w *world) answer(user, text string) slackfake.Response {
	w.t.Helper()
	return w.answers(w.run(user, text), 1)[0]
}

// click presses a button of the message last posted through promptURL.
func (w *world) click(user, promptURL, actionID string) slackfake.Delivery {
	w.t.Helper()
	return w.slack.ClickButton(slackfake.ButtonClick{UserID: user, ChannelID: channelID, ActionID: actionID, ResponseURL: promptURL})
}

// mutations counts the mutating requests RealtimeKit received.
func (w *world) mutations() int {
	n := 0
	for _, r := range []string{rtkfake.RouteKick, rtkfake.RouteKickAll, rtkfake.RouteMute, rtkfake.RouteMuteAll, rtkfake.RoutePoll} {
		n += w.rtk.RequestCount(r)
	}
	return n
}

// shown is everything a user sees in a message: the fallback text and
// every text object in the blocks, joined.
func shown(t *testing.T, r slackfake.Response) string {
	t.Helper()
	var parts []string
	parts = append(parts, r.Text)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				parts = append(parts, s)
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	if len(r.Blocks) > 0 {
		var v any
		if err := json.Unmarshal(r.Blocks, &v); err != nil {
			t.Fatalf("blocks are not JSON: %v", err)
		}
		walk(v)
	}
	return strings.Join(parts, "\n")
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s does not say %q:\n%s", what, w, got)
		}
	}
}
