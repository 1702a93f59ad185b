package rtkfake

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRequestsAreRecorded(t *testing.T) {
	t.Parallel()
	s, clk := newFixture(t)
	do(t, s, http.MethodGet, apiPath("sessions/"+liveSession+"/participants?page_no=2&per_page=50"), "")
	clk.Advance(time.Second)
	do(t, s, http.MethodPost, apiPath("meetings/"+liveMeeting+"/active-session/kick"), `{"participant_ids":["u-ann"],"custom_participant_ids":[]}`)
	doWith(t, s, http.MethodGet, apiPath("meetings/"+liveMeeting), "", "") // rejected, still recorded
	do(t, s, http.MethodGet, PathPrefix+"nowhere", "")

	type summary struct {
		Method, Path, Route, MeetingID, SessionID string
		Query                                     url.Values
		Body, Token, ContentType                  string
		Time                                      time.Time
	}
	var got []summary
	for _, r := range s.Requests() {
		got = append(got, summary{
			Method: r.Method, Path: r.Path, Route: r.Route, MeetingID: r.MeetingID, SessionID: r.SessionID,
			Query: r.Query, Body: string(r.Body), Token: r.BearerToken(), ContentType: r.Header.Get("Content-Type"), Time: r.Time,
		})
	}
	now := t0.Add(30 * time.Minute)
	want := []summary{
		{
			Method: "GET", Path: apiPath("sessions/" + liveSession + "/participants"), Route: RouteSessionParticipants,
			SessionID: liveSession, Query: url.Values{"page_no": {"2"}, "per_page": {"50"}}, Token: testToken, Time: now,
		},
		{
			Method: "POST", Path: apiPath("meetings/" + liveMeeting + "/active-session/kick"), Route: RouteKick,
			MeetingID: liveMeeting, Query: url.Values{}, Body: `{"participant_ids":["u-ann"],"custom_participant_ids":[]}`,
			Token: testToken, ContentType: "application/json", Time: now.Add(time.Second),
		},
		{
			Method: "GET", Path: apiPath("meetings/" + liveMeeting), Route: RouteMeeting, MeetingID: liveMeeting,
			Query: url.Values{}, Time: now.Add(time.Second),
		},
		{Method: "GET", Path: PathPrefix + "nowhere", Query: url.Values{}, Token: testToken, Time: now.Add(time.Second)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recorded requests (-want +got):\n%s", diff)
	}

	kicks := s.RequestsFor(RouteKick)
	var body targetsBody
	if len(kicks) != 1 || kicks[0].DecodeBody(&body) != nil || !cmp.Equal(body.ParticipantIDs, []string{"u-ann"}) {
		t.Errorf("RequestsFor(kick) = %v, decoded %+v; want the one kick of u-ann", kicks, body)
	}
	if s := kicks[0].String(); strings.Contains(s, testToken) || !strings.HasPrefix(s, "POST "+apiPath("meetings/")) {
		t.Errorf("Request.String() = %q: want method and path, never the token", s)
	}
	counts := []int{s.RequestCount(AllRoutes), s.RequestCount(RouteMeeting), s.RequestCount(RouteKick), s.RequestCount(RoutePoll)}
	if diff := cmp.Diff([]int{4, 1, 1, 0}, counts); diff != "" {
		t.Errorf("RequestCount(all, meeting, kick, poll) (-want +got):\n%s", diff)
	}

	s.ResetRequests()
	if len(s.Requests()) != 0 || s.RequestCount(AllRoutes) != 0 || s.RequestCount(RouteKick) != 0 {
		t.Errorf("after ResetRequests: %d requests, counts %d/%d", len(s.Requests()), s.RequestCount(AllRoutes), s.RequestCount(RouteKick))
	}
}

func TestMaxRecordedKeepsNewestAndExactCounts(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{Token: testToken, AccountID: testAccount, AppID: testApp, MaxRecorded: 3})
	for i := range 10 {
		do(t, s, http.MethodGet, apiPath("meetings/m"+strconv.Itoa(i)), "")
	}
	var got []string
	for _, r := range s.Requests() {
		got = append(got, r.MeetingID)
	}
	if diff := cmp.Diff([]string{"m7", "m8", "m9"}, got); diff != "" {
		t.Errorf("kept requests (-want +got):\n%s", diff)
	}
	if n := s.RequestCount(RouteMeeting); n != 10 {
		t.Errorf("RequestCount = %d, want 10", n)
	}
}

func TestWaitForRequests(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	sent := make(chan error, 1)
	go func() {
		// Not do(): t.Fatal must not be called off the test goroutine.
		for range 3 {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, s.httpSrv.URL+apiPath("meetings/"+liveMeeting), nil)
			res, err := s.Client().Do(req)
			if err != nil {
				sent <- err
				return
			}
			res.Body.Close()
		}
		sent <- nil
	}()
	defer func() {
		if err := <-sent; err != nil {
			t.Error(err)
		}
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := s.WaitForRequests(ctx, RouteMeeting, 3); err != nil {
		t.Fatalf("WaitForRequests(meeting, 3): %v", err)
	}
	short, cancelShort := context.WithCancel(t.Context())
	cancelShort()
	if err := s.WaitForRequests(short, RoutePoll, 1); err != context.Canceled {
		t.Errorf("WaitForRequests for a request that never comes = %v, want context.Canceled", err)
	}
}
