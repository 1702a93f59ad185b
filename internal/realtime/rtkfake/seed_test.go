package rtkfake

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	demoMeeting = "9f3c2a1e-5b7d-4e8f-a012-3c4d5e6f7a81"
	demoEmpty   = "9f3c2a1e-5b7d-4e8f-a012-3c4d5e6f7a82"
)

func loadDemo(t *testing.T, s *Server) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "..", "examples", "demo-meeting.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := s.LoadSeed(f); err != nil {
		t.Fatalf("LoadSeed(demo-meeting.json): %v", err)
	}
}

// The demo seed is what people try the bot with: a live session with an
// ambiguous pair of names, a hostile name, someone muted, someone who left
// and someone who left and came back.
func TestDemoSeed(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	s := NewTestServer(t, Config{Now: func() time.Time { return now }})
	loadDemo(t, s)

	var titles []string
	for _, m := range s.Meetings() {
		titles = append(titles, m.Title)
	}
	if diff := cmp.Diff([]string{"Weekly All-Hands", "Design Review"}, titles); diff != "" {
		t.Errorf("meetings (-want +got):\n%s", diff)
	}

	var live []string
	for _, p := range s.LiveParticipants(demoMeeting) {
		entry := p.Name + " | " + p.CustomParticipantID + " | " + p.Preset + " | " + now.Sub(p.JoinedAt).String()
		if p.Muted {
			entry += " | muted"
		}
		live = append(live, entry)
	}
	want := []string{
		"Alice Chen | alice.chen@example.com | group_call_host | 47m0s",
		"Bob Smith | bob.smith@example.com | group_call_participant | 45m0s",
		"Bobby Tables | bobby.tables@example.com | group_call_participant | 44m0s",
		"Carol Díaz | carol.diaz@example.com | group_call_participant | 40m0s | muted",
		"<!channel> | guest-7f3a | group_call_participant | 30m0s",
		"Dana Lee | dana.lee@example.com | group_call_host | 18m0s",
	}
	if diff := cmp.Diff(want, live); diff != "" {
		t.Errorf("live participants (-want +got):\n%s", diff)
	}
	sess, ok := s.ActiveSession(demoMeeting)
	if !ok || len(sess.Participants) != 8 || sess.MaxConcurrent != 7 || !sess.StartedAt.Equal(now.Add(-47*time.Minute)) {
		t.Errorf("demo session = %+v, %v; want 8 peers (2 gone), peak 7, started 47m ago", sess, ok)
	}
	if s.SessionActive(demoEmpty) {
		t.Error("Design Review has an active session; want none")
	}

	// Over the wire, names arrive as typed: no \u003c escapes.
	r := doWith(t, s, http.MethodGet, PathPrefix+"accounts/"+DefaultAccountID+"/realtime/kit/"+DefaultAppID+
		"/meetings/"+demoMeeting+"/participants?per_page=10", "", "Bearer "+DefaultToken)
	if r.status != 200 || !strings.Contains(string(r.body), `"name":"<!channel>"`) {
		t.Errorf("meeting participants: status %d, body %s; want <!channel> unescaped", r.status, r.body)
	}
}

func TestLoadSeedRejects(t *testing.T) {
	t.Parallel()
	valid := func() map[string]any {
		return map[string]any{"meetings": []any{map[string]any{
			"id": "m1", "title": "T",
			"participants": []any{
				map[string]any{"id": "u1", "custom_participant_id": "c1", "name": "A", "preset_name": "p"},
				map[string]any{"id": "u2", "custom_participant_id": "c2", "name": "B", "preset_name": "p"},
			},
			"active_session": map[string]any{
				"started_minutes_ago": 10,
				"peers": []any{
					map[string]any{"user_id": "u1", "joined_minutes_ago": 10},
					map[string]any{"display_name": "Guest", "joined_minutes_ago": 5, "left_minutes_ago": 1},
				},
			},
		}}}
	}
	meeting := func(seed map[string]any) map[string]any { return seed["meetings"].([]any)[0].(map[string]any) }
	session := func(seed map[string]any) map[string]any { return meeting(seed)["active_session"].(map[string]any) }
	peer := func(seed map[string]any, i int) map[string]any {
		return session(seed)["peers"].([]any)[i].(map[string]any)
	}
	tests := []struct {
		name    string
		mutate  func(seed map[string]any)
		wantErr string
	}{
		{name: "unknown field", mutate: func(s map[string]any) { meeting(s)["titel"] = "x" }, wantErr: `unknown field "titel"`},
		{name: "meeting without id", mutate: func(s map[string]any) { meeting(s)["id"] = "" }, wantErr: "meeting without an id"},
		{name: "bad status", mutate: func(s map[string]any) { meeting(s)["status"] = "LIVE" }, wantErr: `status "LIVE"`},
		{
			name: "duplicate participant", wantErr: "participant id u1 is used twice",
			mutate: func(s map[string]any) { meeting(s)["participants"].([]any)[1].(map[string]any)["id"] = "u1" },
		},
		{
			name: "duplicate custom id", wantErr: "custom_participant_id c1 is used twice",
			mutate: func(s map[string]any) {
				meeting(s)["participants"].([]any)[1].(map[string]any)["custom_participant_id"] = "c1"
			},
		},
		{name: "unregistered user", mutate: func(s map[string]any) { peer(s, 0)["user_id"] = "u9" }, wantErr: "user_id u9 is not a registered participant"},
		{name: "nameless guest", mutate: func(s map[string]any) { delete(peer(s, 1), "display_name") }, wantErr: "needs a display_name"},
		{name: "joined before the session", mutate: func(s map[string]any) { peer(s, 0)["joined_minutes_ago"] = 11 }, wantErr: "joined outside the session"},
		{name: "left before joining", mutate: func(s map[string]any) { peer(s, 1)["left_minutes_ago"] = 6 }, wantErr: "left before joining"},
		{name: "future session", mutate: func(s map[string]any) { session(s)["started_minutes_ago"] = -1 }, wantErr: "future"},
		{
			name: "duplicate peer", wantErr: "peer id px is used twice",
			mutate: func(s map[string]any) { peer(s, 0)["peer_id"] = "px"; peer(s, 1)["peer_id"] = "px" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			seed := valid()
			tt.mutate(seed)
			b, err := json.Marshal(seed)
			if err != nil {
				t.Fatal(err)
			}
			s := New(Config{})
			err = s.LoadSeed(strings.NewReader(string(b)))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("LoadSeed error = %v, want one containing %q", err, tt.wantErr)
			}
			if n := len(s.Meetings()); n != 0 {
				t.Errorf("a rejected seed added %d meetings", n)
			}
		})
	}
	// The unmutated seed loads, so each case above fails for its own reason.
	b, _ := json.Marshal(valid())
	s := New(Config{})
	if err := s.LoadSeed(strings.NewReader(string(b))); err != nil {
		t.Fatalf("valid seed: %v", err)
	}
	if got := len(s.LiveParticipants("m1")); got != 1 {
		t.Errorf("valid seed: %d live participants, want 1", got)
	}
}
