package rtkfake

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// liveState lists the live peers of the fixture meeting as "peer" or
// "peer(muted)".
func liveState(s *Server, meetingID string) []string {
	var out []string
	for _, p := range s.LiveParticipants(meetingID) {
		if p.Muted {
			out = append(out, p.PeerID+"(muted)")
		} else {
			out = append(out, p.PeerID)
		}
	}
	return out
}

// affected writes out one entry of a kick or mute answer at t0+30m.
func affected(id, custom, name, joined string) string {
	return `{"id": "` + id + `", "custom_participant_id": "` + custom + `", "name": "` + name +
		`", "created_at": "2026-03-02T` + joined + `:00.000Z", "updated_at": "2026-03-02T15:30:00.000Z"}`
}

func affectedBody(action string, entries ...string) string {
	return `{"success": true, "data": {"action": "` + action + `", "participants": [` + strings.Join(entries, ",") + `]}}`
}

var (
	fixtureLive = []string{"p-ann", "p-bob", "p-bob2", "p-guest", "p-cat2"}
	affAnn      = affected("u-ann", "ann@example.com", "Ann", "15:00")
	affBob      = affected("u-bob", "bob@example.com", "Bob", "15:01")
	affCat      = affected("u-cat", "cat@example.com", "Cat", "15:12")
)

// Errors shared by kick and mute.
var targetErrorCases = []struct {
	name       string
	meetingID  string
	body       string
	wantStatus int
	wantBody   string
}{
	{
		name: "one unknown ID fails them all", meetingID: liveMeeting,
		body:       `{"participant_ids": ["u-ann", "u-nobody"], "custom_participant_ids": ["bob@example.com"]}`,
		wantStatus: 404, wantBody: rtkErr(404, "No user found with id u-nobody"),
	},
	{
		name: "unknown custom ID", meetingID: liveMeeting,
		body:       `{"participant_ids": [], "custom_participant_ids": ["nobody@example.com"]}`,
		wantStatus: 404, wantBody: rtkErr(404, "No user found with id nobody@example.com"),
	},
	{
		name: "registered but not in the session", meetingID: liveMeeting,
		body:       `{"participant_ids": ["u-dan"], "custom_participant_ids": []}`,
		wantStatus: 404, wantBody: rtkErr(404, "No user found with id u-dan"),
	},
	{
		name: "a peer ID is not a participant ID", meetingID: liveMeeting,
		body:       `{"participant_ids": ["p-guest"], "custom_participant_ids": []}`,
		wantStatus: 404, wantBody: rtkErr(404, "No user found with id p-guest"),
	},
	{
		name: "no targets", meetingID: liveMeeting, body: `{"participant_ids": [], "custom_participant_ids": []}`,
		wantStatus: 400, wantBody: rtkErr(400, "participant_ids or custom_participant_ids is required"),
	},
	{
		name: "no body", meetingID: liveMeeting, body: "",
		wantStatus: 400, wantBody: rtkErr(400, "Request body is required"),
	},
	{
		name: "empty ID", meetingID: liveMeeting, body: `{"participant_ids": ["u-ann", ""]}`,
		wantStatus: 400, wantBody: rtkErr(400, "participant_ids must not contain empty IDs"),
	},
	{
		name: "empty custom ID", meetingID: liveMeeting, body: `{"custom_participant_ids": [""]}`,
		wantStatus: 400, wantBody: rtkErr(400, "custom_participant_ids must not contain empty IDs"),
	},
	{
		name: "no active session", meetingID: emptyMeeting, body: `{"participant_ids": ["u-ann"]}`,
		wantStatus: 404, wantBody: rtkErr(404, "No active session found for meeting_id "+emptyMeeting),
	},
	{
		name: "unknown meeting", meetingID: unknownID, body: `{"participant_ids": ["u-ann"]}`,
		wantStatus: 404, wantBody: rtkErr(404, "No meeting found for meeting_id "+unknownID),
	},
}

