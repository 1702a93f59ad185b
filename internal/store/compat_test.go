package store_test

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/meeting"
	"github.com/rtkbot/rtkbot/internal/store"
)

// releasedTargets is a confirmation's targets column exactly as the release
// before the domain package (targets typed realtime.Participant) wrote it,
// captured from that build's SQLite file. The stored names are the store's
// own (codec.go), so moving or renaming the Go type must not change them.
const releasedTargets = `[{"id":"p-1","custom_participant_id":"cust-1","name":"Bob","preset":"group_call_participant","joined_at":"2025-03-14T14:09:26.535897123Z"},{"id":"p-2","name":"Zoë \"quoted\""}]`

// TestReleasedConfirmationRow: a pending confirmation written by the
// previous release is still read back with its targets, on both backends,
// so a kick confirmed across an upgrade acts on the same participants.
func TestReleasedConfirmationRow(t *testing.T) {
	want := commands.Confirmation{
		ID:           "c1",
		TeamID:       "T1",
		ChannelID:    "C1",
		RequesterID:  "U1",
		Verb:         "kick",
		MeetingID:    "bbb-meeting",
		MeetingTitle: "Standup <&>",
		Targets: []meeting.Participant{
			{ID: "p-1", CustomParticipantID: "cust-1", Name: "Bob", Preset: "group_call_participant", JoinedAt: time.Date(2025, 3, 14, 14, 9, 26, 535897123, time.UTC)},
			{ID: "p-2", Name: `Zoë "quoted"`},
		},
		LiveCount: 7,
		CreatedAt: t0,
		ExpiresAt: t0.Add(ttl),
		State:     commands.StatePending,
	}
	const columns = `id, team_id, channel_id, requester_id, verb, meeting_id, meeting_title, targets, live_count, created_at, expires_at, state, outcome`
	tests := []struct {
		b      backend
		insert func(t *testing.T, databaseURL string)
	}{
		{sqliteBackend, func(t *testing.T, databaseURL string) {
			db, err := sql.Open("sqlite", strings.TrimPrefix(databaseURL, "sqlite://"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// Times as the release stored them: Unix microseconds.
			if _, err := db.ExecContext(t.Context(), `INSERT INTO confirmations (`+columns+`)
				VALUES ('c1', 'T1', 'C1', 'U1', 'kick', 'bbb-meeting', 'Standup <&>', ?, 7, 1741964966535897, 1741965566535897, 'pending', '')`,
				releasedTargets); err != nil {
				t.Fatalf("insert released row: %v", err)
			}
		}},
		{postgresBackend, func(t *testing.T, databaseURL string) {
			lit := "'" + strings.ReplaceAll(releasedTargets, "'", "''") + "'"
			if err := adminExec(databaseURL, `INSERT INTO confirmations (`+columns+`)
				VALUES ('c1', 'T1', 'C1', 'U1', 'kick', 'bbb-meeting', 'Standup <&>', `+lit+`::jsonb, 7,
				'2025-03-14 15:09:26.535897+00', '2025-03-14 15:19:26.535897+00', 'pending', '')`); err != nil {
				t.Fatalf("insert released row: %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.b.name, func(t *testing.T) {
			databaseURL := tt.b.newDatabase(t)
			// Open once to create the schema, as the release did.
			s, err := store.Open(t.Context(), databaseURL, nil)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			tt.insert(t, databaseURL)

			got, err := openStore(t, databaseURL).Get(t.Context(), "c1")
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("released row read back (-want +got):\n%s", diff)
			}
		})
	}
}
