package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rtkbot/rtkbot/internal/commands"
)

// LinkChannel implements Store.
func (s *sqliteStore) LinkChannel(ctx context.Context, teamID, channelID, meetingID, meetingTitle, byUserID string) error {
	if err := validate("link channel", "team ID", teamID, "channel ID", channelID, "meeting ID", meetingID, "user ID", byUserID); err != nil {
		return err
	}
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO channel_links
		(team_id, channel_id, meeting_id, meeting_title, linked_by, linked_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (team_id, channel_id) DO UPDATE SET meeting_id = excluded.meeting_id,
		meeting_title = excluded.meeting_title, linked_by = excluded.linked_by, linked_at = excluded.linked_at`,
			teamID, channelID, meetingID, meetingTitle, byUserID, micros(s.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("link channel %s to meeting %s: %w", channelID, meetingID, err)
	}
	return nil
}

const linkColumns = `team_id, channel_id, meeting_id, meeting_title, linked_by, linked_at`

// ChannelLink implements Store.
func (s *sqliteStore) ChannelLink(ctx context.Context, teamID, channelID string) (Link, error) {
	row := s.readRow(ctx, `SELECT `+linkColumns+` FROM channel_links WHERE team_id = ? AND channel_id = ?`, teamID, channelID)
	l, err := scanSQLiteLink(row)
	if err != nil {
		return Link{}, fmt.Errorf("link of channel %s: %w", channelID, err)
	}
	return l, nil
}

// UnlinkChannel implements Store.
func (s *sqliteStore) UnlinkChannel(ctx context.Context, teamID, channelID string) (Link, error) {
	var l Link
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) (err error) {
		row := tx.QueryRowContext(ctx, `DELETE FROM channel_links WHERE team_id = ? AND channel_id = ? RETURNING `+linkColumns, teamID, channelID)
		l, err = scanSQLiteLink(row)
		return err
	})
	if err != nil {
		return Link{}, fmt.Errorf("unlink channel %s: %w", channelID, err)
	}
	return l, nil
}

func scanSQLiteLink(row interface{ Scan(...any) error }) (Link, error) {
	var l Link
	var at int64
	err := row.Scan(&l.TeamID, &l.ChannelID, &l.MeetingID, &l.MeetingTitle, &l.LinkedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Link{}, ErrNotFound
	}
	if err != nil {
		return Link{}, err
	}
	l.LinkedAt = fromMicros(at)
	return l, nil
}

const confirmationColumns = `id, team_id, channel_id, requester_id, verb, meeting_id, meeting_title,
	targets, live_count, created_at, expires_at, state, outcome`

// confirmationRead is what a confirmation is read back with: its columns,
// then when it was claimed (NULL while pending).
const confirmationRead = confirmationColumns + `, claimed_at`

// Put implements commands.ConfirmationStore. Errors: an empty or already
// used ID.
func (s *sqliteStore) Put(ctx context.Context, c commands.Confirmation) error {
	c, err := newConfirmation(c)
	if err != nil {
		return err
	}
	targets, err := encodeParticipants(c.Targets)
	if err != nil {
		return fmt.Errorf("store confirmation %s: %w", c.ID, err)
	}
	var res sql.Result
	err = s.write(ctx, func(ctx context.Context, tx *writeTx) (err error) {
		res, err = tx.ExecContext(ctx, `INSERT INTO confirmations (`+confirmationColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			c.ID, c.TeamID, c.ChannelID, c.RequesterID, c.Verb, c.MeetingID, c.MeetingTitle,
			targets, c.LiveCount, micros(c.CreatedAt), micros(c.ExpiresAt), string(c.State), string(c.Outcome))
		return err
	})
	if err != nil {
		return fmt.Errorf("store confirmation %s: %w", c.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("store confirmation %s: ID already used", c.ID)
	}
	return nil
}

// Get implements commands.ConfirmationStore.
func (s *sqliteStore) Get(ctx context.Context, id string) (commands.Confirmation, error) {
	row := s.readRow(ctx, `SELECT `+confirmationRead+` FROM confirmations WHERE id = ?`, id)
	c, err := scanSQLiteConfirmation(row)
	if errors.Is(err, sql.ErrNoRows) {
		err = commands.ErrConfirmationNotFound
	}
	if err != nil {
		return commands.Confirmation{}, fmt.Errorf("get confirmation %s: %w", id, err)
	}
	return c, nil
}

// Claim implements commands.ConfirmationStore with one conditional UPDATE;
// only when it matches nothing is the row read again, to say why.
func (s *sqliteStore) Claim(ctx context.Context, id string, now time.Time) (commands.Confirmation, error) {
	now = pgTime(now) // compare at the stored precision
	var c commands.Confirmation
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) (err error) {
		row := tx.QueryRowContext(ctx, `UPDATE confirmations SET state = 'executing', claimed_at = ?
		WHERE id = ? AND state = 'pending' AND expires_at > ? RETURNING `+confirmationRead,
			micros(now), id, micros(now))
		c, err = scanSQLiteConfirmation(row)
		return err
	})
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return commands.Confirmation{}, fmt.Errorf("claim confirmation %s: %w", id, err)
	}
	var state string
	var expires int64
	err = s.readRow(ctx, `SELECT state, expires_at FROM confirmations WHERE id = ?`, id).Scan(&state, &expires)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return commands.Confirmation{}, fmt.Errorf("claim confirmation %s: %w", id, err)
	}
	return commands.Confirmation{}, fmt.Errorf("claim confirmation %s: %w", id,
		claimMiss(err == nil, commands.ConfirmationState(state), fromMicros(expires), now))
}

// Finish implements commands.ConfirmationStore.
func (s *sqliteStore) Finish(ctx context.Context, id string, outcome commands.Outcome) error {
	var res sql.Result
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) (err error) {
		res, err = tx.ExecContext(ctx, `UPDATE confirmations SET state = 'done', outcome = ?, finished_at = ?
		WHERE id = ? AND state = 'executing'`, string(outcome), micros(s.now()), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish confirmation %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("finish confirmation %s: %w", id, err)
	} else if n == 1 {
		return nil
	}
	found, err := s.exists(ctx, id)
	if err != nil {
		return fmt.Errorf("finish confirmation %s: %w", id, err)
	}
	return fmt.Errorf("finish confirmation %s: %w", id, finishMiss(found))
}

// Cancel implements commands.ConfirmationStore.
func (s *sqliteStore) Cancel(ctx context.Context, id string) (commands.Confirmation, error) {
	var c commands.Confirmation
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) (err error) {
		row := tx.QueryRowContext(ctx, `UPDATE confirmations SET state = 'cancelled', outcome = ?, finished_at = ?
		WHERE id = ? AND state = 'pending' RETURNING `+confirmationRead,
			string(commands.OutcomeCancelled), micros(s.now()), id)
		c, err = scanSQLiteConfirmation(row)
		return err
	})
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return commands.Confirmation{}, fmt.Errorf("cancel confirmation %s: %w", id, err)
	}
	found, err := s.exists(ctx, id)
	if err != nil {
		return commands.Confirmation{}, fmt.Errorf("cancel confirmation %s: %w", id, err)
	}
	return commands.Confirmation{}, fmt.Errorf("cancel confirmation %s: %w", id, finishMiss(found))
}

// exists runs after a write that matched nothing and has returned, so a
// reader sees what the writer would.
func (s *sqliteStore) exists(ctx context.Context, id string) (bool, error) {
	var one int
	err := s.readRow(ctx, `SELECT 1 FROM confirmations WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// ExecutingConfirmations implements Store.
func (s *sqliteStore) ExecutingConfirmations(ctx context.Context, claimedBefore time.Time) ([]commands.Confirmation, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+confirmationRead+` FROM confirmations
		WHERE state = 'executing' AND claimed_at < ? ORDER BY claimed_at, id`, micros(claimedBefore))
	if err != nil {
		return nil, fmt.Errorf("list executing confirmations: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []commands.Confirmation
	for rows.Next() {
		c, err := scanSQLiteConfirmation(rows)
		if err != nil {
			return nil, fmt.Errorf("list executing confirmations: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list executing confirmations: %w", err)
	}
	return out, nil
}

// PruneConfirmations implements Store.
func (s *sqliteStore) PruneConfirmations(ctx context.Context, before time.Time) (int64, error) {
	var res sql.Result
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) (err error) {
		res, err = tx.ExecContext(ctx, `DELETE FROM confirmations WHERE expires_at < ? AND state <> 'executing'`,
			micros(before))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune confirmations: %w", err)
	}
	return res.RowsAffected()
}

func scanSQLiteConfirmation(row interface{ Scan(...any) error }) (commands.Confirmation, error) {
	var c commands.Confirmation
	var targets []byte
	var created, expires int64
	var state, outcome string
	var claimed sql.NullInt64
	if err := row.Scan(&c.ID, &c.TeamID, &c.ChannelID, &c.RequesterID, &c.Verb, &c.MeetingID, &c.MeetingTitle,
		&targets, &c.LiveCount, &created, &expires, &state, &outcome, &claimed); err != nil {
		return commands.Confirmation{}, err
	}
	if claimed.Valid {
		c.ClaimedAt = fromMicros(claimed.Int64)
	}
	var err error
	if c.Targets, err = decodeParticipants(targets); err != nil {
		return commands.Confirmation{}, err
	}
	c.CreatedAt, c.ExpiresAt = fromMicros(created), fromMicros(expires)
	c.State, c.Outcome = commands.ConfirmationState(state), commands.Outcome(outcome)
	return c, nil
}

// RecordAudit implements Store.
func (s *sqliteStore) RecordAudit(ctx context.Context, e commands.AuditEntry) error {
	targets, err := encodeStrings(e.Targets)
	if err != nil {
		return fmt.Errorf("record audit entry: %w", err)
	}
	err = s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (`+auditColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			micros(e.Time), e.TeamID, e.ChannelID, e.UserID, e.Verb, e.MeetingID, e.MeetingTitle,
			targets, string(e.Outcome), e.Detail, e.Ref)
		return err
	})
	if err != nil {
		return fmt.Errorf("record audit entry: %w", err)
	}
	return nil
}

const auditColumns = `at, team_id, channel_id, user_id, verb, meeting_id, meeting_title, targets, outcome, detail, ref`

// RecentAudit implements Store.
func (s *sqliteStore) RecentAudit(ctx context.Context, teamID, meetingID string, n int, refusals bool) ([]commands.AuditEntry, error) {
	if n < 1 {
		return nil, fmt.Errorf("recent audit entries: n is %d, want at least 1", n)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log
		WHERE team_id = ? AND meeting_id = ? AND (? OR outcome <> ?) ORDER BY at DESC, id DESC LIMIT ?`,
		teamID, meetingID, refusals, string(commands.OutcomeRefused), n)
	if err != nil {
		return nil, fmt.Errorf("recent audit entries of meeting %s: %w", meetingID, err)
	}
	defer func() { _ = rows.Close() }()
	var out []commands.AuditEntry
	for rows.Next() {
		var e commands.AuditEntry
		var at int64
		var targets []byte
		var outcome string
		if err := rows.Scan(&at, &e.TeamID, &e.ChannelID, &e.UserID, &e.Verb, &e.MeetingID, &e.MeetingTitle,
			&targets, &outcome, &e.Detail, &e.Ref); err != nil {
			return nil, fmt.Errorf("recent audit entries of meeting %s: %w", meetingID, err)
		}
		if e.Targets, err = decodeStrings(targets); err != nil {
			return nil, fmt.Errorf("recent audit entries of meeting %s: %w", meetingID, err)
		}
		e.Time, e.Outcome = fromMicros(at), commands.Outcome(outcome)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recent audit entries of meeting %s: %w", meetingID, err)
	}
	return out, nil
}

// PruneAudit implements Store.
func (s *sqliteStore) PruneAudit(ctx context.Context, before time.Time) (int64, error) {
	var res sql.Result
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) (err error) {
		res, err = tx.ExecContext(ctx, `DELETE FROM audit_log WHERE at < ?`, micros(before))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune audit log: %w", err)
	}
	return res.RowsAffected()
}

// admitRefusal is AdmitRefusal's statement, for both dialects (numbered
// parameters): ?1 team, ?2 user, ?3 verb, ?4 now, ?5 now - window. In
// the update, t.* are the row's values before it.
const admitRefusal = `INSERT INTO refusal_throttle AS t (team_id, user_id, verb, recorded_at, held, admitted, carried)
	VALUES (?1, ?2, ?3, ?4, 0, TRUE, 0)
	ON CONFLICT (team_id, user_id, verb) DO UPDATE SET
		admitted = (t.recorded_at <= ?5),
		carried = CASE WHEN t.recorded_at <= ?5 THEN t.held ELSE 0 END,
		held = CASE WHEN t.recorded_at <= ?5 THEN 0 ELSE t.held + 1 END,
		recorded_at = CASE WHEN t.recorded_at <= ?5 THEN ?4 ELSE t.recorded_at END
	RETURNING admitted, carried`

// AdmitRefusal implements Store.
func (s *sqliteStore) AdmitRefusal(ctx context.Context, teamID, userID, verb string, now time.Time, window time.Duration) (bool, int, error) {
	var admitted bool
	var held int
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		return tx.QueryRowContext(ctx, admitRefusal, teamID, userID, verb, micros(now), micros(now.Add(-window))).Scan(&admitted, &held)
	})
	if err != nil {
		return false, 0, fmt.Errorf("count a refusal of %s to %s: %w", verb, userID, err)
	}
	return admitted, held, nil
}

// PruneRefusals implements Store.
func (s *sqliteStore) PruneRefusals(ctx context.Context, before time.Time) (int64, error) {
	var res sql.Result
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) (err error) {
		res, err = tx.ExecContext(ctx, `DELETE FROM refusal_throttle WHERE recorded_at < ?`, micros(before))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune refusal counts: %w", err)
	}
	return res.RowsAffected()
}

