package store_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

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