func TestKick(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		wantBody string
		wantLive []string
	}{
		{
			name:     "by participant ID",
			body:     `{"participant_ids": ["u-ann"], "custom_participant_ids": []}`,
			wantBody: affectedBody("participants_kicked", affAnn),
			wantLive: []string{"p-bob", "p-bob2", "p-guest", "p-cat2"},
		},
		{
			// Cat's first peer already left; only the live one is kicked.
			name:     "by custom participant ID",
			body:     `{"participant_ids": [], "custom_participant_ids": ["cat@example.com"]}`,
			wantBody: affectedBody("participants_kicked", affCat),
			wantLive: []string{"p-ann", "p-bob", "p-bob2", "p-guest"},
		},
		{
			// Bob is on two devices: both go, he is listed once.
			name:     "both kinds in one request",
			body:     `{"participant_ids": ["u-ann"], "custom_participant_ids": ["bob@example.com"]}`,
			wantBody: affectedBody("participants_kicked", affAnn, affBob),
			wantLive: []string{"p-guest", "p-cat2"},
		},
		{
			name:     "the same person named twice",
			body:     `{"participant_ids": ["u-bob", "u-bob"], "custom_participant_ids": ["bob@example.com"]}`,
			wantBody: affectedBody("participants_kicked", affBob),
			wantLive: []string{"p-ann", "p-guest", "p-cat2"},
		},
		{
			name:     "one array omitted",
			body:     `{"custom_participant_ids": ["ann@example.com"]}`,
			wantBody: affectedBody("participants_kicked", affAnn),
			wantLive: []string{"p-bob", "p-bob2", "p-guest", "p-cat2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newFixture(t)
			do(t, s, http.MethodPost, apiPath("meetings/"+liveMeeting+"/active-session/kick"), tt.body).check(t, 200, tt.wantBody)
			if diff := cmp.Diff(tt.wantLive, liveState(s, liveMeeting)); diff != "" {
				t.Errorf("live peers after kick (-want +got):\n%s", diff)
			}
			if !s.SessionActive(liveMeeting) {
				t.Error("kick ended the session; only kick-all should")
			}
		})
	}
	for _, tt := range targetErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newFixture(t)
			do(t, s, http.MethodPost, apiPath("meetings/"+tt.meetingID+"/active-session/kick"), tt.body).
				check(t, tt.wantStatus, tt.wantBody)
			if diff := cmp.Diff(fixtureLive, liveState(s, liveMeeting)); diff != "" {
				t.Errorf("a failed kick changed the session (-want +got):\n%s", diff)
			}
		})
	}
}

func TestKickedPeersShowAsLeft(t *testing.T) {
	t.Parallel()
	s, clk := newFixture(t)
	do(t, s, http.MethodPost, apiPath("meetings/"+liveMeeting+"/active-session/kick"), `{"participant_ids": ["u-ann"]}`).check(t, 200, affectedBody("participants_kicked", affAnn))
	clk.Advance(5 * time.Minute)
	r := do(t, s, http.MethodGet, apiPath("sessions/"+liveSession+"/participants?per_page=1"), "")
	// Ann left at 15:30 after 30 minutes, and stays at 30 as time passes.
	r.check(t, 200, participantsBody(peerEntry("p-ann", "u-ann", "ann@example.com", "Ann", "group_call_host", "15:00", "15:30", 30)))
	do(t, s, http.MethodPost, apiPath("meetings/"+liveMeeting+"/active-session/kick"), `{"participant_ids": ["u-ann"]}`).
		check(t, 404, rtkErr(404, "No user found with id u-ann"))
}

// Bodies that are not the JSON a route takes get 400 in RealtimeKit's
// envelope and change nothing. The message quotes the decoder, so only its
// start is checked.
func TestInvalidJSONBodies(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	tests := []struct{ route, body string }{
		{"kick", `{"participant_ids": "u-ann"}`},
		{"kick", `{"participant_ids": [1]}`},
		{"kick", `not json`},
		{"mute", `{"custom_participant_ids": {"id": "ann@example.com"}}`},
		{"mute", `[`},
		{"mute-all", `{"allow_unmute": "yes"}`},
		{"poll", `{"question": 42, "options": ["a"]}`},
		{"poll", `{"question": "Q?", "options": "a,b"}`},
	}
	for _, tt := range tests {
		r := do(t, s, http.MethodPost, apiPath("meetings/"+liveMeeting+"/active-session/"+tt.route), tt.body)
		if r.status != 400 || !strings.HasPrefix(string(r.body), `{"success":false,"error":{"code":400,"message":"Invalid request body: `) {
			t.Errorf("%s with %s: status %d, body %s; want 400 Invalid request body", tt.route, tt.body, r.status, r.body)
		}
	}
	if diff := cmp.Diff(fixtureLive, liveState(s, liveMeeting)); diff != "" {
		t.Errorf("bad bodies changed the session (-want +got):\n%s", diff)
	}
	if n := len(s.Polls(liveMeeting)); n != 0 {
		t.Errorf("bad bodies created %d polls", n)
	}
}

func TestMute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		wantBody string
		wantLive []string
	}{
		{
			name:     "by participant ID, every device",
			body:     `{"participant_ids": ["u-bob"], "custom_participant_ids": []}`,
			wantBody: affectedBody("participants_muted", affBob),
			wantLive: []string{"p-ann", "p-bob(muted)", "p-bob2(muted)", "p-guest", "p-cat2"},
		},
		{
			name:     "both kinds in one request",
			body:     `{"participant_ids": ["u-cat"], "custom_participant_ids": ["ann@example.com"]}`,
			wantBody: affectedBody("participants_muted", affCat, affAnn),
			wantLive: []string{"p-ann(muted)", "p-bob", "p-bob2", "p-guest", "p-cat2(muted)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newFixture(t)
			do(t, s, http.MethodPost, apiPath("meetings/"+liveMeeting+"/active-session/mute"), tt.body).check(t, 200, tt.wantBody)
			if diff := cmp.Diff(tt.wantLive, liveState(s, liveMeeting)); diff != "" {
				t.Errorf("live peers after mute (-want +got):\n%s", diff)
			}
			// Muting again is harmless and answers the same.
			do(t, s, http.MethodPost, apiPath("meetings/"+liveMeeting+"/active-session/mute"), tt.body).check(t, 200, tt.wantBody)
		})
	}
	for _, tt := range targetErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newFixture(t)
			do(t, s, http.MethodPost, apiPath("meetings/"+tt.meetingID+"/active-session/mute"), tt.body).
				check(t, tt.wantStatus, tt.wantBody)
			if diff := cmp.Diff(fixtureLive, liveState(s, liveMeeting)); diff != "" {
				t.Errorf("a failed mute changed the session (-want +got):\n%s", diff)
			}
		})
	}
}

