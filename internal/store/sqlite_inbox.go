package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"
)

// sqliteInboxChunk bounds the rows per statement: 4 parameters each stays
// far below SQLite's limit of 32766.
const sqliteInboxChunk = 256

// placeholders repeats one row's placeholders n times, comma-separated.
func placeholders(row string, n int) string {
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// WriteInbox implements Store: one IMMEDIATE transaction on the writer
// connection, so a burst costs one commit rather than one per envelope.
//
// The commit does not wait for fsync (synchronous=NORMAL, for this
// transaction only). In WAL mode that keeps it through any crash of the
// process, which is what the inbox is for (a bot killed between ack and
// answer); only an OS crash or power cut in the next moments may lose it,
// and then the machine and its bot went down with it. The fsync was most
// of the time an envelope waited for its ack in a burst: 1–13 ms per
// commit under load. Claims and confirmations keep synchronous=FULL, and
// the next of those fsyncs these rows too.
func (s *sqliteStore) WriteInbox(ctx context.Context, add []InboxItem, done []string, now time.Time) ([]bool, error) {
	if err := checkInbox(add); err != nil {
		return nil, err
	}
	fresh := make([]bool, len(add))
	if len(add) == 0 && len(done) == 0 {
		return fresh, nil
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("write inbox: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = NORMAL`); err != nil {
		return nil, fmt.Errorf("write inbox: %w", err)
	}
	defer func() {
		// The writer connection is shared: put FULL back whatever happens.
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA synchronous = FULL`); err != nil {
			s.log.Error("cannot restore synchronous=FULL on the writer connection", "err", err)
			_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // discard it; a fresh one opens with FULL
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
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
	if _, err := s.w.ExecContext(ctx, `INSERT INTO replicas (id, seen_at) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`, replica, micros(now)); err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	return nil
}

// RetireReplica implements Store.
func (s *sqliteStore) RetireReplica(ctx context.Context, replica string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM replicas WHERE id = ?`, replica); err != nil {
		return fmt.Errorf("retire replica: %w", err)
	}
	return nil
}

// OrphanedInbox implements Store.
func (s *sqliteStore) OrphanedInbox(ctx context.Context, self string, aliveAfter, receivedAfter time.Time, limit int) ([]InboxItem, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT i.id, i.owner, i.payload, i.received_at
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
	res, err := s.w.ExecContext(ctx, `UPDATE inbox SET owner = ? WHERE id = ? AND owner = ? AND done_at IS NULL`, to, id, from)
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
	res, err := s.w.ExecContext(ctx, `DELETE FROM inbox WHERE received_at < ?`, micros(before))
	if err != nil {
		return 0, fmt.Errorf("prune inbox: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune inbox: %w", err)
	}
	if _, err := s.w.ExecContext(ctx, `DELETE FROM replicas WHERE seen_at < ?`, micros(before)); err != nil {
		return n, fmt.Errorf("prune heartbeats: %w", err)
	}
	return n, nil
}
