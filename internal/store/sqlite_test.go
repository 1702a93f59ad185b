package store_test

import (
	"bytes"
	"database/sql"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rtkbot/rtkbot/internal/store"
)

// TestSQLiteSingleProcess: while one Store has the file open, a second Open
// fails with ErrLocked pointing to Postgres, from this process (flock locks
// belong to the open file, not the process) and from another; once it is
// closed, both may open it.
func TestSQLiteSingleProcess(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dbURL := sqliteBackend.newDatabase(t)
	first := openStore(t, dbURL)

	_, err := store.Open(ctx, dbURL, nil)
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second Open in-process: got %v, want ErrLocked", err)
	}
	mustContain(t, "second Open's error", err.Error(), "DATABASE_URL=postgres://", "pid ")

	out, err := runHelperProcess(t, helperOpen, dbURL)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitLocked {
		t.Fatalf("Open from another process: got %v (output %q), want exit code %d (ErrLocked)", err, out, exitLocked)
	}
	mustContain(t, "the other process's error", out, "DATABASE_URL=postgres://")

	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if out, err := runHelperProcess(t, helperOpen, dbURL); err != nil || out != "opened" {
		t.Errorf("Open from another process after Close: got %v (output %q), want it opened", err, out)
	}
	again := openStore(t, dbURL)
	if err := again.LinkChannel(ctx, "T1", "C1", "m-1", "", "U1"); err != nil {
		t.Errorf("LinkChannel after reopening: %v", err)
	}
}

// TestSQLiteURLs: where each form of sqlite: URL puts the database, and
// which are refused. Not parallel: it changes the working directory.
func TestSQLiteURLs(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	abs := filepath.Join(dir, "abs", "nested", "bot.db")
	tests := []struct {
		name        string
		databaseURL string
		wantFile    string // relative to dir
		wantErr     string
	}{
		{name: "empty means the default", databaseURL: "", wantFile: "data/rtkbot.db"},
		{name: "the default, spelled out", databaseURL: store.DefaultURL, wantFile: "data/rtkbot.db"},
		{name: "absolute, three slashes", databaseURL: "sqlite://" + abs, wantFile: "abs/nested/bot.db"},
		{name: "relative, opaque", databaseURL: "sqlite:rel/bot.db", wantFile: "rel/bot.db"},
		{name: "relative, dot after the slashes", databaseURL: "sqlite://./dot/bot.db", wantFile: "dot/bot.db"},
		{name: "scheme in capitals", databaseURL: "SQLITE:caps.db", wantFile: "caps.db"},
		{name: "path with spaces and a percent", databaseURL: "sqlite:odd dir/100% bot.db", wantFile: "odd dir/100% bot.db"},
		{name: "parameters", databaseURL: "sqlite:bot.db?cache=shared", wantErr: "takes no parameters"},
		{name: "no path", databaseURL: "sqlite:", wantErr: "needs a file path"},
		{name: "in memory", databaseURL: "sqlite::memory:", wantErr: "in-memory"},
		{name: "unknown scheme", databaseURL: "mysql://bot:hunter2@db/rtkbot", wantErr: `unsupported scheme "mysql"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := store.Open(t.Context(), tt.databaseURL, nil)
			if tt.wantErr != "" {
				if err == nil {
					_ = s.Close()
					t.Fatalf("Open(%q): got no error, want one containing %q", tt.databaseURL, tt.wantErr)
				}
				mustContain(t, "error", err.Error(), tt.wantErr)
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error %q reveals the password", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open(%q): %v", tt.databaseURL, err)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if _, err := os.Stat(filepath.Join(dir, tt.wantFile)); err != nil {
				t.Errorf("database file: %v", err)
			}
		})
	}
}

// TestSQLiteInboxFile: the inbox is kept in rtkbot-inbox.db beside
// rtkbot.db (which no longer has the tables), survives a reopen, and a
// damaged inbox file is set aside and replaced rather than stopping the
// bot from starting.
func TestSQLiteInboxFile(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "rtkbot.db")
	inboxPath := filepath.Join(dir, "rtkbot-inbox.db")
	dbURL := "sqlite://" + dbPath
	// unanswered lists the rows a restarted bot would take over.
	unanswered := func(s store.Store) []string {
		t.Helper()
		items, err := s.OrphanedInbox(ctx, "restarted", t0.Add(time.Hour), t0.Add(-time.Hour), 10)
		if err != nil {
			t.Fatalf("OrphanedInbox: %v", err)
		}
		var ids []string
		for _, it := range items {
			ids = append(ids, it.ID)
		}
		return ids
	}

	s := openStore(t, dbURL)
	if _, err := s.WriteInbox(ctx, []store.InboxItem{item("E1", "A", 0), item("E2", "A", time.Millisecond)}, nil, t0); err != nil {
		t.Fatalf("WriteInbox: %v", err)
	}
	if _, err := s.WriteInbox(ctx, nil, []string{"E2"}, t0.Add(time.Second)); err != nil {
		t.Fatalf("WriteInbox (answered): %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := countRows(t, inboxPath, `SELECT count(*) FROM inbox`); got != 2 {
		t.Errorf("rows in %s = %d, want 2", inboxPath, got)
	}
	if got := countRows(t, dbPath, `SELECT count(*) FROM sqlite_master WHERE name IN ('inbox', 'replicas')`); got != 0 {
		t.Errorf("%s still has %d inbox tables, want none", dbPath, got)
	}
	s = openStore(t, dbURL)
	if diff := cmp.Diff([]string{"E1"}, unanswered(s)); diff != "" {
		t.Errorf("unanswered after reopening (-want +got):\n%s", diff)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	for _, tt := range []struct {
		name   string
		damage func(t *testing.T)
	}{
		{"not a database", func(t *testing.T) {
			if err := os.WriteFile(inboxPath, bytes.Repeat([]byte("power cut "), 1000), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"a torn page", func(t *testing.T) {
			f, err := os.OpenFile(inboxPath, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			// Page 2 onwards hold the schema's tables and indexes.
			if _, err := f.WriteAt(bytes.Repeat([]byte{0xff}, 4096), 4096); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.damage(t)
			var logs logBuffer
			s, err := store.Open(ctx, dbURL, slog.New(slog.NewJSONHandler(&logs, nil)))
			if err != nil {
				t.Fatalf("Open with a damaged inbox file: %v", err)
			}
			defer s.Close()
			mustContain(t, "logs", logs.String(), "the inbox file was damaged", `"damaged_file":"`+inboxPath+`.damaged-`)
			aside, err := filepath.Glob(inboxPath + ".damaged-*")
			if err != nil || len(aside) == 0 {
				t.Errorf("damaged file not set aside: %v %v", aside, err)
			}
			if got := unanswered(s); len(got) != 0 {
				t.Errorf("unanswered in the new inbox file = %v, want none", got)
			}
			fresh, err := s.WriteInbox(ctx, []store.InboxItem{item("E1", "A", 0)}, nil, t0)
			if err != nil || !fresh[0] {
				t.Errorf("WriteInbox to the new file = (%v, %v), want ([true], nil)", fresh, err)
			}
			if err := s.LinkChannel(ctx, "T1", "C1", "m-1", "", "U1"); err != nil {
				t.Errorf("the database itself: LinkChannel: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			for _, p := range aside {
				_ = os.Remove(p)
			}
		})
	}
}

// countRows runs a count query on the SQLite file at path, read-only.
func countRows(t *testing.T, path, query string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(t.Context(), query).Scan(&n); err != nil {
		t.Fatalf("%s on %s: %v", query, path, err)
	}
	return n
}
