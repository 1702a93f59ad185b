package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The inbox lives in a file of its own beside the database: rtkbot-inbox.db
// for rtkbot.db. Every command waits for its inbox row before it is acked,
// and in the database's own file that write queued behind the committer's
// fsyncs and checkpoints (sqlite_commit.go): at 200 commands/s the ack p99
// was 8–12 ms, almost all of it waiting for the one writer. SQLite locks
// per file, so here an inbox write waits only for other inbox writes.
//
// The file is written with synchronous=OFF: a commit is handed to the OS
// and not waited for, checkpoints included. That survives the bot's process
// dying, however it dies, which is what the inbox is for; an OS crash or a
// power cut may lose the last rows or even damage the file. It only holds
// commands in flight, so a damaged file is set aside at the next start and a
// new one begun (the commands in flight at the crash are then not
// answered: the machine went down with them). Claims, confirmations and the
// audit log stay in the database, with synchronous=FULL.

// inboxPath is where the inbox of the database lives.
func (s *sqliteStore) inboxPath() string {
	ext := filepath.Ext(s.path)
	return strings.TrimSuffix(s.path, ext) + "-inbox" + ext
}

// openInbox opens (creating and migrating) the inbox file, replacing it if
// it is damaged.
func (s *sqliteStore) openInbox(ctx context.Context) error {
	path := s.inboxPath()
	err := s.tryOpenInbox(ctx, path)
	if err == nil || !damaged(err) {
		return err
	}
	_ = s.closeInbox()
	aside := fmt.Sprintf("%s.damaged-%d", path, s.now().Unix())
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Rename(path+suffix, aside+suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("set aside the damaged inbox file %s: %w", path, err)
		}
	}
	s.log.ErrorContext(ctx, "the inbox file was damaged (by an OS crash or power cut?); set it aside and started a new one. "+
		"Commands that were in flight then will not be answered.", "err", err, "damaged_file", aside)
	return s.tryOpenInbox(ctx, path)
}

// errInboxDamaged: the inbox file failed SQLite's quick_check.
var errInboxDamaged = errors.New("inbox file fails quick_check")

func (s *sqliteStore) tryOpenInbox(ctx context.Context, path string) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("inbox file %s: %w", path, err)
		}
	}()
	writer, reader := sqliteDSNs(path, "synchronous(OFF)")
	if s.iw, err = sql.Open("sqlite", writer); err != nil {
		return err
	}
	s.iw.SetMaxOpenConns(1)
	var check string
	if err := s.iw.QueryRowContext(ctx, `PRAGMA quick_check(1)`).Scan(&check); err != nil {
		return err
	}
	if check != "ok" {
		return fmt.Errorf("%w: %s", errInboxDamaged, check)
	}
	if err := s.migrateFile(ctx, s.iw, "sqlite-inbox"); err != nil {
		return err
	}
	if s.ir, err = sql.Open("sqlite", reader); err != nil {
		return err
	}
	s.ir.SetMaxOpenConns(1)
	return s.ir.PingContext(ctx)
}

// damaged reports whether err says the inbox file is not a sound SQLite
// database.
func damaged(err error) bool {
	var e *sqlite.Error
	if errors.As(err, &e) {
		switch e.Code() & 0xff { // the primary result code
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return true
		}
	}
	return errors.Is(err, errInboxDamaged)
}

func (s *sqliteStore) closeInbox() error {
	var errs []error
	if s.ir != nil {
		errs = append(errs, s.ir.Close())
	}
	if s.iw != nil {
		errs = append(errs, s.iw.Close())
	}
	return errors.Join(errs...)
}

// sqliteInboxChunk bounds the rows per statement: 4 parameters each stays
// far below SQLite's limit of 32766.
const sqliteInboxChunk = 256

