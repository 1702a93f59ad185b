// Package replicas tests the bot as an operator runs it: several real
// binaries sharing one Slack app and one Postgres database, and a single
// bot killed with SIGKILL in the middle of a confirmed kick.
package replicas

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rtkbot/rtkbot/internal/testutil"
)

const (
	// postgresURLEnv names the Postgres server the test may create a
	// scratch database on, as in internal/store.
	postgresURLEnv     = "RTKBOT_TEST_POSTGRES_URL"
	defaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
)

var (
	buildOnce sync.Once
	botBin    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if botBin != "" {
		_ = os.RemoveAll(filepath.Dir(botBin))
	}
	os.Exit(code)
}

// buildBot compiles ./cmd/bot once per test run: linking takes seconds.
func buildBot(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rtkbot-replicas-bin-")
		if err != nil {
			buildErr = err
			return
		}
		botBin = filepath.Join(dir, "rtkbot")
		cmd := exec.Command("go", "build", "-o", botBin, "./cmd/bot")
		cmd.Dir = filepath.Join("..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return botBin
}

// scratchDatabase creates an empty Postgres database for the test and
// drops it at the end. Without a reachable server the test is skipped,
// except in CI (testutil.InCI), where that is a failure.
func scratchDatabase(t *testing.T) string {
	t.Helper()
	admin := os.Getenv(postgresURLEnv)
	if admin == "" {
		admin = defaultPostgresURL
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "rtkbot_replicas_" + hex.EncodeToString(b)
	if err := adminExec(admin, "CREATE DATABASE "+name); err != nil {
		msg := fmt.Sprintf("Postgres is not usable (%v); start it with .ci/postgres.sh, or point %s at a server", err, postgresURLEnv)
		if testutil.InCI() {
			t.Fatal(msg)
		}
		t.Skip("skipping: " + msg)
	}
	t.Cleanup(func() {
		if err := adminExec(admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop scratch database: %v", err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s must be a postgres:// URL: %v", postgresURLEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

func adminExec(databaseURL, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(ctx) }()
	_, err = conn.Exec(ctx, sql)
	return err
}

// bot is one running bot process.
type bot struct {
	cmd    *exec.Cmd
	logs   *testutil.Buffer
	exited chan struct{}
}

// startBot runs the built binary with env; it is killed when the test ends.
func startBot(t *testing.T, name string, env []string) *bot {
	t.Helper()
	b := &bot{cmd: exec.Command(buildBot(t)), logs: &testutil.Buffer{}, exited: make(chan struct{})}
	b.cmd.Env = env
	b.cmd.Stderr = b.logs
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = b.cmd.Wait(); close(b.exited) }()
	t.Cleanup(func() {
		_ = b.cmd.Process.Kill()
		<-b.exited
		if t.Failed() {
			t.Logf("%s logs:\n%s", name, b.logs.String())
		}
	})
	return b
}

// stop sends SIGTERM and waits for the process to exit, as it does once it
// has finished (or abandoned) the commands it had.
func (b *bot) stop(t *testing.T) {
	t.Helper()
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("the bot did not exit within 30 s of SIGTERM")
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (b *bot) kill(t *testing.T) {
	t.Helper()
	if err := b.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-b.exited
}
