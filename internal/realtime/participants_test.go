package realtime_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rtkbot/rtkbot/internal/meeting"
	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
)

// TestLiveParticipantsPages reads sessions whose participant list spans
// several pages (100 peers each), where people left, rejoined from a second
// device, or joined as guests without a participant ID.
func TestLiveParticipantsPages(t *testing.T) {
	t.Parallel()
	// peer i joins at t0+i seconds; user IDs are u-000…
	type peer struct {
		user string
		left bool
	}
	tests := []struct {
		name      string
		peers     []peer
		want      []string // user IDs, in join order
		wantPages []string // page_no of each request
	}{
		{
			name: "three pages, every other peer gone",
			peers: func() []peer {
				var ps []peer
				for i := range 250 {
					ps = append(ps, peer{user: fmt.Sprintf("u-%03d", i), left: i%2 == 1})
				}
				return ps
			}(),
			want: func() []string {
				var ids []string
				for i := 0; i < 250; i += 2 {
					ids = append(ids, fmt.Sprintf("u-%03d", i))
				}
				return ids
			}(),
			wantPages: []string{"1", "2", "3"},
		},
		{
			// Two full pages: only an empty third page shows the end.
			name: "exactly two pages",
			peers: func() []peer {
				var ps []peer
				for i := range 200 {
					ps = append(ps, peer{user: fmt.Sprintf("u-%03d", i)})
				}
				return ps
			}(),
			want: func() []string {
				var ids []string
				for i := range 200 {
					ids = append(ids, fmt.Sprintf("u-%03d", i))
				}
				return ids
			}(),
			wantPages: []string{"1", "2", "3"},
		},
		{
			name: "one person on two devices, across pages",
			peers: func() []peer {
				ps := []peer{{user: "u-ana"}}
				for i := range 120 {
					ps = append(ps, peer{user: fmt.Sprintf("u-%03d", i), left: true})
				}
				return append(ps, peer{user: "u-ana"}, peer{user: "u-bob"})
			}(),
			want:      []string{"u-ana", "u-bob"},
			wantPages: []string{"1", "2"},
		},
		{
			name:      "guests without a participant ID are not listed",
			peers:     []peer{{user: "u-ana"}, {user: ""}, {user: "u-bob"}},
			want:      []string{"u-ana", "u-bob"},
			wantPages: []string{"1"},
		},
		{
			name:      "everyone left",
			peers:     []peer{{user: "u-ana", left: true}},
			want:      nil,
			wantPages: []string{"1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			m := rtkfake.Meeting{ID: meetingID, Title: "Town hall", Session: &rtkfake.Session{ID: sessionID, StartedAt: t0}}
			for i, p := range tt.peers {
				q := rtkfake.Participant{UserID: p.user, Name: "Name of " + p.user, Preset: "participant", JoinedAt: t0.Add(time.Duration(i) * time.Second)}
				if p.user == "" {
					q.Name = "Guest"
				}
				if p.left {
					at := t0.Add(time.Duration(i)*time.Second + time.Minute)
					q.LeftAt = &at
				}
				m.Session.Participants = append(m.Session.Participants, q)
			}
			f.AddMeeting(m)
			c := newClient(t, f)

			got, err := c.LiveParticipants(t.Context(), meetingID)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, p := range got {
				ids = append(ids, p.ID)
				if p.Name != "Name of "+p.ID || p.Preset != "participant" || p.JoinedAt.IsZero() {
					t.Errorf("participant %+v: want its name, preset and join time", p)
				}
			}
			if diff := cmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("live participants (-want +got):\n%s", diff)
			}
			var pages []string
			for _, r := range f.RequestsFor(rtkfake.RouteSessionParticipants) {
				pages = append(pages, r.Query.Get("page_no"))
			}
			if diff := cmp.Diff(tt.wantPages, pages); diff != "" {
				t.Errorf("pages requested (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLiveParticipantsKeepsFirstJoin: someone on two devices is listed once,
// with the earlier join time, whichever device the list shows first.
func TestLiveParticipantsKeepsFirstJoin(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	m := standup()
	m.Session.Participants = append(m.Session.Participants,
		rtkfake.Participant{PeerID: "peer-bob-phone", UserID: "u-bob", JoinedAt: t0.Add(30 * time.Second)})
	f.AddMeeting(m)
	c := newClient(t, f)
	got, err := c.LiveParticipants(t.Context(), meetingID)
	if err != nil {
		t.Fatal(err)
	}
	want := []meeting.Participant{
		{ID: "u-bob", CustomParticipantID: "bob@example.com", Name: "Bob", Preset: "participant", JoinedAt: t0.Add(30 * time.Second)},
		{ID: "u-ana", CustomParticipantID: "ana@example.com", Name: "Ana", Preset: "host", JoinedAt: t0.Add(time.Minute)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("live participants (-want +got):\n%s", diff)
	}
}

// TestMeetingParticipantsPages reads a registration list of three pages,
// ending on paging.total_count.
func TestMeetingParticipantsPages(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	m := rtkfake.Meeting{ID: meetingID, Title: "Conference"}
	for i := range 230 {
		m.Participants = append(m.Participants, rtkfake.Participant{
			UserID: fmt.Sprintf("u-%03d", i), CustomParticipantID: "c-" + strconv.Itoa(i), Name: "N" + strconv.Itoa(i), Preset: "attendee",
		})
	}
	f.AddMeeting(m)
	c := newClient(t, f)
	got, err := c.MeetingParticipants(t.Context(), meetingID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 230 || got[0].ID != "u-000" || got[229] != (meeting.Participant{ID: "u-229", CustomParticipantID: "c-229", Name: "N229", Preset: "attendee"}) {
		t.Errorf("got %d participants, first %+v, last %+v; want u-000 … u-229", len(got), got[0], got[len(got)-1])
	}
	var pages []string
	for _, r := range f.RequestsFor(rtkfake.RouteMeetingParticipants) {
		pages = append(pages, r.Query.Get("page_no"))
	}
	if diff := cmp.Diff([]string{"1", "2", "3"}, pages); diff != "" {
		t.Errorf("pages requested (-want +got):\n%s", diff)
	}
}
