package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
	"github.com/rtkbot/rtkbot/internal/slackapp/slackfake"
)

// watchedLog is a child's stderr that a test can wait on.
type watchedLog struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func newWatchedLog() *watchedLog { return &watchedLog{changed: make(chan struct{})} }

func (w *watchedLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	close(w.changed)
	w.changed = make(chan struct{})
	return w.b.Write(p)
}

func (w *watchedLog) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// waitLine waits for a log line containing substr and returns it.
func (w *watchedLog) waitLine(ctx context.Context, substr string) (string, error) {
	lines, err := w.waitLines(ctx, substr, 1)
	if err != nil {
		return "", err
	}
	return lines[0], nil
}

// waitLines waits for n log lines containing substr and returns them.
func (w *watchedLog) waitLines(ctx context.Context, substr string, n int) ([]string, error) {
	for {
		w.mu.Lock()
		text, ch := w.b.String(), w.changed
		w.mu.Unlock()
		var found []string
		for line := range strings.Lines(text) {
			if strings.Contains(line, substr) {
				found = append(found, line)
			}
		}
		if len(found) >= n {
			return found, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("%d log lines contain %q, want %d", len(found), substr, n)
		}
	}
}

// botEnv is a working configuration against sl and rtk; edit overrides.
func botEnv(t *testing.T, slackAPI, cfBase string, edit map[string]string) []string {
	env := map[string]string{
		"SLACK_APP_TOKEN": "xapp-1-good", "SLACK_BOT_TOKEN": "xoxb-good", "SLACK_API_URL": slackAPI,
		"CLOUDFLARE_API_TOKEN": "cf-good", "CLOUDFLARE_ACCOUNT_ID": "acc", "REALTIMEKIT_APP_ID": "app",
		"CLOUDFLARE_BASE_URL": cfBase, "BOT_HTTP_ADDR": "127.0.0.1:0",
		"DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "bot.db"),
	}
	for k, v := range edit {
		env[k] = v
	}
	var out []string
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// fakes are a Slack workspace and a RealtimeKit with the demo meeting,
// accepting the tokens of botEnv.
func fakes(t *testing.T) (*slackfake.Server, *rtkfake.Server) {
	sl := slackfake.NewTestServer(t, slackfake.Config{AppToken: "xapp-1-good", BotToken: "xoxb-good", TeamID: "T1"})
	rtk := rtkfake.NewTestServer(t, rtkfake.Config{Token: "cf-good", AccountID: "acc", AppID: "app"})
	if err := rtk.LoadSeedFile(filepath.Join("..", "..", "examples", "demo-meeting.json")); err != nil {
		t.Fatal(err)
	}
	return sl, rtk
}

// startBot starts the bot binary with env, its stderr into logs, and
// returns what its Wait returns once it exits. The test's end kills it, and
// a failed test logs what it wrote.
func startBot(t *testing.T, bin string, env []string, logs interface {
	io.Writer
	String() string
}) (*exec.Cmd, <-chan error) {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = env
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("bot logs:\n%s", logs.String())
		}
	})
	return cmd, exited
}

// A token Slack or Cloudflare refuses stops the bot at once with exit 2,
// naming the variable and what to do, never the token; every refused
// token is named, not only the first.
func TestRefusedTokensExitTwoNamingTheVariable(t *testing.T) {
	t.Parallel()
	bin := buildBot(t)
	const (
		botFix = "SLACK_BOT_TOKEN: Slack refused it (auth.test: invalid_auth). Copy the Bot User OAuth Token"
		appFix = "SLACK_APP_TOKEN: Slack refused it (apps.connections.open: invalid_auth). Generate an app-level token"
		cfFix  = "CLOUDFLARE_API_TOKEN: Cloudflare refused it (HTTP 401). Create an API token with the Realtime Admin permission"
		cfAcct = "CLOUDFLARE_API_TOKEN: Cloudflare refused it for this account and app (HTTP 403)"
	)
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"bot token", map[string]string{"SLACK_BOT_TOKEN": "xoxb-wrong-secret"}, []string{botFix}},
		{"app token", map[string]string{"SLACK_APP_TOKEN": "xapp-1-wrong-secret"}, []string{appFix}},
		{"Cloudflare token", map[string]string{"CLOUDFLARE_API_TOKEN": "cf-wrong-secret"}, []string{cfFix}},
		{"Cloudflare account", map[string]string{"CLOUDFLARE_ACCOUNT_ID": "other"}, []string{cfAcct}},
		{"all three", map[string]string{"SLACK_BOT_TOKEN": "xoxb-wrong-secret", "SLACK_APP_TOKEN": "xapp-1-wrong-secret",
			"CLOUDFLARE_API_TOKEN": "cf-wrong-secret"}, []string{botFix, appFix, cfFix}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sl, rtk := fakes(t)
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin)
			cmd.Env = botEnv(t, sl.APIURL(), rtk.BaseURL(), tt.env)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			if code := cmd.ProcessState.ExitCode(); code != 2 {
				t.Fatalf("exit code = %d (%v), want 2; stderr:\n%s", code, err, stderr.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr.String())
				}
			}
			if strings.Contains(stderr.String(), "secret") {
				t.Errorf("stderr shows a token:\n%s", stderr.String())
			}
			if n := sl.ConnectionsOpened(); n != 0 {
				t.Errorf("the bot opened %d Socket Mode connections with a refused token", n)
			}
		})
	}
}

