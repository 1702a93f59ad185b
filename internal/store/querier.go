package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The Store methods of state.go are written once for both databases.
// Their SQL is the same in both dialects but for the placeholders: it is written with
// SQLite's (? in order, or ?N numbered) and Postgres rewrites them to $N
// (pgQuery). What truly differs is behind database: how a write runs (the
// SQLite committer, or the Postgres pool), where reads go, and how a time
// is stored (Unix microseconds in SQLite, timestamptz in Postgres).

// database is what a dialect provides to the shared methods.
type database interface {
	// write runs fn as one write: its statements succeed or fail together.
	// fn's error is write's.
	write(ctx context.Context, fn writeFunc) error
	// reader runs reads.
	reader() querier
	// timeArg is t as a statement argument, to the microsecond.
	timeArg(t time.Time) any
}

// writeFunc is one write, run by database.write.
type writeFunc func(ctx context.Context, q querier) error

// querier runs statements written with ? placeholders on one dialect's
// connections: exactly one of its fields is set. It is a struct rather
// than an interface so that a SQLite statement's arguments stay on the
// caller's stack: database/sql does not keep them, but through an
// interface call the compiler cannot know it, and every write would
// allocate its argument list.
type querier struct {
	tx *writeTx      // SQLite: the committer's transaction
	sr *sqliteStore  // SQLite: the read-only connections
	pg *pgxpool.Pool // Postgres
}

// exec runs a statement and returns how many rows it changed.
func (q querier) exec(ctx context.Context, query string, args ...any) (int64, error) {
	switch {
	case q.tx != nil:
		return q.tx.exec(ctx, query, args...)
	case q.sr != nil:
		return q.sr.readExec(ctx, query, args...)
	default:
		return pgExec(ctx, q.pg, query, slices.Clone(args)) // pgx may keep args: copy them
	}
}

func (q querier) queryRow(ctx context.Context, query string, args ...any) resultRow {
	switch {
	case q.tx != nil:
		return q.tx.queryRow(ctx, query, args...)
	case q.sr != nil:
		return resultRow{sql: q.sr.readRow(ctx, query, args...)}
	default:
		return pgQueryRow(ctx, q.pg, query, slices.Clone(args))
	}
}

func (q querier) query(ctx context.Context, query string, args ...any) (resultRows, error) {
	switch {
	case q.tx != nil:
		return q.tx.query(ctx, query, args...)
	case q.sr != nil:
		return q.sr.readRows(ctx, query, args...)
	default:
		return pgQueryRows(ctx, q.pg, query, slices.Clone(args))
	}
}

// resultRow is the row of a single-row query: a *sql.Row or a pgx.Row,
// and, like querier, a struct so that Scan's destinations stay on the
// caller's stack with SQLite. Scan fails with an error that is
// sql.ErrNoRows when there is no row (pgx.ErrNoRows is one too).
type resultRow struct {
	sql  *sql.Row
	rows *sql.Rows // resultRows.row: the current row of rows
	pg   pgx.Row
}

func (r resultRow) Scan(dest ...any) error {
	switch {
	case r.sql != nil:
		return r.sql.Scan(dest...)
	case r.rows != nil:
		return r.rows.Scan(dest...)
	default:
		return r.pg.Scan(slices.Clone(dest)...) // pgx may keep dest: copy it
	}
}

// resultRows is the rows of a query: *sql.Rows or pgx.Rows (see
// resultRow).
type resultRows struct {
	sql *sql.Rows
	pg  pgx.Rows
}

func (r resultRows) Next() bool {
	if r.sql != nil {
		return r.sql.Next()
	}
	return r.pg.Next()
}

// row is the current row.
func (r resultRows) row() resultRow {
	if r.sql != nil {
		return resultRow{rows: r.sql}
	}
	return resultRow{pg: r.pg}
}

func (r resultRows) Err() error {
	if r.sql != nil {
		return r.sql.Err()
	}
	return r.pg.Err()
}

func (r resultRows) Close() {
	if r.sql != nil {
		_ = r.sql.Close()
		return
	}
	r.pg.Close()
}

// noRow reports whether err means that a single-row query found none.
func noRow(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// timeCol scans a time column as either dialect returns it, Unix
// microseconds (SQLite) or a timestamptz (Postgres), as a UTC time; NULL
// is the zero time.
type timeCol struct{ t *time.Time }

// Scan implements sql.Scanner (which pgx honours too).
func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*c.t = fromMicros(v)
	case time.Time:
		*c.t = v.UTC()
	case nil:
		*c.t = time.Time{}
	default:
		return fmt.Errorf("time column holds a %T", src)
	}
	return nil
}
