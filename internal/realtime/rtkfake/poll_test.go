package rtkfake

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCreatePoll(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		meetingID  string
		body       string
		wantStatus int
		wantBody   string
		wantPolls  []Poll
	}{
		{
			name: "created", meetingID: liveMeeting,
			body:       `{"question": "Lunch <today>?", "options": ["Pizza & beer", "Salad"], "anonymous": true, "hide_votes": false}`,
			wantStatus: 201,
			wantBody: `{"success": true, "data": {"action": "poll_created", "poll": {
				"id": "00000000-0000-4000-8000-000000000001", "question": "Lunch <today>?",
				"options": [{"text": "Pizza & beer", "votes": [], "count": 0}, {"text": "Salad", "votes": [], "count": 0}],
				"anonymous": true, "hide_votes": false, "created_by": "` + testApp + `", "voted": []}}}`,
			wantPolls: []Poll{{
				ID: "00000000-0000-4000-8000-000000000001", MeetingID: liveMeeting, SessionID: liveSession,
				Question: "Lunch <today>?", Options: []string{"Pizza & beer", "Salad"}, Anonymous: true,
				CreatedBy: testApp, CreatedAt: t0.Add(30 * time.Minute),
			}},
		},
		{
			name: "flags default to false", meetingID: liveMeeting,
			body:       `{"question": "Ship it?", "options": ["Yes"]}`,
			wantStatus: 201,
			wantBody: `{"success": true, "data": {"action": "poll_created", "poll": {
				"id": "00000000-0000-4000-8000-000000000001", "question": "Ship it?",
				"options": [{"text": "Yes", "votes": [], "count": 0}],
				"anonymous": false, "hide_votes": false, "created_by": "` + testApp + `", "voted": []}}}`,
			wantPolls: []Poll{{
				ID: "00000000-0000-4000-8000-000000000001", MeetingID: liveMeeting, SessionID: liveSession,
				Question: "Ship it?", Options: []string{"Yes"}, CreatedBy: testApp, CreatedAt: t0.Add(30 * time.Minute),
			}},
		},
		{
			name: "no question", meetingID: liveMeeting, body: `{"options": ["Yes", "No"]}`,
			wantStatus: 400, wantBody: rtkErr(400, "question is required"),
		},
		{
			name: "blank question", meetingID: liveMeeting, body: `{"question": "  ", "options": ["Yes", "No"]}`,
			wantStatus: 400, wantBody: rtkErr(400, "question is required"),
		},
		{
			name: "no options", meetingID: liveMeeting, body: `{"question": "Q?"}`,
			wantStatus: 400, wantBody: rtkErr(400, "options is required"),
		},
		{
			name: "empty options", meetingID: liveMeeting, body: `{"question": "Q?", "options": []}`,
			wantStatus: 400, wantBody: rtkErr(400, "options is required"),
		},
		{
			name: "blank option", meetingID: liveMeeting, body: `{"question": "Q?", "options": ["Yes", ""]}`,
			wantStatus: 400, wantBody: rtkErr(400, "options must not contain empty options"),
		},
		{
			name: "no body", meetingID: liveMeeting,
			wantStatus: 400, wantBody: rtkErr(400, "Request body is required"),
		},
		{
			name: "no active session", meetingID: emptyMeeting, body: `{"question": "Q?", "options": ["Yes"]}`,
			wantStatus: 404, wantBody: rtkErr(404, "No active session found for meeting_id "+emptyMeeting),
		},
		{
			name: "unknown meeting", meetingID: unknownID, body: `{"question": "Q?", "options": ["Yes"]}`,
			wantStatus: 404, wantBody: rtkErr(404, "No meeting found for meeting_id "+unknownID),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newFixture(t)
			do(t, s, http.MethodPost, apiPath("meetings/"+tt.meetingID+"/active-session/poll"), tt.body).
				check(t, tt.wantStatus, tt.wantBody)
			if diff := cmp.Diff(tt.wantPolls, s.Polls(liveMeeting)); diff != "" {
				t.Errorf("stored polls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEveryPollIsStored(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	for _, q := range []string{"One?", "Two?", "Two?"} {
		r := do(t, s, http.MethodPost, apiPath("meetings/"+liveMeeting+"/active-session/poll"), `{"question": "`+q+`", "options": ["a", "b"]}`)
		if r.status != 201 {
			t.Fatalf("create %q: status %d, body %s", q, r.status, r.body)
		}
	}
	var got []string
	for _, p := range s.Polls(liveMeeting) {
		got = append(got, p.ID+" "+p.Question)
	}
	want := []string{
		"00000000-0000-4000-8000-000000000001 One?",
		"00000000-0000-4000-8000-000000000002 Two?",
		"00000000-0000-4000-8000-000000000003 Two?",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("polls (-want +got):\n%s", diff)
	}
	// Callers get copies.
	s.Polls(liveMeeting)[0].Options[0] = "changed"
	if got := s.Polls(liveMeeting)[0].Options[0]; got != "a" {
		t.Errorf("Polls returned shared state: option became %q", got)
	}
}
