package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// WriteInbox implements Store in one round trip: the insert reports the IDs
// it added, the update marks the answered ones, and pgx sends both as one
// batch, which Postgres runs as one implicit transaction.
//
// That transaction commits with synchronous_commit off: Postgres answers
// before its WAL reaches the disk. The row then survives any crash of the
// bot, which is what the inbox is for; only a crash of the Postgres server
// in the next few hundred milliseconds may lose it. Claims, confirmations
// and audit rows keep the server's setting.
func (s *postgresStore) WriteInbox(ctx context.Context, add []InboxItem, done []string, now time.Time) ([]bool, error) {
	if err := checkInbox(add); err != nil {
		return nil, err
	}
	fresh := make([]bool, len(add))
	if len(add) == 0 && len(done) == 0 {
		return fresh, nil
	}
	var b pgx.Batch
	b.Queue(`SELECT set_config('synchronous_commit', 'off', true)`)
	if len(add) > 0 {
		ids := make([]string, len(add))
		owners := make([]string, len(add))
		payloads := make([][]byte, len(add))
		at := make([]time.Time, len(add))
		for i, it := range add {
			ids[i], owners[i], payloads[i], at[i] = it.ID, it.Owner, it.Payload, pgTime(it.ReceivedAt)
		}
		b.Queue(`INSERT INTO inbox (id, owner, payload, received_at)
			SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::timestamptz[])
			ON CONFLICT (id) DO NOTHING RETURNING id`, ids, owners, payloads, at)
	}
	if len(done) > 0 {
		b.Queue(`UPDATE inbox SET done_at = $1 WHERE id = ANY($2) AND done_at IS NULL`, pgTime(now), done)
	}
	br := s.pool.SendBatch(ctx, &b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return nil, fmt.Errorf("write inbox: %w", err)
	}
	if len(add) > 0 {
		rows, err := br.Query()
		if err != nil {
			return nil, fmt.Errorf("write inbox: %w", err)
		}
		added, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, fmt.Errorf("write inbox: %w", err)
		}
		isNew := make(map[string]bool, len(added))
		for _, id := range added {
			isNew[id] = true
		}
		for i, it := range add {
			if isNew[it.ID] {
				fresh[i] = true
				delete(isNew, it.ID) // a repeated ID is new once
			}
		}
	}
	if len(done) > 0 {
		if _, err := br.Exec(); err != nil {
			return nil, fmt.Errorf("write inbox: mark answered: %w", err)
		}
	}
	if err := br.Close(); err != nil {
		return nil, fmt.Errorf("write inbox: %w", err)
	}
	return fresh, nil
}

// Heartbeat implements Store.
func (s *postgresStore) Heartbeat(ctx context.Context, replica string, now time.Time) error {
	if replica == "" {
		return fmt.Errorf("heartbeat: empty replica ID")
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO replicas (id, seen_at) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`, replica, pgTime(now)); err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	return nil
}

// RetireReplica implements Store.
func (s *postgresStore) RetireReplica(ctx context.Context, replica string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM replicas WHERE id = $1`, replica); err != nil {
		return fmt.Errorf("retire replica: %w", err)
	}
	return nil
}

// OrphanedInbox implements Store.
func (s *postgresStore) OrphanedInbox(ctx context.Context, self string, aliveAfter, receivedAfter time.Time, limit int) ([]InboxItem, error) {
	rows, err := s.pool.Query(ctx, `SELECT i.id, i.owner, i.payload, i.received_at
		FROM inbox i LEFT JOIN replicas r ON r.id = i.owner
		WHERE i.done_at IS NULL AND i.owner <> $1 AND i.received_at > $2
		  AND (r.seen_at IS NULL OR r.seen_at <= $3)
		ORDER BY i.received_at, i.id LIMIT $4`,
		self, pgTime(receivedAfter), pgTime(aliveAfter), limit)
	if err != nil {
		return nil, fmt.Errorf("list orphaned inbox rows: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (InboxItem, error) {
		var it InboxItem
		err := row.Scan(&it.ID, &it.Owner, &it.Payload, &it.ReceivedAt)
		it.ReceivedAt = it.ReceivedAt.UTC()
		return it, err
	})
	if err != nil {
		return nil, fmt.Errorf("list orphaned inbox rows: %w", err)
	}
	return out, nil
}

// AdoptInbox implements Store.
func (s *postgresStore) AdoptInbox(ctx context.Context, id, from, to string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE inbox SET owner = $1 WHERE id = $2 AND owner = $3 AND done_at IS NULL`, to, id, from)
	if err != nil {
		return false, fmt.Errorf("adopt inbox row %s: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// PruneInbox implements Store.
func (s *postgresStore) PruneInbox(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM inbox WHERE received_at < $1`, pgTime(before))
	if err != nil {
		return 0, fmt.Errorf("prune inbox: %w", err)
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM replicas WHERE seen_at < $1`, pgTime(before)); err != nil {
		return tag.RowsAffected(), fmt.Errorf("prune heartbeats: %w", err)
	}
	return tag.RowsAffected(), nil
}
