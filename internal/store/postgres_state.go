package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rtkbot/rtkbot/internal/commands"
)

// LinkChannel implements Store.
func (s *postgresStore) LinkChannel(ctx context.Context, teamID, channelID, meetingID, meetingTitle, byUserID string) error {
	if err := validate("link channel", "team ID", teamID, "channel ID", channelID, "meeting ID", meetingID, "user ID", byUserID); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO channel_links
		(team_id, channel_id, meeting_id, meeting_title, linked_by, linked_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (team_id, channel_id) DO UPDATE SET meeting_id = excluded.meeting_id,
		meeting_title = excluded.meeting_title, linked_by = excluded.linked_by, linked_at = excluded.linked_at`,
		teamID, channelID, meetingID, meetingTitle, byUserID, pgTime(s.now()))
	if err != nil {
		return fmt.Errorf("link channel %s to meeting %s: %w", channelID, meetingID, err)
	}
	return nil
}

// ChannelLink implements Store.
func (s *postgresStore) ChannelLink(ctx context.Context, teamID, channelID string) (Link, error) {
	row := s.pool.QueryRow(ctx, `SELECT `+linkColumns+` FROM channel_links WHERE team_id = $1 AND channel_id = $2`, teamID, channelID)
	l, err := scanPostgresLink(row)
	if err != nil {
		return Link{}, fmt.Errorf("link of channel %s: %w", channelID, err)
	}
	return l, nil
}

// UnlinkChannel implements Store.
func (s *postgresStore) UnlinkChannel(ctx context.Context, teamID, channelID string) (Link, error) {
	row := s.pool.QueryRow(ctx, `DELETE FROM channel_links WHERE team_id = $1 AND channel_id = $2 RETURNING `+linkColumns, teamID, channelID)
	l, err := scanPostgresLink(row)
	if err != nil {
		return Link{}, fmt.Errorf("unlink channel %s: %w", channelID, err)
	}
	return l, nil
}

func scanPostgresLink(row pgx.Row) (Link, error) {
	var l Link
	err := row.Scan(&l.TeamID, &l.ChannelID, &l.MeetingID, &l.MeetingTitle, &l.LinkedBy, &l.LinkedAt)
	if noRows(err) {
		return Link{}, ErrNotFound
	}
	if err != nil {
		return Link{}, err
	}
	l.LinkedAt = l.LinkedAt.UTC()
	return l, nil
}

// Put implements commands.ConfirmationStore. Errors: an empty or already
// used ID.
func (s *postgresStore) Put(ctx context.Context, c commands.Confirmation) error {
	c, err := newConfirmation(c)
	if err != nil {
		return err
	}
	targets, err := encodeParticipants(c.Targets)
	if err != nil {
		return fmt.Errorf("store confirmation %s: %w", c.ID, err)
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO confirmations (`+confirmationColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id) DO NOTHING`,
		c.ID, c.TeamID, c.ChannelID, c.RequesterID, c.Verb, c.MeetingID, c.MeetingTitle,
		targets, c.LiveCount, pgTime(c.CreatedAt), pgTime(c.ExpiresAt), string(c.State), string(c.Outcome))
	if err != nil {
		return fmt.Errorf("store confirmation %s: %w", c.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store confirmation %s: ID already used", c.ID)
	}
	return nil
}

// Get implements commands.ConfirmationStore.
func (s *postgresStore) Get(ctx context.Context, id string) (commands.Confirmation, error) {
	row := s.pool.QueryRow(ctx, `SELECT `+confirmationRead+` FROM confirmations WHERE id = $1`, id)
	c, err := scanPostgresConfirmation(row)
	if noRows(err) {
		err = commands.ErrConfirmationNotFound
	}
	if err != nil {
		return commands.Confirmation{}, fmt.Errorf("get confirmation %s: %w", id, err)
	}
	return c, nil
}

// Claim implements commands.ConfirmationStore with one conditional UPDATE.
// Concurrent claims queue on the row lock; each loser re-checks the WHERE
// clause against the winner's committed row and matches nothing.
func (s *postgresStore) Claim(ctx context.Context, id string, now time.Time) (commands.Confirmation, error) {
	now = pgTime(now)
	row := s.pool.QueryRow(ctx, `UPDATE confirmations SET state = 'executing', claimed_at = $2
		WHERE id = $1 AND state = 'pending' AND expires_at > $2 RETURNING `+confirmationRead, id, now)
	c, err := scanPostgresConfirmation(row)
	if err == nil {
		return c, nil
	}
	if !noRows(err) {
		return commands.Confirmation{}, fmt.Errorf("claim confirmation %s: %w", id, err)
	}
	var state string
	var expires time.Time
	err = s.pool.QueryRow(ctx, `SELECT state, expires_at FROM confirmations WHERE id = $1`, id).Scan(&state, &expires)
	if err != nil && !noRows(err) {
		return commands.Confirmation{}, fmt.Errorf("claim confirmation %s: %w", id, err)
	}
	return commands.Confirmation{}, fmt.Errorf("claim confirmation %s: %w", id,
		claimMiss(err == nil, commands.ConfirmationState(state), expires, now))
}

// Finish implements commands.ConfirmationStore.
func (s *postgresStore) Finish(ctx context.Context, id string, outcome commands.Outcome) error {
	tag, err := s.pool.Exec(ctx, `UPDATE confirmations SET state = 'done', outcome = $2, finished_at = $3
		WHERE id = $1 AND state = 'executing'`, id, string(outcome), pgTime(s.now()))
	if err != nil {
		return fmt.Errorf("finish confirmation %s: %w", id, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	found, err := s.exists(ctx, id)
	if err != nil {
		return fmt.Errorf("finish confirmation %s: %w", id, err)
	}
	return fmt.Errorf("finish confirmation %s: %w", id, finishMiss(found))
}

// Cancel implements commands.ConfirmationStore.
func (s *postgresStore) Cancel(ctx context.Context, id string) (commands.Confirmation, error) {
	row := s.pool.QueryRow(ctx, `UPDATE confirmations SET state = 'cancelled', outcome = $2, finished_at = $3
		WHERE id = $1 AND state = 'pending' RETURNING `+confirmationRead,
		id, string(commands.OutcomeCancelled), pgTime(s.now()))
	c, err := scanPostgresConfirmation(row)
	if err == nil {
		return c, nil
	}
	if !noRows(err) {
		return commands.Confirmation{}, fmt.Errorf("cancel confirmation %s: %w", id, err)
	}
	found, err := s.exists(ctx, id)
	if err != nil {
		return commands.Confirmation{}, fmt.Errorf("cancel confirmation %s: %w", id, err)
	}
	return commands.Confirmation{}, fmt.Errorf("cancel confirmation %s: %w", id, finishMiss(found))
}

func (s *postgresStore) exists(ctx context.Context, id string) (bool, error) {
	var found bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM confirmations WHERE id = $1)`, id).Scan(&found)
	return found, err
}

