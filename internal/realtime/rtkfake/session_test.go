package rtkfake

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// activeSessionBody is the fixture's active session as the API shows it.
func activeSessionBody(live, peak int, minutes string) string {
	return `{"success": true, "data": {
		"id": "` + liveSession + `", "associated_id": "` + liveMeeting + `",
		"meeting_display_name": "Standup & <Retro>", "type": "meeting", "status": "LIVE",
		"live_participants": ` + strconv.Itoa(live) + `, "max_concurrent_participants": ` + strconv.Itoa(peak) + `,
		"minutes_consumed": ` + minutes + `, "organization_id": "` + testApp + `",
		"started_at": "2026-03-02T15:00:00.000Z", "created_at": "2026-03-02T15:00:00.000Z",
		"updated_at": "2026-03-02T15:00:00.000Z", "meta": {}, "breakout_rooms": []}}`
}

func TestGetActiveSession(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		meetingID  string
		advance    time.Duration
		wantStatus int
		wantBody   string
	}{
		{
			// 5 live peers; minutes: 30+29+8+25+24+18 peer-minutes.
			name: "live session", meetingID: liveMeeting, wantStatus: 200,
			wantBody: activeSessionBody(5, 9, "134"),
		},
		{
			name: "minutes grow with the clock", meetingID: liveMeeting, advance: 90 * time.Second, wantStatus: 200,
			wantBody: activeSessionBody(5, 9, "141.5"),
		},
		{
			name: "meeting with nobody in it", meetingID: emptyMeeting, wantStatus: 404,
			wantBody: rtkErr(404, "No active session found for meeting_id "+emptyMeeting),
		},
		{
			name: "unknown meeting", meetingID: unknownID, wantStatus: 404,
			wantBody: rtkErr(404, "No meeting found for meeting_id "+unknownID),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, clk := newFixture(t)
			clk.Advance(tt.advance)
			do(t, s, http.MethodGet, apiPath("meetings/"+tt.meetingID+"/active-session"), "").
				check(t, tt.wantStatus, tt.wantBody)
		})
	}
}

