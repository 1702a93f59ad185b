package store

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationLockKey names the Postgres advisory lock held while migrating
// ("rtkbot" in ASCII). Replicas starting together queue on it; the first
// migrates, the others find nothing left to do.
const migrationLockKey int64 = 0x72746b626f74

// postgresStore is the Store shared by replicas. Every state change is one
// statement whose WHERE clause checks the state it changes from, so
// concurrent replicas need no lock of their own: Postgres's row locks and
// READ COMMITTED re-check settle who wins.
type postgresStore struct {
	state // the Store methods, over this database

	pool *pgxpool.Pool
	log  *slog.Logger
}

var (
	_ Store    = (*postgresStore)(nil)
	_ database = (*postgresStore)(nil)
)

func openPostgres(ctx context.Context, databaseURL string, log *slog.Logger, o options) (_ *postgresStore, err error) {
	// pgx redacts the password in its parse and connect errors.
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	where := fmt.Sprintf("postgres %s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
	s := &postgresStore{log: log.With("database", where)}
	s.state = state{db: s, now: o.now}
	if err := s.migrate(ctx, cfg.ConnConfig); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if s.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if err := s.pool.Ping(ctx); err != nil {
		s.pool.Close()
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	s.log.InfoContext(ctx, "database ready")
	return s, nil
}

// migrate applies the pending migrations under a session-level advisory
// lock, on a connection of its own: if this process dies mid-migration, the
// connection closes, the lock goes with it and the migration's transaction
// rolls back.
func (s *postgresStore) migrate(ctx context.Context, cfg *pgx.ConnConfig) error {
	all, err := loadMigrations("postgres")
	if err != nil {
		return err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLockKey); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	defer func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLockKey)
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer     NOT NULL PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	applied := make(map[int]bool, len(versions))
	for _, v := range versions {
		applied[int(v)] = true
	}
	for _, m := range pendingMigrations(all, applied, s.log) {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.version, m.name, pgTime(s.now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		s.log.InfoContext(ctx, "applied schema migration", "version", m.version, "migration", m.name)
	}
	return nil
}

// Close implements Store.
func (s *postgresStore) Close() error {
	s.pool.Close() // idempotent
	return nil
}

// write implements database. Every write of the shared methods is a
// single statement, so it runs on the pool, outside any transaction of
// its own.
func (s *postgresStore) write(ctx context.Context, fn writeFunc) error {
	return fn(ctx, querier{pg: s.pool})
}

// reader implements database.
func (s *postgresStore) reader() querier { return querier{pg: s.pool} }

// timeArg implements database.
func (s *postgresStore) timeArg(t time.Time) any { return pgTime(t) }

// pgExec, pgQueryRow and pgQueryRows run a statement written with ?
// placeholders on the pool (see querier).
func pgExec(ctx context.Context, pool *pgxpool.Pool, query string, args []any) (int64, error) {
	tag, err := pool.Exec(ctx, pgQuery(query), args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func pgQueryRow(ctx context.Context, pool *pgxpool.Pool, query string, args []any) resultRow {
	return resultRow{pg: pool.QueryRow(ctx, pgQuery(query), args...)}
}

func pgQueryRows(ctx context.Context, pool *pgxpool.Pool, query string, args []any) (resultRows, error) {
	rows, err := pool.Query(ctx, pgQuery(query), args...)
	if err != nil {
		return resultRows{}, err
	}
	return resultRows{pg: rows}, nil
}

// pgQueries caches pgQuery's rewrites: query → Postgres form. (A plain
// map: sync.Map's any keys would allocate on every look-up.)
var pgQueries struct {
	sync.RWMutex
	m map[string]string
}

// pgQuery is query with SQLite's placeholders rewritten as Postgres's:
// each bare ? becomes $1, $2… in order, and a numbered ?N becomes $N. The
// store's statements hold no ? in a literal.
func pgQuery(query string) string {
	pgQueries.RLock()
	q, ok := pgQueries.m[query]
	pgQueries.RUnlock()
	if ok {
		return q
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] != '?' {
			b.WriteByte(query[i])
			continue
		}
		b.WriteByte('$')
		if i+1 < len(query) && '0' <= query[i+1] && query[i+1] <= '9' {
			continue // ?N
		}
		n++
		b.WriteString(strconv.Itoa(n))
	}
	q = b.String()
	pgQueries.Lock()
	if pgQueries.m == nil {
		pgQueries.m = make(map[string]string)
	}
	pgQueries.m[query] = q
	pgQueries.Unlock()
	return q
}