// placeholders repeats one row's placeholders n times, comma-separated.
func placeholders(row string, n int) string {
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// WriteInbox implements Store: one transaction on the inbox file, so a
// burst costs one commit rather than one per envelope.
func (s *sqliteStore) WriteInbox(ctx context.Context, add []InboxItem, done []string, now time.Time) ([]bool, error) {
	if err := checkInbox(add); err != nil {
		return nil, err
	}
	fresh := make([]bool, len(add))
	if len(add) == 0 && len(done) == 0 {
		return fresh, nil
	}
	tx, err := s.iw.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("write inbox: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if len(add) > 0 {
		added := make(map[string]bool, len(add))
		for lo := 0; lo < len(add); lo += sqliteInboxChunk {
			chunk := add[lo:min(lo+sqliteInboxChunk, len(add))]
			args := make([]any, 0, 4*len(chunk))
			for _, it := range chunk {
				args = append(args, it.ID, it.Owner, it.Payload, micros(it.ReceivedAt))
			}
			rows, err := tx.QueryContext(ctx, `INSERT INTO inbox (id, owner, payload, received_at) VALUES `+
				placeholders("(?, ?, ?, ?)", len(chunk))+` ON CONFLICT (id) DO NOTHING RETURNING id`, args...)
			if err != nil {
				return nil, fmt.Errorf("write inbox: %w", err)
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					_ = rows.Close()
					return nil, fmt.Errorf("write inbox: %w", err)
				}
				added[id] = true
			}
			if err := rows.Err(); err != nil {
				return nil, fmt.Errorf("write inbox: %w", err)
			}
		}
		for i, it := range add {
			if added[it.ID] {
				fresh[i] = true
				delete(added, it.ID) // a repeated ID is new once
			}
		}
	}
	for lo := 0; lo < len(done); lo += sqliteInboxChunk {
		chunk := done[lo:min(lo+sqliteInboxChunk, len(done))]
		args := make([]any, 0, 1+len(chunk))
		args = append(args, micros(now))
		for _, id := range chunk {
			args = append(args, id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE inbox SET done_at = ? WHERE done_at IS NULL AND id IN (`+
			placeholders("?", len(chunk))+`)`, args...); err != nil {
			return nil, fmt.Errorf("write inbox: mark answered: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("write inbox: commit: %w", err)
	}
	return fresh, nil
}

// Heartbeat implements Store.
func (s *sqliteStore) Heartbeat(ctx context.Context, replica string, now time.Time) error {
	if replica == "" {
		return fmt.Errorf("heartbeat: empty replica ID")
	}
	if _, err := s.iw.ExecContext(ctx, `INSERT INTO replicas (id, seen_at) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`, replica, micros(now)); err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	return nil
}

// RetireReplica implements Store.
func (s *sqliteStore) RetireReplica(ctx context.Context, replica string) error {
	if _, err := s.iw.ExecContext(ctx, `DELETE FROM replicas WHERE id = ?`, replica); err != nil {
		return fmt.Errorf("retire replica: %w", err)
	}
	return nil
}

// OrphanedInbox implements Store.
func (s *sqliteStore) OrphanedInbox(ctx context.Context, self string, aliveAfter, receivedAfter time.Time, limit int) ([]InboxItem, error) {
	rows, err := s.ir.QueryContext(ctx, `SELECT i.id, i.owner, i.payload, i.received_at
		FROM inbox i LEFT JOIN replicas r ON r.id = i.owner
		WHERE i.done_at IS NULL AND i.owner <> ? AND i.received_at > ?
		  AND (r.seen_at IS NULL OR r.seen_at <= ?)
		ORDER BY i.received_at, i.id LIMIT ?`,
		self, micros(receivedAfter), micros(aliveAfter), limit)
	if err != nil {
		return nil, fmt.Errorf("list orphaned inbox rows: %w", err)
	}
	defer rows.Close()
	var out []InboxItem
	for rows.Next() {
		var it InboxItem
		var at int64
		if err := rows.Scan(&it.ID, &it.Owner, &it.Payload, &at); err != nil {
			return nil, fmt.Errorf("list orphaned inbox rows: %w", err)
		}
		it.ReceivedAt = fromMicros(at)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list orphaned inbox rows: %w", err)
	}
	return out, nil
}

// AdoptInbox implements Store.
func (s *sqliteStore) AdoptInbox(ctx context.Context, id, from, to string) (bool, error) {
	res, err := s.iw.ExecContext(ctx, `UPDATE inbox SET owner = ? WHERE id = ? AND owner = ? AND done_at IS NULL`, to, id, from)
	if err != nil {
		return false, fmt.Errorf("adopt inbox row %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("adopt inbox row %s: %w", id, err)
	}
	return n == 1, nil
}

// PruneInbox implements Store.
func (s *sqliteStore) PruneInbox(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.iw.ExecContext(ctx, `DELETE FROM inbox WHERE received_at < ?`, micros(before))
	if err != nil {
		return 0, fmt.Errorf("prune inbox: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune inbox: %w", err)
	}
	if _, err := s.iw.ExecContext(ctx, `DELETE FROM replicas WHERE seen_at < ?`, micros(before)); err != nil {
		return n, fmt.Errorf("prune heartbeats: %w", err)
	}
	return n, nil
}