// ExecutingConfirmations implements Store.
func (s *postgresStore) ExecutingConfirmations(ctx context.Context, claimedBefore time.Time) ([]commands.Confirmation, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+confirmationRead+` FROM confirmations
		WHERE state = 'executing' AND claimed_at < $1 ORDER BY claimed_at, id`, pgTime(claimedBefore))
	if err != nil {
		return nil, fmt.Errorf("list executing confirmations: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (commands.Confirmation, error) {
		return scanPostgresConfirmation(r)
	})
	if err != nil {
		return nil, fmt.Errorf("list executing confirmations: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// PruneConfirmations implements Store.
func (s *postgresStore) PruneConfirmations(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM confirmations WHERE expires_at < $1 AND state <> 'executing'`, pgTime(before))
	if err != nil {
		return 0, fmt.Errorf("prune confirmations: %w", err)
	}
	return tag.RowsAffected(), nil
}

func scanPostgresConfirmation(row pgx.Row) (commands.Confirmation, error) {
	var c commands.Confirmation
	var targets []byte
	var state, outcome string
	var liveCount int32
	var claimed *time.Time
	if err := row.Scan(&c.ID, &c.TeamID, &c.ChannelID, &c.RequesterID, &c.Verb, &c.MeetingID, &c.MeetingTitle,
		&targets, &liveCount, &c.CreatedAt, &c.ExpiresAt, &state, &outcome, &claimed); err != nil {
		return commands.Confirmation{}, err
	}
	if claimed != nil {
		c.ClaimedAt = claimed.UTC()
	}
	var err error
	if c.Targets, err = decodeParticipants(targets); err != nil {
		return commands.Confirmation{}, err
	}
	c.LiveCount = int(liveCount)
	c.CreatedAt, c.ExpiresAt = c.CreatedAt.UTC(), c.ExpiresAt.UTC()
	c.State, c.Outcome = commands.ConfirmationState(state), commands.Outcome(outcome)
	return c, nil
}

// RecordAudit implements Store.
func (s *postgresStore) RecordAudit(ctx context.Context, e commands.AuditEntry) error {
	targets, err := encodeStrings(e.Targets)
	if err != nil {
		return fmt.Errorf("record audit entry: %w", err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO audit_log (`+auditColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		pgTime(e.Time), e.TeamID, e.ChannelID, e.UserID, e.Verb, e.MeetingID, e.MeetingTitle,
		targets, string(e.Outcome), e.Detail, e.Ref)
	if err != nil {
		return fmt.Errorf("record audit entry: %w", err)
	}
	return nil
}

// RecentAudit implements Store.
func (s *postgresStore) RecentAudit(ctx context.Context, teamID, meetingID string, n int, refusals bool) ([]commands.AuditEntry, error) {
	if n < 1 {
		return nil, fmt.Errorf("recent audit entries: n is %d, want at least 1", n)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+auditColumns+` FROM audit_log
		WHERE team_id = $1 AND meeting_id = $2 AND ($3 OR outcome <> $4) ORDER BY at DESC, id DESC LIMIT $5`,
		teamID, meetingID, refusals, string(commands.OutcomeRefused), n)
	if err != nil {
		return nil, fmt.Errorf("recent audit entries of meeting %s: %w", meetingID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (commands.AuditEntry, error) {
		var e commands.AuditEntry
		var targets []byte
		var outcome string
		if err := r.Scan(&e.Time, &e.TeamID, &e.ChannelID, &e.UserID, &e.Verb, &e.MeetingID, &e.MeetingTitle,
			&targets, &outcome, &e.Detail, &e.Ref); err != nil {
			return e, err
		}
		var err error
		e.Targets, err = decodeStrings(targets)
		e.Time, e.Outcome = e.Time.UTC(), commands.Outcome(outcome)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("recent audit entries of meeting %s: %w", meetingID, err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// PruneAudit implements Store.
func (s *postgresStore) PruneAudit(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM audit_log WHERE at < $1`, pgTime(before))
	if err != nil {
		return 0, fmt.Errorf("prune audit log: %w", err)
	}
	return tag.RowsAffected(), nil
}

// AdmitRefusal implements Store. Concurrent calls for one person and verb
// wait for each other on the primary key, so each sees the last's count.
func (s *postgresStore) AdmitRefusal(ctx context.Context, teamID, userID, verb string, now time.Time, window time.Duration) (bool, int, error) {
	var admitted bool
	var held int
	err := s.pool.QueryRow(ctx, strings.NewReplacer("?", "$").Replace(admitRefusal),
		teamID, userID, verb, pgTime(now), pgTime(now.Add(-window))).Scan(&admitted, &held)
	if err != nil {
		return false, 0, fmt.Errorf("count a refusal of %s to %s: %w", verb, userID, err)
	}
	return admitted, held, nil
}

// PruneRefusals implements Store.
func (s *postgresStore) PruneRefusals(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM refusal_throttle WHERE recorded_at < $1`, pgTime(before))
	if err != nil {
		return 0, fmt.Errorf("prune refusal counts: %w", err)
	}
	return tag.RowsAffected(), nil
}

// ClaimDelivery implements Store. Concurrent inserts of one key wait for
// each other on the primary key; exactly one inserts a row.
func (s *postgresStore) ClaimDelivery(ctx context.Context, key string, now time.Time) (bool, error) {
	if key == "" {
		return false, fmt.Errorf("claim delivery: empty key")
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO deliveries (key, claimed_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
		key, pgTime(now))
	if err != nil {
		return false, fmt.Errorf("claim delivery %s: %w", key, err)
	}
	return tag.RowsAffected() == 1, nil
}

// FinishDelivery implements Store.
func (s *postgresStore) FinishDelivery(ctx context.Context, key string, r commands.DeliveryResult, now time.Time) error {
	if key == "" {
		return fmt.Errorf("finish delivery: empty key")
	}
	if _, err := s.pool.Exec(ctx, `UPDATE deliveries SET done_at = $2, outcome = $3, error_code = $4, message = $5 WHERE key = $1 AND done_at IS NULL`,
		key, pgTime(now), string(r.Outcome), string(r.Code), r.Message); err != nil {
		return fmt.Errorf("finish delivery %s: %w", key, err)
	}
	return nil
}

// FinishedDelivery implements Store.
func (s *postgresStore) FinishedDelivery(ctx context.Context, key string) (commands.DeliveryResult, bool, error) {
	if key == "" {
		return commands.DeliveryResult{}, false, fmt.Errorf("finished delivery: empty key")
	}
	var outcome, code, message string
	err := s.pool.QueryRow(ctx, `SELECT outcome, coalesce(error_code, ''), coalesce(message, '') FROM deliveries
		WHERE key = $1 AND done_at IS NOT NULL AND outcome IS NOT NULL`, key).Scan(&outcome, &code, &message)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return commands.DeliveryResult{}, false, nil
	case err != nil:
		return commands.DeliveryResult{}, false, fmt.Errorf("finished delivery %s: %w", key, err)
	}
	return commands.DeliveryResult{Outcome: commands.Outcome(outcome), Code: commands.ErrorCode(code), Message: message}, true, nil
}

// PruneDeliveries implements Store.
func (s *postgresStore) PruneDeliveries(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM deliveries WHERE claimed_at < $1`, pgTime(before))
	if err != nil {
		return 0, fmt.Errorf("prune deliveries: %w", err)
	}
	return tag.RowsAffected(), nil
}
