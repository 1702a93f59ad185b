package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// sqliteReaders is how many connections serve reads. WAL lets them run
// beside the one writer; the bot's reads are few and short.
const sqliteReaders = 4

// sqliteCache is each connection's page cache, as a cache_size pragma
// (negative: KiB). SQLite's default is 2 MiB per connection, and the bot
// opens seven (the database's writer and 4 readers, the inbox file's
// writer and reader): under load they filled up to 14 MiB, a quarter of
// the bot's peak RSS (mixed-steady peak 55.6 MB; 41.9 MB with 300 KiB
// each). The bot's queries touch a few pages each; the rest come from the
// OS's page cache with a pread.
const sqliteCache = "cache_size(-512)"

// sqliteBusyTimeout bounds how long a statement waits on SQLite's own locks
// (e.g. a checkpoint). Writers queue in database/sql instead, honouring ctx.
const sqliteBusyTimeout = 5 * time.Second

// sqliteStore is the single-process Store: a SQLite file in WAL mode, a
// pool of reader connections and one writer connection, used by one
// committer goroutine. Funnelling writes through it serialises them
// in-process, where waiting follows ctx, instead of letting SQLite fail them
// with SQLITE_BUSY; the file lock keeps other processes out entirely.
type sqliteStore struct {
	state // the Store methods, over this database

	path string
	w    *sql.DB // exactly one connection: every write
	r    *sql.DB // read-only connections
	// The inbox's own file (sqlite_inbox.go): one connection for writes,
	// one for reads.
	iw, ir *sql.DB
	lock   *os.File
	log    *slog.Logger

	// Writes go through the committer (sqlite_commit.go).
	writes        chan *pendingWrite // unbuffered
	stopCommitter chan struct{}
	committerDone chan struct{}        // nil until the committer starts
	stmts         map[string]*sql.Stmt // prepared writes; the committer's own
	toPrepare     []string             // the committer's own
	readStmts     sync.Map             // query → *sql.Stmt on r

	closeOnce sync.Once
	closeErr  error
}

var (
	_ Store    = (*sqliteStore)(nil)
	_ database = (*sqliteStore)(nil)
)

func openSQLite(ctx context.Context, path string, log *slog.Logger, o options) (_ *sqliteStore, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("SQLite database path %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("create the SQLite database directory: %w", err)
	}
	lock, err := lockFile(abs + ".lock")
	if err != nil {
		return nil, fmt.Errorf("open SQLite database %s: %w", abs, err)
	}
	s := &sqliteStore{
		path: abs, lock: lock, log: log.With("database", "sqlite:"+abs),
		writes: make(chan *pendingWrite), stopCommitter: make(chan struct{}),
		stmts: make(map[string]*sql.Stmt),
	}
	s.state = state{db: s, now: o.now}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()

	// synchronous=FULL: a committed Claim survives a power cut, not just a
	// crash, so an executed kick cannot come back as pending after a reboot.
	// The fsync per commit is the price; the committer (sqlite_commit.go)
	// shares one among all the writes waiting at the time.
	writer, reader := sqliteDSNs(abs, "synchronous(FULL)")
	if s.w, err = sql.Open("sqlite", writer); err != nil {
		return nil, fmt.Errorf("open SQLite database %s: %w", abs, err)
	}
	s.w.SetMaxOpenConns(1)
	if err := s.migrate(ctx); err != nil {
		return nil, fmt.Errorf("SQLite database %s: %w", abs, err)
	}

	if s.r, err = sql.Open("sqlite", reader); err != nil {
		return nil, fmt.Errorf("open SQLite database %s: %w", abs, err)
	}
	s.r.SetMaxOpenConns(sqliteReaders)
	s.r.SetMaxIdleConns(sqliteReaders)
	if err := s.r.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("open SQLite database %s: %w", abs, err)
	}
	if err := s.openInbox(ctx); err != nil {
		return nil, err
	}
	s.committerDone = make(chan struct{})
	go s.commitLoop()
	s.log.InfoContext(ctx, "database ready")
	return s, nil
}

