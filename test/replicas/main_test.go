// Package replicas tests the bot as an operator runs it: several real
// binaries sharing one Slack app and one Postgres database, and a single
// bot killed with SIGKILL in the middle of a confirmed kick.
package replicas

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rtkbot/rtkbot/internal/testutil"
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
// drops it at the end (testutil.ScratchPostgres).
func scratchDatabase(t *testing.T) string { return testutil.ScratchPostgres(t, "rtkbot_replicas") }

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