func TestJoinRaisesPeakAndEmptyRoomStartsSession(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	for i := range 5 {
		if _, err := s.Join(liveMeeting, Participant{Name: "Walk-in " + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	// 10 live now, above the fixture's recorded peak of 9; each walk-in
	// has been there 0 minutes.
	do(t, s, http.MethodGet, apiPath("meetings/"+liveMeeting+"/active-session"), "").
		check(t, 200, strings.Replace(activeSessionBody(10, 10, "134"),
			`"updated_at": "2026-03-02T15:00:00.000Z"`, `"updated_at": "2026-03-02T15:30:00.000Z"`, 1))

	p, err := s.Join(emptyMeeting, Participant{UserID: "u-zed", Name: "Zed"})
	if err != nil {
		t.Fatal(err)
	}
	sess, ok := s.ActiveSession(emptyMeeting)
	if !ok || len(sess.Participants) != 1 || sess.Participants[0].PeerID != p.PeerID || !sess.StartedAt.Equal(t0.Add(30*time.Minute)) {
		t.Fatalf("after Join into an empty room: session %+v, %v; want one peer, started now", sess, ok)
	}
	r := do(t, s, http.MethodGet, apiPath("meetings/"+emptyMeeting+"/active-session"), "")
	if r.status != 200 {
		t.Errorf("active-session after Join: status %d, body %s", r.status, r.body)
	}
	if _, err := s.Join(unknownID, Participant{}); err == nil {
		t.Error("Join into an unknown meeting succeeded")
	}
}

// Peer entries of the fixture session at t0+30m.
var (
	peerAnn   = peerEntry("p-ann", "u-ann", "ann@example.com", "Ann", "group_call_host", "15:00", "", 30)
	peerBob   = peerEntry("p-bob", "u-bob", "bob@example.com", "Bob", "group_call_participant", "15:01", "", 29)
	peerCat1  = peerEntry("p-cat1", "u-cat", "cat@example.com", "Cat", "group_call_participant", "15:02", "15:10", 8)
	peerBob2  = peerEntry("p-bob2", "u-bob", "bob@example.com", "Bob (phone)", "group_call_participant", "15:05", "", 25)
	peerGuest = peerEntry("p-guest", "", "", "Guest Gus", "webinar_viewer", "15:06", "", 24)
	peerCat2  = peerEntry("p-cat2", "u-cat", "cat@example.com", "Cat", "group_call_participant", "15:12", "", 18)
)

// peerEntry writes out a session participant; user_id and
// custom_participant_id are absent for guests, left_at is null while live.
func peerEntry(peer, user, custom, name, preset, joined, left string, duration int) string {
	ts := func(hm string) string { return `"2026-03-02T` + hm + `:00.000Z"` }
	var b strings.Builder
	b.WriteString(`{"id": "` + peer + `", `)
	if user != "" {
		b.WriteString(`"user_id": "` + user + `", "custom_participant_id": "` + custom + `", `)
	}
	b.WriteString(`"display_name": "` + name + `", "preset_name": "` + preset + `", "joined_at": ` + ts(joined) + `, `)
	updated := ts(joined)
	if left == "" {
		b.WriteString(`"left_at": null, `)
	} else {
		b.WriteString(`"left_at": ` + ts(left) + `, `)
		updated = ts(left)
	}
	b.WriteString(`"duration": ` + strconv.Itoa(duration) + `, "created_at": ` + ts(joined) + `, "updated_at": ` + updated + `}`)
	return b.String()
}

func participantsBody(entries ...string) string {
	return `{"success": true, "data": {"participants": [` + strings.Join(entries, ",") + `]}}`
}

func TestGetSessionParticipants(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	tests := []struct {
		name       string
		sessionID  string
		query      string
		wantStatus int
		wantBody   string
	}{
		{
			name: "everyone who joined, in join order", sessionID: liveSession, wantStatus: 200,
			wantBody: participantsBody(peerAnn, peerBob, peerCat1, peerBob2, peerGuest, peerCat2),
		},
		{
			name: "full first page", sessionID: liveSession, query: "?page_no=1&per_page=4", wantStatus: 200,
			wantBody: participantsBody(peerAnn, peerBob, peerCat1, peerBob2),
		},
		{
			name: "short last page", sessionID: liveSession, query: "?page_no=2&per_page=4", wantStatus: 200,
			wantBody: participantsBody(peerGuest, peerCat2),
		},
		{
			name: "past the end", sessionID: liveSession, query: "?page_no=3&per_page=4", wantStatus: 200,
			wantBody: participantsBody(),
		},
		{
			name: "by duration", sessionID: liveSession, query: "?sort_by=duration&sort_order=ASC", wantStatus: 200,
			wantBody: participantsBody(peerCat1, peerCat2, peerGuest, peerBob2, peerBob, peerAnn),
		},
		{
			name: "latest joiners first", sessionID: liveSession, query: "?sort_by=joinedAt&sort_order=DESC&per_page=2", wantStatus: 200,
			wantBody: participantsBody(peerCat2, peerGuest),
		},
		{
			name: "unknown sort_by", sessionID: liveSession, query: "?sort_by=name", wantStatus: 400,
			wantBody: rtkErr(400, `sort_by must be one of joinedAt, duration, not "name"`),
		},
		{
			name: "unknown sort_order", sessionID: liveSession, query: "?sort_order=up", wantStatus: 400,
			wantBody: rtkErr(400, `sort_order must be ASC or DESC, not "up"`),
		},
		{
			name: "bad page_no", sessionID: liveSession, query: "?page_no=two", wantStatus: 400,
			wantBody: rtkErr(400, "page_no must be a non-negative whole number"),
		},
		{
			name: "unknown session", sessionID: unknownID, wantStatus: 404,
			wantBody: rtkErr(404, "No session found for session_id "+unknownID),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			do(t, s, http.MethodGet, apiPath("sessions/"+tt.sessionID+"/participants"+tt.query), "").
				check(t, tt.wantStatus, tt.wantBody)
		})
	}
}

// A caller without paging metadata reads until a short page; that must
// see every peer exactly once.
func TestSessionParticipantsReadUntilShortPage(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	for i := range 7 {
		if _, err := s.Join(liveMeeting, Participant{PeerID: "p-extra-" + strconv.Itoa(i), Name: "Extra"}); err != nil {
			t.Fatal(err)
		}
	}
	const per = 4
	seen := make(map[string]int)
	pages := 0
	for page := 1; ; page++ {
		r := do(t, s, http.MethodGet, apiPath("sessions/"+liveSession+"/participants?per_page="+strconv.Itoa(per)+"&page_no="+strconv.Itoa(page)), "")
		var body struct {
			Data struct {
				Participants []struct {
					ID string `json:"id"`
				} `json:"participants"`
			} `json:"data"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil || r.status != 200 {
			t.Fatalf("page %d: status %d, %v", page, r.status, err)
		}
		pages++
		for _, p := range body.Data.Participants {
			seen[p.ID]++
		}
		if len(body.Data.Participants) < per {
			break
		}
	}
	// 6 fixture peers + 7 extra = 13: pages of 4, 4, 4, 1.
	if len(seen) != 13 || pages != 4 {
		t.Errorf("read %d distinct peers in %d pages, want 13 in 4", len(seen), pages)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("peer %s listed %d times", id, n)
		}
	}
}

func TestLeave(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	if err := s.Leave(liveMeeting, "u-bob"); err != nil {
		t.Fatal(err)
	}
	// Both of Bob's devices are gone; the session stays live.
	if got, want := liveState(s, liveMeeting), []string{"p-ann", "p-guest", "p-cat2"}; !slices.Equal(got, want) {
		t.Errorf("live after Bob left = %v, want %v", got, want)
	}
	do(t, s, http.MethodGet, apiPath("sessions/"+liveSession+"/participants?page_no=2&per_page=1"), "").
		check(t, 200, participantsBody(peerEntry("p-bob", "u-bob", "bob@example.com", "Bob", "group_call_participant", "15:01", "15:30", 29)))
	for _, tt := range []struct{ meeting, user string }{{liveMeeting, "u-bob"}, {liveMeeting, "u-dan"}, {emptyMeeting, "u-ann"}, {unknownID, "u-ann"}} {
		if err := s.Leave(tt.meeting, tt.user); err == nil {
			t.Errorf("Leave(%s, %s) succeeded; the user is not live there", tt.meeting, tt.user)
		}
	}
}