// ClaimDelivery implements Store.
func (s *sqliteStore) ClaimDelivery(ctx context.Context, key string, now time.Time) (bool, error) {
	if key == "" {
		return false, fmt.Errorf("claim delivery: empty key")
	}
	var res sql.Result
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) (err error) {
		res, err = tx.ExecContext(ctx, `INSERT INTO deliveries (key, claimed_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
			key, micros(now))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("claim delivery %s: %w", key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim delivery %s: %w", key, err)
	}
	return n == 1, nil
}

// FinishDelivery implements Store.
func (s *sqliteStore) FinishDelivery(ctx context.Context, key string, r commands.DeliveryResult, now time.Time) error {
	if key == "" {
		return fmt.Errorf("finish delivery: empty key")
	}
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		_, err := tx.ExecContext(ctx, `UPDATE deliveries SET done_at = ?, outcome = ?, error_code = ?, message = ? WHERE key = ? AND done_at IS NULL`,
			micros(now), string(r.Outcome), string(r.Code), r.Message, key)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish delivery %s: %w", key, err)
	}
	return nil
}

// FinishedDelivery implements Store.
func (s *sqliteStore) FinishedDelivery(ctx context.Context, key string) (commands.DeliveryResult, bool, error) {
	if key == "" {
		return commands.DeliveryResult{}, false, fmt.Errorf("finished delivery: empty key")
	}
	var outcome, code, message string
	err := s.readRow(ctx, `SELECT outcome, coalesce(error_code, ''), coalesce(message, '') FROM deliveries
		WHERE key = ? AND done_at IS NOT NULL AND outcome IS NOT NULL`, key).Scan(&outcome, &code, &message)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return commands.DeliveryResult{}, false, nil
	case err != nil:
		return commands.DeliveryResult{}, false, fmt.Errorf("finished delivery %s: %w", key, err)
	}
	return commands.DeliveryResult{Outcome: commands.Outcome(outcome), Code: commands.ErrorCode(code), Message: message}, true, nil
}

// PruneDeliveries implements Store.
func (s *sqliteStore) PruneDeliveries(ctx context.Context, before time.Time) (int64, error) {
	var res sql.Result
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) (err error) {
		res, err = tx.ExecContext(ctx, `DELETE FROM deliveries WHERE claimed_at < ?`, micros(before))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune deliveries: %w", err)
	}
	return res.RowsAffected()
}
