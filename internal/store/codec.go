package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/meeting"
)

// participantJSON is how a confirmation's targets are stored. It is our own
// wire format, with explicit names, so that renaming a field of
// meeting.Participant cannot silently orphan rows written by an older build.
type participantJSON struct {
	ID                  string    `json:"id"`
	CustomParticipantID string    `json:"custom_participant_id,omitempty"`
	Name                string    `json:"name"`
	Preset              string    `json:"preset,omitempty"`
	JoinedAt            time.Time `json:"joined_at,omitzero"`
}

func encodeParticipants(ps []meeting.Participant) (string, error) {
	out := make([]participantJSON, len(ps))
	for i, p := range ps {
		out[i] = participantJSON{
			ID:                  p.ID,
			CustomParticipantID: p.CustomParticipantID,
			Name:                p.Name,
			Preset:              p.Preset,
			JoinedAt:            p.JoinedAt.UTC(),
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("encode targets: %w", err)
	}
	return string(b), nil
}

// decodeParticipants returns nil for an empty list, as the in-memory store
// does for a confirmation without targets.
func decodeParticipants(b []byte) ([]meeting.Participant, error) {
	var in []participantJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, fmt.Errorf("decode targets: %w", err)
	}
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]meeting.Participant, len(in))
	for i, p := range in {
		out[i] = meeting.Participant{
			ID:                  p.ID,
			CustomParticipantID: p.CustomParticipantID,
			Name:                p.Name,
			Preset:              p.Preset,
			JoinedAt:            p.JoinedAt,
		}
	}
	return out, nil
}

func encodeStrings(ss []string) (string, error) {
	if ss == nil {
		ss = []string{}
	}
	b, err := json.Marshal(ss)
	if err != nil {
		return "", fmt.Errorf("encode targets: %w", err)
	}
	return string(b), nil
}

func decodeStrings(b []byte) ([]string, error) {
	var out []string
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("decode targets: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// micros is how SQLite stores a time: Unix microseconds, the precision
// Postgres keeps, so both stores compare times alike.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// pgTime rounds t down to the microsecond as micros does; pgx would
// otherwise round times before 2000 differently.
func pgTime(t time.Time) time.Time { return t.Truncate(time.Microsecond).UTC() }

// claimMiss explains why Claim's conditional UPDATE matched no row, from the
// row as read just after (found is false if there is none). now is the
// time the UPDATE compared with, to the microsecond.
func claimMiss(found bool, state commands.ConfirmationState, expiresAt, now time.Time) error {
	switch {
	case !found:
		return commands.ErrConfirmationNotFound
	case state != commands.StatePending:
		return commands.ErrAlreadyHandled
	case !now.Before(expiresAt):
		return commands.ErrConfirmationExpired
	default:
		// Pending and unexpired now, so it did not exist when the UPDATE
		// ran (IDs are random: in practice this never happens).
		return commands.ErrConfirmationNotFound
	}
}

// finishMiss explains why Finish's or Cancel's conditional UPDATE matched
// no row.
func finishMiss(found bool) error {
	if !found {
		return commands.ErrConfirmationNotFound
	}
	return commands.ErrAlreadyHandled
}

// newConfirmation checks c and fills in the default state, as
// MemoryConfirmations.Put does.
func newConfirmation(c commands.Confirmation) (commands.Confirmation, error) {
	if c.ID == "" {
		return c, fmt.Errorf("store confirmation: empty ID")
	}
	if c.State == "" {
		c.State = commands.StatePending
	}
	return c, nil
}
