package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rtkbot/rtkbot/internal/store"
	"github.com/rtkbot/rtkbot/internal/testutil"
)

// Environment of the test binary.
const (
	// postgresURLEnv names the Postgres server the tests may create a
	// scratch database on.
	postgresURLEnv     = "RTKBOT_TEST_POSTGRES_URL"
	defaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

	// helperEnv turns the test binary into a helper process (see runHelper);
	// helperURLEnv is the database it opens.
	helperEnv    = "RTKBOT_STORE_TEST_HELPER"
	helperURLEnv = "RTKBOT_STORE_TEST_URL"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode, os.Getenv(helperURLEnv)))
	}
	code := m.Run()
	if err := dropScratchDatabase(); err != nil {
		fmt.Fprintln(os.Stderr, "drop the scratch Postgres database:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// backend is one Store implementation under test.
type backend struct {
	name string
	// newDatabase returns the DATABASE_URL of a fresh, empty database.
	newDatabase func(tb testing.TB) string
	// shared: several Stores (replicas) may have one database open at once.
	shared bool
}

var (
	sqliteBackend = backend{
		name: "sqlite",
		newDatabase: func(tb testing.TB) string {
			return "sqlite://" + filepath.Join(tb.TempDir(), "rtkbot.db")
		},
	}
	postgresBackend = backend{name: "postgres", newDatabase: newPostgresDatabase, shared: true}
	backends        = []backend{sqliteBackend, postgresBackend}
)

// openStore opens databaseURL, closing the store when the test ends.
func openStore(tb testing.TB, databaseURL string, opts ...store.Option) store.Store {
	tb.Helper()
	s, err := store.Open(tb.Context(), databaseURL, slog.New(slog.DiscardHandler), opts...)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// replicas returns n handles on databaseURL, as n bot processes would have.
// SQLite serves one process, so there it is one handle n times, and the
// concurrency is between goroutines.
func replicas(tb testing.TB, b backend, databaseURL string, n int) []store.Store {
	tb.Helper()
	out := make([]store.Store, n)
	for i := range out {
		if i == 0 || b.shared {
			out[i] = openStore(tb, databaseURL)
		} else {
			out[i] = out[0]
		}
	}
	return out
}

// The scratch Postgres database: created on first use, dropped by TestMain.
var scratch struct {
	once  sync.Once
	admin string // the server's URL, from postgresURLEnv
	name  string
	url   string
	err   error
}

// scratchPostgres returns the URL of this run's scratch database, creating
// it on first use. Without a reachable server the test is skipped, except
// in CI (testutil.InCI), where that is a failure.
func scratchPostgres(tb testing.TB) string {
	tb.Helper()
	scratch.once.Do(func() {
		scratch.admin = os.Getenv(postgresURLEnv)
		if scratch.admin == "" {
			scratch.admin = defaultPostgresURL
		}
		scratch.name = "rtkbot_test_" + randomHex(6)
		scratch.err = adminExec(scratch.admin, "CREATE DATABASE "+scratch.name)
		if scratch.err != nil {
			return
		}
		u, err := url.Parse(scratch.admin)
		if err != nil {
			scratch.err = fmt.Errorf("%s must be a postgres:// URL: %w", postgresURLEnv, err)
			return
		}
		u.Path = "/" + scratch.name
		scratch.url = u.String()
	})
	if scratch.err != nil {
		msg := fmt.Sprintf("Postgres is not usable (%v); start it with .ci/postgres.sh, or point %s at a server", scratch.err, postgresURLEnv)
		if testutil.InCI() {
			tb.Fatal(msg)
		}
		tb.Skip("skipping: " + msg)
	}
	return scratch.url
}

func dropScratchDatabase() error {
	if scratch.url == "" {
		return nil
	}
	return adminExec(scratch.admin, "DROP DATABASE IF EXISTS "+scratch.name+" WITH (FORCE)")
}

// newPostgresDatabase returns the URL of a fresh schema in the scratch
// database, set as the connection's search_path: as good as a fresh
// database for the store, and much cheaper to create.
func newPostgresDatabase(tb testing.TB) string {
	tb.Helper()
	base := scratchPostgres(tb)
	schema := "t_" + randomHex(6)
	if err := adminExec(base, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		if err := adminExec(base, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
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

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Helper modes, run in a child process by runHelperProcess.
const (
	// helperOpen opens the database and exits: 0 if it opened, 3 for
	// ErrLocked, 1 for another error (printed).
	helperOpen = "open"
	// helperClaimAndDie stores crashConfirmation, claims it, then kills
	// itself with SIGKILL before finishing it: a crash between a click
	// and the upstream call.
	helperClaimAndDie = "claim-and-die"
)

const exitLocked = 3

func runHelper(mode, databaseURL string) int {
	ctx := context.Background()
	s, err := store.Open(ctx, databaseURL, nil)
	if err != nil {
		fmt.Println(err)
		if errors.Is(err, store.ErrLocked) {
			return exitLocked
		}
		return 1
	}
	switch mode {
	case helperOpen:
		fmt.Println("opened")
		if err := s.Close(); err != nil {
			fmt.Println(err)
			return 1
		}
		return 0
	case helperClaimAndDie:
		c := crashConfirmation()
		if err := s.Put(ctx, c); err != nil {
			fmt.Println(err)
			return 1
		}
		if _, err := s.Claim(ctx, c.ID, crashClaimTime); err != nil {
			fmt.Println(err)
			return 1
		}
		p, _ := os.FindProcess(os.Getpid())
		_ = p.Kill() // SIGKILL: no deferred function, no Close
		select {}
	default:
		fmt.Println("unknown helper mode", mode)
		return 1
	}
}

// runHelperProcess runs this test binary as a helper process and returns
// its output and exit error (nil if it exited 0).
func runHelperProcess(t *testing.T, mode, databaseURL string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, helperURLEnv+"="+databaseURL)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err
}

// logBuffer collects JSON log lines from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// mustContain fails the test unless s contains every one of subs.
func mustContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s = %q, want it to contain %q", what, s, sub)
		}
	}
}
