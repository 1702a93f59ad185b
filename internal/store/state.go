package store

import (
	"context"
	"fmt"
	"time"

	"github.com/rtkbot/rtkbot/internal/commands"
)

// state implements the Store methods other than the inbox's, once for both
// dialects, over a dialect's database (querier.go).
type state struct {
	db  database
	now func() time.Time
}

// LinkChannel implements Store.
func (s *state) LinkChannel(ctx context.Context, teamID, channelID, meetingID, meetingTitle, byUserID string) error {
	if err := validate("link channel", "team ID", teamID, "channel ID", channelID, "meeting ID", meetingID, "user ID", byUserID); err != nil {
		return err
	}
	err := s.db.write(ctx, func(ctx context.Context, q querier) error {
		_, err := q.exec(ctx, `INSERT INTO channel_links
		(team_id, channel_id, meeting_id, meeting_title, linked_by, linked_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (team_id, channel_id) DO UPDATE SET meeting_id = excluded.meeting_id,
		meeting_title = excluded.meeting_title, linked_by = excluded.linked_by, linked_at = excluded.linked_at`,
			teamID, channelID, meetingID, meetingTitle, byUserID, s.db.timeArg(s.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("link channel %s to meeting %s: %w", channelID, meetingID, err)
	}
	return nil
}

const linkColumns = `meeting_id, meeting_title, linked_by, linked_at`

// ChannelLink implements Store.
func (s *state) ChannelLink(ctx context.Context, teamID, channelID string) (commands.ChannelLink, error) {
	row := s.db.reader().queryRow(ctx, `SELECT `+linkColumns+` FROM channel_links WHERE team_id = ? AND channel_id = ?`, teamID, channelID)
	l, err := scanLink(row)
	if err != nil {
		return commands.ChannelLink{}, fmt.Errorf("link of channel %s: %w", channelID, err)
	}
	return l, nil
}

// UnlinkChannel implements Store.
func (s *state) UnlinkChannel(ctx context.Context, teamID, channelID string) (commands.ChannelLink, error) {
	var l commands.ChannelLink
	err := s.db.write(ctx, func(ctx context.Context, q querier) (err error) {
		row := q.queryRow(ctx, `DELETE FROM channel_links WHERE team_id = ? AND channel_id = ? RETURNING `+linkColumns, teamID, channelID)
		l, err = scanLink(row)
		return err
	})
	if err != nil {
		return commands.ChannelLink{}, fmt.Errorf("unlink channel %s: %w", channelID, err)
	}
	return l, nil
}

func scanLink(row resultRow) (commands.ChannelLink, error) {
	var l commands.ChannelLink
	err := row.Scan(&l.MeetingID, &l.MeetingTitle, &l.LinkedBy, timeCol{&l.LinkedAt})
	if noRow(err) {
		return commands.ChannelLink{}, ErrNotFound
	}
	if err != nil {
		return commands.ChannelLink{}, err
	}
	return l, nil
}

const confirmationColumns = `id, team_id, channel_id, requester_id, verb, meeting_id, meeting_title,
	targets, live_count, created_at, expires_at, state, outcome`

// confirmationRead is what a confirmation is read back with: its columns,
// then when it was claimed (NULL while pending).
const confirmationRead = confirmationColumns + `, claimed_at`

// Put implements commands.ConfirmationStore. Errors: an empty or already
// used ID.
func (s *state) Put(ctx context.Context, c commands.Confirmation) error {
	c, err := newConfirmation(c)
	if err != nil {
		return err
	}
	targets, err := encodeParticipants(c.Targets)
	if err != nil {
		return fmt.Errorf("store confirmation %s: %w", c.ID, err)
	}
	var n int64
	err = s.db.write(ctx, func(ctx context.Context, q querier) (err error) {
		n, err = q.exec(ctx, `INSERT INTO confirmations (`+confirmationColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			c.ID, c.TeamID, c.ChannelID, c.RequesterID, c.Verb, c.MeetingID, c.MeetingTitle,
			targets, c.LiveCount, s.db.timeArg(c.CreatedAt), s.db.timeArg(c.ExpiresAt), string(c.State), string(c.Outcome))
		return err
	})
	if err != nil {
		return fmt.Errorf("store confirmation %s: %w", c.ID, err)
	}
	if n == 0 {
		return fmt.Errorf("store confirmation %s: ID already used", c.ID)
	}
	return nil
}

// Get implements commands.ConfirmationStore.
func (s *state) Get(ctx context.Context, id string) (commands.Confirmation, error) {
	row := s.db.reader().queryRow(ctx, `SELECT `+confirmationRead+` FROM confirmations WHERE id = ?`, id)
	c, err := scanConfirmation(row)
	if noRow(err) {
		err = commands.ErrConfirmationNotFound
	}
	if err != nil {
		return commands.Confirmation{}, fmt.Errorf("get confirmation %s: %w", id, err)
	}
	return c, nil
}

// Claim implements commands.ConfirmationStore with one conditional UPDATE;
// only when it matches nothing is the row read again, to say why. In
// Postgres, concurrent claims queue on the row lock; each loser re-checks
// the WHERE clause against the winner's committed row and matches nothing.
func (s *state) Claim(ctx context.Context, id string, now time.Time) (commands.Confirmation, error) {
	now = pgTime(now) // compare at the stored precision
	var c commands.Confirmation
	err := s.db.write(ctx, func(ctx context.Context, q querier) (err error) {
		row := q.queryRow(ctx, `UPDATE confirmations SET state = 'executing', claimed_at = ?
		WHERE id = ? AND state = 'pending' AND expires_at > ? RETURNING `+confirmationRead,
			s.db.timeArg(now), id, s.db.timeArg(now))
		c, err = scanConfirmation(row)
		return err
	})
	if err == nil {
		return c, nil
	}
	if !noRow(err) {
		return commands.Confirmation{}, fmt.Errorf("claim confirmation %s: %w", id, err)
	}
	var state string
	var expires time.Time
	err = s.db.reader().queryRow(ctx, `SELECT state, expires_at FROM confirmations WHERE id = ?`, id).Scan(&state, timeCol{&expires})
	if err != nil && !noRow(err) {
		return commands.Confirmation{}, fmt.Errorf("claim confirmation %s: %w", id, err)
	}
	return commands.Confirmation{}, fmt.Errorf("claim confirmation %s: %w", id,
		claimMiss(err == nil, commands.ConfirmationState(state), expires, now))
}

// Finish implements commands.ConfirmationStore.
func (s *state) Finish(ctx context.Context, id string, outcome commands.Outcome) error {
	var n int64
	err := s.db.write(ctx, func(ctx context.Context, q querier) (err error) {
		n, err = q.exec(ctx, `UPDATE confirmations SET state = 'done', outcome = ?, finished_at = ?
		WHERE id = ? AND state = 'executing'`, string(outcome), s.db.timeArg(s.now()), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish confirmation %s: %w", id, err)
	}
	if n == 1 {
		return nil
	}
	found, err := s.exists(ctx, id)
	if err != nil {
		return fmt.Errorf("finish confirmation %s: %w", id, err)
	}
	return fmt.Errorf("finish confirmation %s: %w", id, finishMiss(found))
}

// Cancel implements commands.ConfirmationStore.
func (s *state) Cancel(ctx context.Context, id string) (commands.Confirmation, error) {
	var c commands.Confirmation
	err := s.db.write(ctx, func(ctx context.Context, q querier) (err error) {
		row := q.queryRow(ctx, `UPDATE confirmations SET state = 'cancelled', outcome = ?, finished_at = ?
		WHERE id = ? AND state = 'pending' RETURNING `+confirmationRead,
			string(commands.OutcomeCancelled), s.db.timeArg(s.now()), id)
		c, err = scanConfirmation(row)
		return err
	})
	if err == nil {
		return c, nil
	}
	if !noRow(err) {
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
func (s *state) exists(ctx context.Context, id string) (bool, error) {
	var one int
	err := s.db.reader().queryRow(ctx, `SELECT 1 FROM confirmations WHERE id = ?`, id).Scan(&one)
	if noRow(err) {
		return false, nil
	}
	return err == nil, err
}

// ExecutingConfirmations implements Store.
func (s *state) ExecutingConfirmations(ctx context.Context, claimedBefore time.Time) ([]commands.Confirmation, error) {
	rows, err := s.db.reader().query(ctx, `SELECT `+confirmationRead+` FROM confirmations
		WHERE state = 'executing' AND claimed_at < ? ORDER BY claimed_at, id`, s.db.timeArg(claimedBefore))
	if err != nil {
		return nil, fmt.Errorf("list executing confirmations: %w", err)
	}
	defer rows.Close()
	var out []commands.Confirmation
	for rows.Next() {
		c, err := scanConfirmation(rows.row())
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
func (s *state) PruneConfirmations(ctx context.Context, before time.Time) (int64, error) {
	return s.prune(ctx, "prune confirmations",
		`DELETE FROM confirmations WHERE expires_at < ? AND state <> 'executing'`, before)
}

func scanConfirmation(row resultRow) (commands.Confirmation, error) {
	var c commands.Confirmation
	var targets []byte
	var state, outcome string
	if err := row.Scan(&c.ID, &c.TeamID, &c.ChannelID, &c.RequesterID, &c.Verb, &c.MeetingID, &c.MeetingTitle,
		&targets, &c.LiveCount, timeCol{&c.CreatedAt}, timeCol{&c.ExpiresAt}, &state, &outcome, timeCol{&c.ClaimedAt}); err != nil {
		return commands.Confirmation{}, err
	}
	var err error
	if c.Targets, err = decodeParticipants(targets); err != nil {
		return commands.Confirmation{}, err
	}
	c.State, c.Outcome = commands.ConfirmationState(state), commands.Outcome(outcome)
	return c, nil
}

const auditColumns = `at, team_id, channel_id, user_id, verb, meeting_id, meeting_title, targets, outcome, detail, ref`

// RecordAudit implements Store.
func (s *state) RecordAudit(ctx context.Context, e commands.AuditEntry) error {
	targets, err := encodeStrings(e.Targets)
	if err != nil {
		return fmt.Errorf("record audit entry: %w", err)
	}
	err = s.db.write(ctx, func(ctx context.Context, q querier) error {
		_, err := q.exec(ctx, `INSERT INTO audit_log (`+auditColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			s.db.timeArg(e.Time), e.TeamID, e.ChannelID, e.UserID, e.Verb, e.MeetingID, e.MeetingTitle,
			targets, string(e.Outcome), e.Detail, e.Ref)
		return err
	})
	if err != nil {
		return fmt.Errorf("record audit entry: %w", err)
	}
	return nil
}

// RecentAudit implements Store.
func (s *state) RecentAudit(ctx context.Context, teamID, meetingID string, n int, refusals bool) ([]commands.AuditEntry, error) {
	if n < 1 {
		return nil, fmt.Errorf("recent audit entries: n is %d, want at least 1", n)
	}
	rows, err := s.db.reader().query(ctx, `SELECT `+auditColumns+` FROM audit_log
		WHERE team_id = ? AND meeting_id = ? AND (? OR outcome <> ?) ORDER BY at DESC, id DESC LIMIT ?`,
		teamID, meetingID, refusals, string(commands.OutcomeRefused), n)
	if err != nil {
		return nil, fmt.Errorf("recent audit entries of meeting %s: %w", meetingID, err)
	}
	defer rows.Close()
	var out []commands.AuditEntry
	for rows.Next() {
		var e commands.AuditEntry
		var targets []byte
		var outcome string
		if err := rows.row().Scan(timeCol{&e.Time}, &e.TeamID, &e.ChannelID, &e.UserID, &e.Verb, &e.MeetingID, &e.MeetingTitle,
			&targets, &outcome, &e.Detail, &e.Ref); err != nil {
			return nil, fmt.Errorf("recent audit entries of meeting %s: %w", meetingID, err)
		}
		if e.Targets, err = decodeStrings(targets); err != nil {
			return nil, fmt.Errorf("recent audit entries of meeting %s: %w", meetingID, err)
		}
		e.Outcome = commands.Outcome(outcome)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recent audit entries of meeting %s: %w", meetingID, err)
	}
	return out, nil
}

// PruneAudit implements Store.
func (s *state) PruneAudit(ctx context.Context, before time.Time) (int64, error) {
	return s.prune(ctx, "prune audit log", `DELETE FROM audit_log WHERE at < ?`, before)
}

// admitRefusal is AdmitRefusal's statement (numbered parameters): ?1
// team, ?2 user, ?3 verb, ?4 now, ?5 now - window. In the update, t.* are
// the row's values before it.
const admitRefusal = `INSERT INTO refusal_throttle AS t (team_id, user_id, verb, recorded_at, held, admitted, carried)
	VALUES (?1, ?2, ?3, ?4, 0, TRUE, 0)
	ON CONFLICT (team_id, user_id, verb) DO UPDATE SET
		admitted = (t.recorded_at <= ?5),
		carried = CASE WHEN t.recorded_at <= ?5 THEN t.held ELSE 0 END,
		held = CASE WHEN t.recorded_at <= ?5 THEN 0 ELSE t.held + 1 END,
		recorded_at = CASE WHEN t.recorded_at <= ?5 THEN ?4 ELSE t.recorded_at END
	RETURNING admitted, carried`

// AdmitRefusal implements Store. In Postgres, concurrent calls for one
// person and verb wait for each other on the primary key, so each sees the
// last's count.
func (s *state) AdmitRefusal(ctx context.Context, teamID, userID, verb string, now time.Time, window time.Duration) (bool, int, error) {
	var admitted bool
	var held int
	err := s.db.write(ctx, func(ctx context.Context, q querier) error {
		return q.queryRow(ctx, admitRefusal, teamID, userID, verb,
			s.db.timeArg(now), s.db.timeArg(now.Add(-window))).Scan(&admitted, &held)
	})
	if err != nil {
		return false, 0, fmt.Errorf("count a refusal of %s to %s: %w", verb, userID, err)
	}
	return admitted, held, nil
}

// PruneRefusals implements Store.
func (s *state) PruneRefusals(ctx context.Context, before time.Time) (int64, error) {
	return s.prune(ctx, "prune refusal counts", `DELETE FROM refusal_throttle WHERE recorded_at < ?`, before)
}

// ClaimDelivery implements Store. In Postgres, concurrent inserts of one
// key wait for each other on the primary key; exactly one inserts a row.
func (s *state) ClaimDelivery(ctx context.Context, key string, now time.Time) (bool, error) {
	if key == "" {
		return false, fmt.Errorf("claim delivery: empty key")
	}
	var n int64
	err := s.db.write(ctx, func(ctx context.Context, q querier) (err error) {
		n, err = q.exec(ctx, `INSERT INTO deliveries (key, claimed_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
			key, s.db.timeArg(now))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("claim delivery %s: %w", key, err)
	}
	return n == 1, nil
}

// FinishDelivery implements Store.
func (s *state) FinishDelivery(ctx context.Context, key string, r commands.DeliveryResult, now time.Time) error {
	if key == "" {
		return fmt.Errorf("finish delivery: empty key")
	}
	err := s.db.write(ctx, func(ctx context.Context, q querier) error {
		_, err := q.exec(ctx, `UPDATE deliveries SET done_at = ?, outcome = ?, error_code = ?, message = ? WHERE key = ? AND done_at IS NULL`,
			s.db.timeArg(now), string(r.Outcome), string(r.Code), r.Message, key)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish delivery %s: %w", key, err)
	}
	return nil
}

// FinishedDelivery implements Store.
func (s *state) FinishedDelivery(ctx context.Context, key string) (commands.DeliveryResult, bool, error) {
	if key == "" {
		return commands.DeliveryResult{}, false, fmt.Errorf("finished delivery: empty key")
	}
	var outcome, code, message string
	err := s.db.reader().queryRow(ctx, `SELECT outcome, coalesce(error_code, ''), coalesce(message, '') FROM deliveries
		WHERE key = ? AND done_at IS NOT NULL AND outcome IS NOT NULL`, key).Scan(&outcome, &code, &message)
	switch {
	case noRow(err):
		return commands.DeliveryResult{}, false, nil
	case err != nil:
		return commands.DeliveryResult{}, false, fmt.Errorf("finished delivery %s: %w", key, err)
	}
	return commands.DeliveryResult{Outcome: commands.Outcome(outcome), Code: commands.ErrorCode(code), Message: message}, true, nil
}

// PruneDeliveries implements Store.
func (s *state) PruneDeliveries(ctx context.Context, before time.Time) (int64, error) {
	return s.prune(ctx, "prune deliveries", `DELETE FROM deliveries WHERE claimed_at < ?`, before)
}

// prune runs a DELETE whose one parameter is a time and reports how many
// rows it deleted; what names it in an error.
func (s *state) prune(ctx context.Context, what, query string, before time.Time) (int64, error) {
	var n int64
	err := s.db.write(ctx, func(ctx context.Context, q querier) (err error) {
		n, err = q.exec(ctx, query, s.db.timeArg(before))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return n, nil
}
