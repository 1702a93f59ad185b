package store

import (
	"context"
	"fmt"
	"time"
)

// WriteInbox implements Store: one IMMEDIATE transaction on the writer
// connection, so a burst costs one fsync rather than one per envelope.
func (s *sqliteStore) WriteInbox(ctx context.Context, add []InboxItem, done []string, now time.Time) ([]bool, error) {
	if err := checkInbox(add); err != nil {
		return nil, err
	}
	fresh := make([]bool, len(add))
	if len(add) == 0 && len(done) == 0 {
		return fresh, nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("write inbox: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if len(add) > 0 {
		ins, err := tx.PrepareContext(ctx, `INSERT INTO inbox (id, owner, payload, received_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`)
		if err != nil {
			return nil, fmt.Errorf("write inbox: %w", err)
		}
		defer ins.Close()
		for i, it := range add {
			res, err := ins.ExecContext(ctx, it.ID, it.Owner, it.Payload, micros(it.ReceivedAt))
			if err != nil {
				return nil, fmt.Errorf("write inbox: add %s: %w", it.ID, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return nil, fmt.Errorf("write inbox: add %s: %w", it.ID, err)
			}
			fresh[i] = n == 1
		}
	}
	if len(done) > 0 {
		upd, err := tx.PrepareContext(ctx, `UPDATE inbox SET done_at = ? WHERE id = ? AND done_at IS NULL`)
		if err != nil {
			return nil, fmt.Errorf("write inbox: %w", err)
		}
		defer upd.Close()
		for _, id := range done {
			if _, err := upd.ExecContext(ctx, micros(now), id); err != nil {
				return nil, fmt.Errorf("write inbox: mark %s answered: %w", id, err)
			}
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
