package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func openTestSQLite(t *testing.T) *sqliteStore {
	t.Helper()
	s, err := openSQLite(t.Context(), filepath.Join(t.TempDir(), "rtkbot.db"), slog.New(slog.DiscardHandler), options{now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func claimed(t *testing.T, s *sqliteStore) []string {
	t.Helper()
	rows, err := s.r.QueryContext(t.Context(), `SELECT key FROM deliveries ORDER BY key`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return keys
}

func insertKey(key string) writeFunc {
	return func(ctx context.Context, tx querier) error {
		_, err := tx.exec(ctx, `INSERT INTO deliveries (key, claimed_at) VALUES (?, 0)`, key)
		return err
	}
}

// TestCommitBatchIsolatesFailures: one write failing halfway through does
// not undo, or leave half of itself beside, the other writes of its batch.
func TestCommitBatchIsolatesFailures(t *testing.T) {
	t.Parallel()
	s := openTestSQLite(t)
	boom := errors.New("boom")
	gaveUp, cancel := context.WithCancel(t.Context())
	cancel()
	batch := []*pendingWrite{
		{ctx: t.Context(), fn: insertKey("a")},
		{ctx: t.Context(), fn: func(ctx context.Context, tx querier) error {
			if err := insertKey("half")(ctx, tx); err != nil {
				return err
			}
			return boom
		}},
		{ctx: t.Context(), fn: insertKey("a")}, // constraint violation
		{ctx: gaveUp, fn: insertKey("late")},
		{ctx: t.Context(), fn: insertKey("b")},
	}
	for _, w := range batch {
		w.done = make(chan error, 1)
	}
	s.commitBatch(batch)

	got := make([]string, len(batch))
	for i, w := range batch {
		if err := <-w.done; err != nil {
			got[i] = "error"
		}
	}
	if want := []string{"", "error", "error", "error", ""}; !cmp.Equal(got, want) {
		t.Errorf("outcomes = %q, want %q", got, want)
	}
	if diff := cmp.Diff([]string{"a", "b"}, claimed(t, s)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

// TestWriteConcurrent: many concurrent writers each get their own outcome,
// and every successful write is there afterwards.
func TestWriteConcurrent(t *testing.T) {
	t.Parallel()
	s := openTestSQLite(t)
	const n = 200
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			// Every key twice: exactly one of each pair fails.
			errs[i] = s.write(t.Context(), insertKey(fmt.Sprint(i/2)))
		})
	}
	wg.Wait()
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
		}
	}
	if failed != n/2 {
		t.Errorf("%d writes failed, want %d", failed, n/2)
	}
	if got := len(claimed(t, s)); got != n/2 {
		t.Errorf("%d rows, want %d", got, n/2)
	}
}

func TestWriteAfterClose(t *testing.T) {
	t.Parallel()
	s := openTestSQLite(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.write(t.Context(), insertKey("x")); !errors.Is(err, errStoreClosed) {
		t.Errorf("write after Close = %v, want %v", err, errStoreClosed)
	}
}