// flakyFront stands in front of a server: until up is set it drops every
// connection, as an unreachable host does; then it passes requests on.
type flakyFront struct {
	srv *httptest.Server
	up  atomic.Bool
}

func newFlakyFront(t *testing.T, target string) *flakyFront {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	f := &flakyFront{}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.up.Load() {
			proxy.ServeHTTP(w, r)
			return
		}
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// url is target's URL with the front's host.
func (f *flakyFront) url(target string) string {
	u, _ := url.Parse(target)
	front, _ := url.Parse(f.srv.URL)
	u.Host = front.Host
	return u.String()
}

// Slack and Cloudflare unreachable at start is not a bad token: the bot
// keeps trying, /readyz answers 503, and once they answer it connects,
// becomes ready and serves commands.
func TestUnreachableServicesAtStartAreRetriedUntilTheyAnswer(t *testing.T) {
	t.Parallel()
	bin := buildBot(t)
	sl, rtk := fakes(t)
	slackFront := newFlakyFront(t, sl.APIURL())
	cfFront := newFlakyFront(t, rtk.BaseURL())

	logs := newWatchedLog()
	_, exited := startBot(t, bin,
		botEnv(t, slackFront.url(sl.APIURL()), cfFront.url(rtk.BaseURL()), map[string]string{"BOT_SHUTDOWN_TIMEOUT": "5s"}), logs)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	line, err := logs.waitLine(ctx, "rtkbot starting")
	if err != nil {
		t.Fatal(err)
	}
	var starting struct {
		HTTPAddr string `json:"http_addr"`
	}
	if err := json.Unmarshal([]byte(line), &starting); err != nil || starting.HTTPAddr == "" {
		t.Fatalf("no http_addr in %s (%v)", line, err)
	}
	// Two rounds each: the bot keeps trying rather than giving up.
	for _, service := range []string{"Slack", "RealtimeKit"} {
		if _, err := logs.waitLines(ctx, "cannot check the "+service+" tokens; retrying", 2); err != nil {
			t.Fatal(err)
		}
	}
	if code, body := readyz(t, starting.HTTPAddr); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz = %d %q while Slack is unreachable, want 503", code, body)
	}
	if n := sl.ConnectionsOpened(); n != 0 {
		t.Fatalf("connected to Slack through a front that drops everything?")
	}

	slackFront.up.Store(true)
	cfFront.up.Store(true)
	if err := sl.WaitConnections(ctx, 1); err != nil {
		t.Fatalf("bot never connected once Slack answered: %v", err)
	}
	for {
		code, _ := readyz(t, starting.HTTPAddr)
		if code == http.StatusOK {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("/readyz = %d after connecting, want 200", code)
		case <-time.After(20 * time.Millisecond):
		}
	}
	d := sl.SlashCommand(slackfake.SlashCommand{ChannelID: "C1", UserID: "U1", Text: "status 9f3c2a1e-5b7d-4e8f-a012-3c4d5e6f7a81"})
	rs, err := sl.WaitResponses(ctx, d.ResponseURL, 1)
	if err != nil {
		t.Fatalf("no answer once started: %v", err)
	}
	if !strings.Contains(rs[0].Text+string(rs[0].Blocks), "Weekly All-Hands") {
		t.Errorf("answer = %s", rs[0].Raw)
	}
	select {
	case err := <-exited:
		t.Fatalf("bot exited: %v", err)
	default:
	}
}

func readyz(t *testing.T, addr string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatalf("GET /readyz: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
