package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rtkbot/rtkbot/internal/config"
	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
	"github.com/rtkbot/rtkbot/internal/slackapp/slackfake"
)

var (
	buildOnce sync.Once
	botBin    string
	buildErr  error
)

// buildBot compiles ./cmd/bot once per test run: linking the binary takes
// seconds (cloudflare-go is large), so the tests share it.
func buildBot(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rtkbot-bin-")
		if err != nil {
			buildErr = err
			return
		}
		botBin = filepath.Join(dir, "rtkbot")
		if out, err := exec.Command("go", "build", "-o", botBin, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return botBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if botBin != "" {
		os.RemoveAll(filepath.Dir(botBin))
	}
	os.Exit(code)
}

func TestInvalidConfigurationExitsTwoAndListsEveryProblem(t *testing.T) {
	t.Parallel()
	bin := buildBot(t)
	cmd := exec.Command(bin)
	cmd.Env = []string{
		"SLACK_APP_TOKEN=xoxb-this-is-secret", // wrong kind of token
		"BOT_MAX_CONCURRENT_COMMANDS=many",
		"LOG_FORMAT=yaml",
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 2 {
		t.Fatalf("exit code = %d (%v), want 2; stderr:\n%s", code, err, stderr.String())
	}
	for _, want := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID",
		"REALTIMEKIT_APP_ID", "BOT_MAX_CONCURRENT_COMMANDS", "LOG_FORMAT"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not name %s:\n%s", want, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "this-is-secret") {
		t.Errorf("stderr prints a token:\n%s", stderr.String())
	}
}

// SIGTERM while a command is in flight: the bot stops taking commands,
// finishes the one it has, answers it, and exits 0.
func TestSIGTERMFinishesInFlightCommandsAndExitsZero(t *testing.T) {
	t.Parallel()
	bin := buildBot(t)
	sl, rtk := fakes(t)
	logs := newWatchedLog()
	cmd, exited := startBot(t, bin, botEnv(t, sl.APIURL(), rtk.BaseURL(), map[string]string{"BOT_SHUTDOWN_TIMEOUT": "10s"}), logs)

	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := sl.WaitConnections(ctx, 1); err != nil {
		t.Fatalf("bot never connected: %v", err)
	}
	rtk.SetFault(rtkfake.AllRoutes, rtkfake.Fault{Latency: 1500 * time.Millisecond})
	d := sl.SlashCommand(slackfake.SlashCommand{ChannelID: "C1", UserID: "U1", Text: "status 9f3c2a1e-5b7d-4e8f-a012-3c4d5e6f7a81"})
	if _, err := sl.WaitAck(ctx, d.EnvelopeID); err != nil {
		t.Fatalf("command not acked: %v", err)
	}
	if err := rtk.WaitForRequests(ctx, rtkfake.RouteActiveSession, 1); err != nil {
		t.Fatalf("command never reached RealtimeKit: %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rs, err := sl.WaitResponses(ctx, d.ResponseURL, 1)
	if err != nil {
		t.Fatalf("in-flight command was not answered after SIGTERM: %v", err)
	}
	if !strings.Contains(rs[0].Text+string(rs[0].Blocks), "Weekly All-Hands") {
		t.Errorf("answer = %s", rs[0].Raw)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("bot exited with %v, want 0", err)
		}
	case <-ctx.Done():
		t.Fatal("bot did not exit after SIGTERM")
	}
}

// Required variables set to nothing, as an env file with SLACK_BOT_TOKEN=
// leaves them, are reported with every other problem, exit 2, and nothing
// is created on disk: not the database, not its directory.
func TestBlankRequiredVariablesExitTwoBeforeTouchingTheDatabase(t *testing.T) {
	t.Parallel()
	bin := buildBot(t)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "db", "bot.db")
	for _, tt := range []struct {
		name  string
		dbEnv []string
		files []string // must not exist afterwards
	}{
		{name: "default database", files: []string{filepath.Join(dir, "data")}},
		{name: "named database", dbEnv: []string{"DATABASE_URL=sqlite:" + dbPath}, files: []string{filepath.Dir(dbPath)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin)
			cmd.Dir = dir
			cmd.Env = append([]string{
				"SLACK_APP_TOKEN=", "SLACK_BOT_TOKEN=", "CLOUDFLARE_API_TOKEN=", "CLOUDFLARE_ACCOUNT_ID= ",
				"REALTIMEKIT_APP_ID=", "REALTIMEKIT_RATE_LIMIT=abc", "BOT_HTTP_ADDR=127.0.0.1:0",
			}, tt.dbEnv...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			if code := cmd.ProcessState.ExitCode(); code != 2 {
				t.Fatalf("exit code = %d (%v), want 2; stderr:\n%s", code, err, stderr.String())
			}
			for _, want := range []string{
				"SLACK_APP_TOKEN: required, but set to an empty value",
				"SLACK_BOT_TOKEN: required, but set to an empty value",
				"CLOUDFLARE_API_TOKEN: required, but set to an empty value",
				"CLOUDFLARE_ACCOUNT_ID: required, but set to an empty value",
				"REALTIMEKIT_APP_ID: required, but set to an empty value",
				`REALTIMEKIT_RATE_LIMIT: "abc" is not a number`,
			} {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
				}
			}
			for _, f := range tt.files {
				if _, err := os.Stat(f); !os.IsNotExist(err) {
					t.Errorf("%s exists after a configuration error (stat: %v)", f, err)
				}
			}
		})
	}
}

func TestLogsShowDurationsAsText(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			logger := newLogger(config.Config{LogLevel: "info", LogFormat: format}, &buf)
			logger.With("component", "slack").Info("stopping",
				"timeout", 1500*time.Millisecond, slog.Group("retry", "backoff", 2*time.Minute))
			want := map[string][]string{
				"json": {`"timeout":"1.5s"`, `"backoff":"2m0s"`},
				"text": {`timeout=1.5s`, `retry.backoff=2m0s`},
			}[format]
			for _, w := range want {
				if !strings.Contains(buf.String(), w) {
					t.Errorf("log line does not contain %s:\n%s", w, buf.String())
				}
			}
		})
	}
}