// sqliteDSNs returns the DSNs of a file's writer connection (WAL, and
// IMMEDIATE transactions, so a migration takes the write lock up front)
// and of its read-only connections, both with the given pragmas.
func sqliteDSNs(path string, pragmas ...string) (writer, reader string) {
	common := url.Values{"_pragma": append([]string{
		fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()), sqliteCache}, pragmas...)}
	w := cloneValues(common)
	w.Add("_pragma", "journal_mode(WAL)")
	w.Set("_txlock", "immediate")
	r := cloneValues(common)
	r.Add("_pragma", "query_only(1)")
	return sqliteDSN(path, w), sqliteDSN(path, r)
}

// sqliteDSN builds a file: URI, so that any character in the path is
// escaped rather than read as the start of the parameters.
func sqliteDSN(path string, params url.Values) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: params.Encode()}
	return u.String()
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// migrate applies the database's pending migrations.
func (s *sqliteStore) migrate(ctx context.Context) error {
	return s.migrateFile(ctx, s.w, "sqlite")
}

// migrateFile applies the pending migrations of dialect to db, each in its
// own transaction with its schema_migrations row. The file lock already
// excludes other processes, so there is nothing to race with.
func (s *sqliteStore) migrateFile(ctx context.Context, db *sql.DB, dialect string) error {
	all, err := loadMigrations(dialect)
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	applied := make(map[int]bool)
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			_ = rows.Close()
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	for _, m := range pendingMigrations(all, applied, s.log) {
		if err := s.apply(ctx, db, m); err != nil {
			return err
		}
		s.log.InfoContext(ctx, "applied schema migration", "schema", dialect, "version", m.version, "migration", m.name)
	}
	return nil
}

func (s *sqliteStore) apply(ctx context.Context, db *sql.DB, m migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, micros(s.now())); err != nil {
		return fmt.Errorf("migration %s: record it: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: commit: %w", m.name, err)
	}
	return nil
}

// Close implements Store. The committer finishes the batch in progress
// first; the lock goes last, once no connection is left to write to the
// file.
func (s *sqliteStore) Close() error {
	s.closeOnce.Do(func() {
		close(s.stopCommitter)
		if s.committerDone != nil {
			<-s.committerDone
		}
		var errs []error
		s.readStmts.Range(func(_, st any) bool {
			errs = append(errs, st.(*sql.Stmt).Close())
			return true
		})
		if s.r != nil {
			errs = append(errs, s.r.Close())
		}
		if s.w != nil {
			errs = append(errs, s.w.Close())
		}
		errs = append(errs, s.closeInbox())
		errs = append(errs, unlockFile(s.lock))
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("close SQLite database %s: %w", s.path, err)
		}
	})
	return s.closeErr
}

// readRow runs a single-row read on a reader connection, through a
// statement prepared once and then reused on each connection: these reads
// run on every command, and parsing them each time was a measurable part of
// the bot's CPU (see writeTx).
func (s *sqliteStore) readRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := s.readStmt(ctx, query)
	if err != nil {
		return s.r.QueryRowContext(ctx, query, args...) // fails the same way, as a Row
	}
	return st.QueryRowContext(ctx, args...)
}

func (s *sqliteStore) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.readStmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.r.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.readStmts.LoadOrStore(query, st); loaded {
		_ = st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// timeArg implements database: SQLite stores a time as Unix microseconds.
func (s *sqliteStore) timeArg(t time.Time) any { return micros(t) }

// reader implements database: reads go to the read-only connections.
func (s *sqliteStore) reader() querier { return querier{sr: s} }

// readExec runs a statement on a reader connection (which refuses writes).
func (s *sqliteStore) readExec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := s.r.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// readRows runs a query on a reader connection.
func (s *sqliteStore) readRows(ctx context.Context, query string, args ...any) (resultRows, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return resultRows{}, err
	}
	return resultRows{sql: rows}, nil
}
