package rtkfake

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func TestGetMeeting(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	s.AddMeeting(Meeting{ID: "closed-room", Title: "Closed", Status: MeetingInactive, CreatedAt: t0})
	tests := []struct {
		name       string
		meetingID  string
		wantStatus int
		wantBody   string
	}{
		{
			name: "live meeting", meetingID: liveMeeting, wantStatus: 200,
			wantBody: `{"success": true, "data": {
				"id": "` + liveMeeting + `", "title": "Standup & <Retro>", "status": "ACTIVE",
				"preferred_region": null, "record_on_start": false, "live_stream_on_start": false,
				"persist_chat": false, "summarize_on_end": false, "session_keep_alive_time_in_secs": 60,
				"created_at": "2026-03-01T15:00:00.000Z", "updated_at": "2026-03-01T15:00:00.000Z"}}`,
		},
		{
			name: "inactive meeting", meetingID: "closed-room", wantStatus: 200,
			wantBody: `{"success": true, "data": {
				"id": "closed-room", "title": "Closed", "status": "INACTIVE",
				"preferred_region": null, "record_on_start": false, "live_stream_on_start": false,
				"persist_chat": false, "summarize_on_end": false, "session_keep_alive_time_in_secs": 60,
				"created_at": "2026-03-02T15:00:00.000Z", "updated_at": "2026-03-02T15:00:00.000Z"}}`,
		},
		{
			name: "unknown meeting", meetingID: unknownID, wantStatus: 404,
			wantBody: rtkErr(404, "No meeting found for meeting_id "+unknownID),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			do(t, s, http.MethodGet, apiPath("meetings/"+tt.meetingID), "").check(t, tt.wantStatus, tt.wantBody)
		})
	}
}

func TestGetMeetingParticipants(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	entry := func(id, custom, name, preset string) string {
		return `{"id": "` + id + `", "name": "` + name + `", "picture": null, "custom_participant_id": "` + custom +
			`", "preset_name": "` + preset + `", "created_at": "2026-03-01T15:00:00.000Z", "updated_at": "2026-03-01T15:00:00.000Z"}`
	}
	ann := entry("u-ann", "ann@example.com", "Ann", "group_call_host")
	bob := entry("u-bob", "bob@example.com", "Bob", "group_call_participant")
	cat := entry("u-cat", "cat@example.com", "Cat", "group_call_participant")
	dan := entry("u-dan", "dan@example.com", "Dan", "group_call_participant")
	page := func(total, start, end int, entries ...string) string {
		return `{"success": true, "data": [` + strings.Join(entries, ",") + `], "paging": {"total_count": ` +
			strconv.Itoa(total) + `, "start_offset": ` + strconv.Itoa(start) + `, "end_offset": ` + strconv.Itoa(end) + `}}`
	}
	tests := []struct {
		name       string
		meetingID  string
		query      string
		wantStatus int
		wantBody   string
	}{
		{name: "defaults to one page of 20", meetingID: liveMeeting, wantStatus: 200, wantBody: page(4, 1, 4, ann, bob, cat, dan)},
		{name: "first page", meetingID: liveMeeting, query: "?page_no=1&per_page=3", wantStatus: 200, wantBody: page(4, 1, 3, ann, bob, cat)},
		{name: "last, short page", meetingID: liveMeeting, query: "?page_no=2&per_page=3", wantStatus: 200, wantBody: page(4, 4, 4, dan)},
		{name: "past the end", meetingID: liveMeeting, query: "?page_no=3&per_page=3", wantStatus: 200, wantBody: page(4, 5, 4)},
		{name: "page 0 is page 1", meetingID: liveMeeting, query: "?page_no=0&per_page=2", wantStatus: 200, wantBody: page(4, 1, 2, ann, bob)},
		{name: "no participants", meetingID: emptyMeeting, wantStatus: 200, wantBody: page(0, 1, 0)},
		{
			name: "fractional page", meetingID: liveMeeting, query: "?page_no=1.5", wantStatus: 400,
			wantBody: rtkErr(400, "page_no must be a non-negative whole number"),
		},
		{
			name: "negative per_page", meetingID: liveMeeting, query: "?per_page=-1", wantStatus: 400,
			wantBody: rtkErr(400, "per_page must be a non-negative whole number"),
		},
		{
			name: "unknown meeting", meetingID: unknownID, wantStatus: 404,
			wantBody: rtkErr(404, "No meeting found for meeting_id "+unknownID),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			do(t, s, http.MethodGet, apiPath("meetings/"+tt.meetingID+"/participants"+tt.query), "").
				check(t, tt.wantStatus, tt.wantBody)
		})
	}
}
