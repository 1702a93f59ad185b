package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
)

// Group commit. With synchronous=FULL every commit waits for an fsync of
// the WAL, and the one writer connection makes commits take turns: at 200
// commands/s (three to five writes each) the fsyncs alone kept the writer
// busy, commands queued behind it for seconds and users were told the bot
// was busy. So writes are handed to one committer goroutine, which runs
// every write waiting at that moment in one transaction, each in its own
// savepoint, and commits them with one fsync. A write still returns only
// after the commit that holds it is durable: the guarantee is the same,
// its cost is shared. A lone write is committed at once, never held back
// to wait for company.

// maxCommitBatch bounds the writes one transaction carries, so that a
// flood of writes still commits (and answers) in steps.
const maxCommitBatch = 128

// errStoreClosed answers writes after Close.
var errStoreClosed = errors.New("store is closed")

// A write's state moves once, from queued to taken (the committer runs it)
// or to abandoned (its caller gave up first).
const (
	writeQueued int32 = iota
	writeTaken
	writeAbandoned
)

// writeTx is the transaction writes run in. Each statement is parsed once
// and then reused: SQLite's parser (Go translated from C in modernc) took
// ~7% of the bot's CPU under load when every write, and every savepoint
// around it, was parsed anew.
//
// A statement seen for the first time runs unprepared and is prepared on
// the writer connection after the batch: while a transaction holds the
// one connection, preparing on the pool would wait for it forever.
type writeTx struct {
	tx *sql.Tx
	s  *sqliteStore
}

// stmt returns the transaction's handle on query's prepared statement, or
// nil if query is not prepared yet.
func (t *writeTx) stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := t.s.stmts[query]; ok {
		return t.tx.StmtContext(ctx, st)
	}
	if len(t.s.stmts)+len(t.s.toPrepare) < maxPreparedWrites && !slices.Contains(t.s.toPrepare, query) {
		t.s.toPrepare = append(t.s.toPrepare, query)
	}
	return nil
}

// ExecContext is sql.Tx's.
func (t *writeTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

// exec, queryRow and query serve querier.
func (t *writeTx) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := t.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t *writeTx) queryRow(ctx context.Context, query string, args ...any) resultRow {
	if st := t.stmt(ctx, query); st != nil {
		return resultRow{sql: st.QueryRowContext(ctx, args...)}
	}
	return resultRow{sql: t.tx.QueryRowContext(ctx, query, args...)}
}

func (t *writeTx) query(ctx context.Context, query string, args ...any) (resultRows, error) {
	var rows *sql.Rows
	var err error
	if st := t.stmt(ctx, query); st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = t.tx.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return resultRows{}, err
	}
	return resultRows{sql: rows}, nil
}

// maxPreparedWrites bounds the prepared statements kept on the writer
// connection. The store's statements are constants, far fewer than this.
const maxPreparedWrites = 64

// prepareNew prepares the statements the last batch ran for the first
// time. It runs between batches, when the writer connection is free. A
// statement that fails to prepare simply stays unprepared.
func (s *sqliteStore) prepareNew() {
	for _, q := range s.toPrepare {
		st, err := s.w.PrepareContext(context.Background(), q)
		if err != nil {
			s.log.Warn("prepare a write statement", "err", err)
			continue
		}
		s.stmts[q] = st
	}
	s.toPrepare = s.toPrepare[:0]
}

type pendingWrite struct {
	ctx   context.Context
	fn    writeFunc
	state atomic.Int32
	done  chan error // receives the outcome once; buffered
}

// write runs fn in the committer's next transaction and returns once that
// transaction is committed (nil) or fn failed and was rolled back (fn's
// error). If ctx ends while the write is still waiting its turn, it is
// dropped and ctx's error returned; once its transaction has started, the
// caller waits for the outcome, which is moments away, so an error never
// stands for a write that was in fact committed.
func (s *sqliteStore) write(ctx context.Context, fn writeFunc) error {
	w := &pendingWrite{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.writes <- w:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.stopCommitter:
		return errStoreClosed
	}
	select {
	case err := <-w.done:
		return err
	case <-ctx.Done():
		if w.state.CompareAndSwap(writeQueued, writeAbandoned) {
			return ctx.Err()
		}
		return <-w.done
	}
}

// commitLoop is the committer: it takes a write, gathers every other write
// already waiting (writers block on the unbuffered channel while a commit
// is in progress, which is what forms the batches) and commits them
// together, until stopCommitter is closed.
func (s *sqliteStore) commitLoop() {
	defer close(s.committerDone)
	defer func() {
		for _, st := range s.stmts {
			_ = st.Close()
		}
	}()
	batch := make([]*pendingWrite, 0, maxCommitBatch)
	for {
		select {
		case w := <-s.writes:
			batch = append(batch, w)
		case <-s.stopCommitter:
			return
		}
	gather:
		for len(batch) < maxCommitBatch {
			select {
			case w := <-s.writes:
				batch = append(batch, w)
			default:
				break gather
			}
		}
		s.commitBatch(batch)
		clear(batch)
		batch = batch[:0]
		s.prepareNew()
	}
}

// commitBatch runs the writes in one transaction, each in a savepoint so
// that a failing write is undone alone, and tells each writer its outcome.
//
// The statements run on an uncancellable context: interrupting a statement
// inside a transaction can make SQLite roll back the whole transaction,
// which would fail the other writes of the batch for one caller's timeout.
// A write whose caller has given up before its turn is skipped instead.
func (s *sqliteStore) commitBatch(batch []*pendingWrite) {
	ctx := context.Background()
	taken := make([]*pendingWrite, 0, len(batch))
	for _, w := range batch {
		if !w.state.CompareAndSwap(writeQueued, writeTaken) {
			continue
		}
		if err := w.ctx.Err(); err != nil {
			w.done <- err
			continue
		}
		taken = append(taken, w)
	}
	if len(taken) == 0 {
		return
	}
	sqlTx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		for _, w := range taken {
			w.done <- fmt.Errorf("begin transaction: %w", err)
		}
		return
	}
	tx := &writeTx{tx: sqlTx, s: s}
	failed := make([]error, len(taken))
	for i, w := range taken {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT write`); err != nil {
			s.abandonBatch(tx, taken, fmt.Errorf("savepoint: %w", err))
			return
		}
		if failed[i] = w.fn(context.WithoutCancel(w.ctx), querier{tx: tx}); failed[i] != nil {
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO write`); err != nil {
				s.abandonBatch(tx, taken, errors.Join(failed[i], fmt.Errorf("roll back to savepoint: %w", err)))
				return
			}
		}
		if _, err := tx.ExecContext(ctx, `RELEASE write`); err != nil {
			s.abandonBatch(tx, taken, fmt.Errorf("release savepoint: %w", err))
			return
		}
	}
	if err := sqlTx.Commit(); err != nil {
		err = fmt.Errorf("commit: %w", err)
		for i := range failed {
			if failed[i] == nil {
				failed[i] = err
			}
		}
	}
	for i, w := range taken {
		w.done <- failed[i]
	}
}

// abandonBatch rolls back a transaction SQLite can no longer be trusted
// to continue and fails every write in it with err.
func (s *sqliteStore) abandonBatch(tx *writeTx, taken []*pendingWrite, err error) {
	if rerr := tx.tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
		s.log.Error("roll back a failed write batch", "err", rerr)
	}
	for _, w := range taken {
		w.done <- err
	}
}