func TestKickAllEndsSession(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	kickAll := apiPath("meetings/" + liveMeeting + "/active-session/kick-all")
	do(t, s, http.MethodPost, kickAll, "").
		check(t, 200, `{"success": true, "data": {"action": "all_participants_kicked", "kicked_participants_count": 5}}`)

	if s.SessionActive(liveMeeting) || len(s.LiveParticipants(liveMeeting)) != 0 {
		t.Fatalf("after kick-all: active %v, live %v; want no session", s.SessionActive(liveMeeting), s.LiveParticipants(liveMeeting))
	}
	noSession := rtkErr(404, "No active session found for meeting_id "+liveMeeting)
	do(t, s, http.MethodGet, apiPath("meetings/"+liveMeeting+"/active-session"), "").check(t, 404, noSession)
	do(t, s, http.MethodPost, kickAll, "").check(t, 404, noSession)
	do(t, s, http.MethodPost, apiPath("meetings/"+liveMeeting+"/active-session/kick"), `{"participant_ids": ["u-ann"]}`).check(t, 404, noSession)

	// The ended session's history remains, everyone gone at 15:30.
	do(t, s, http.MethodGet, apiPath("sessions/"+liveSession+"/participants?sort_by=joinedAt&sort_order=ASC&per_page=2"), "").
		check(t, 200, participantsBody(
			peerEntry("p-ann", "u-ann", "ann@example.com", "Ann", "group_call_host", "15:00", "15:30", 30),
			peerEntry("p-bob", "u-bob", "bob@example.com", "Bob", "group_call_participant", "15:01", "15:30", 29)))

	// Someone opening the room starts a new session.
	if _, err := s.Join(liveMeeting, Participant{UserID: "u-dan"}); err != nil {
		t.Fatal(err)
	}
	sess, ok := s.ActiveSession(liveMeeting)
	if !ok || sess.ID == liveSession || len(sess.Participants) != 1 || sess.Participants[0].Name != "Dan" {
		t.Errorf("after Join: session %+v, %v; want a new session with Dan", sess, ok)
	}
}

func TestKickAllErrors(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	do(t, s, http.MethodPost, apiPath("meetings/"+emptyMeeting+"/active-session/kick-all"), "").
		check(t, 404, rtkErr(404, "No active session found for meeting_id "+emptyMeeting))
	do(t, s, http.MethodPost, apiPath("meetings/"+unknownID+"/active-session/kick-all"), "").
		check(t, 404, rtkErr(404, "No meeting found for meeting_id "+unknownID))
}

func TestMuteAll(t *testing.T) {
	t.Parallel()
	allMuted := []string{"p-ann(muted)", "p-bob(muted)", "p-bob2(muted)", "p-guest(muted)", "p-cat2(muted)"}
	muted5 := `{"success": true, "data": {"action": "all_participants_muted", "muted_participants_count": 5}}`
	tests := []struct {
		name       string
		meetingID  string
		body       string
		wantStatus int
		wantBody   string
		wantLive   []string
	}{
		{name: "allow unmute", meetingID: liveMeeting, body: `{"allow_unmute": true}`, wantStatus: 200, wantBody: muted5, wantLive: allMuted},
		{name: "forbid unmute", meetingID: liveMeeting, body: `{"allow_unmute": false}`, wantStatus: 200, wantBody: muted5, wantLive: allMuted},
		{name: "no body", meetingID: liveMeeting, wantStatus: 200, wantBody: muted5, wantLive: allMuted},
		{
			name: "no active session", meetingID: emptyMeeting, body: `{"allow_unmute": true}`, wantStatus: 404,
			wantBody: rtkErr(404, "No active session found for meeting_id "+emptyMeeting), wantLive: fixtureLive,
		},
		{
			name: "unknown meeting", meetingID: unknownID, body: `{"allow_unmute": true}`, wantStatus: 404,
			wantBody: rtkErr(404, "No meeting found for meeting_id "+unknownID), wantLive: fixtureLive,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newFixture(t)
			do(t, s, http.MethodPost, apiPath("meetings/"+tt.meetingID+"/active-session/mute-all"), tt.body).
				check(t, tt.wantStatus, tt.wantBody)
			if diff := cmp.Diff(tt.wantLive, liveState(s, liveMeeting)); diff != "" {
				t.Errorf("live peers (-want +got):\n%s", diff)
			}
		})
	}
}
