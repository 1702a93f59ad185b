package realtime_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rtkbot/rtkbot/internal/meeting"
	"github.com/rtkbot/rtkbot/internal/realtime"
	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
)

// TestErrorMapping checks that each way RealtimeKit (or the Cloudflare
// gateway in front of it) says no becomes the error callers match on, with
// the upstream status and message kept for logs. Retries are off here; they
// have their own tests.
func TestErrorMapping(t *testing.T) {
	t.Parallel()
	poll := func(ctx context.Context, c *realtime.Client, id string) error {
		_, err := c.CreatePoll(ctx, id, "Lunch?", []string{"Pizza", "Salad"}, false, false)
		return err
	}
	tests := []struct {
		name   string
		fault  map[string]rtkfake.Fault
		tweak  func(*realtime.Config)
		call   func(ctx context.Context, c *realtime.Client) error
		wantIs error              // sentinel; nil: none may match
		want   *realtime.APIError // Status, Code, Message, Route; nil: not an *APIError
		// wantRoutes are the routes the fake saw, in order.
		wantRoutes []string
	}{
		{
			name:       "unknown meeting",
			call:       func(ctx context.Context, c *realtime.Client) error { _, err := c.Meeting(ctx, noMeeting); return err },
			wantIs:     meeting.ErrMeetingNotFound,
			want:       &realtime.APIError{Status: 404, Code: "404", Message: "No meeting found for meeting_id " + noMeeting, Route: "GET meetings/{meeting_id}"},
			wantRoutes: []string{rtkfake.RouteMeeting},
		},
		{
			name: "active session of an unknown meeting",
			call: func(ctx context.Context, c *realtime.Client) error {
				_, err := c.ActiveSession(ctx, noMeeting)
				return err
			},
			wantIs:     meeting.ErrMeetingNotFound,
			want:       &realtime.APIError{Status: 404, Code: "404", Message: "No meeting found for meeting_id " + noMeeting, Route: "GET meetings/{meeting_id}/active-session"},
			wantRoutes: []string{rtkfake.RouteActiveSession},
		},
		{
			// The 404 alone does not say whether the meeting exists, so the
			// client asks for the meeting before answering.
			name: "no active session",
			call: func(ctx context.Context, c *realtime.Client) error {
				_, err := c.ActiveSession(ctx, idleMeeting)
				return err
			},
			wantIs:     meeting.ErrNoActiveSession,
			want:       &realtime.APIError{Status: 404, Code: "404", Message: "No active session found for meeting_id " + idleMeeting, Route: "GET meetings/{meeting_id}/active-session"},
			wantRoutes: []string{rtkfake.RouteActiveSession, rtkfake.RouteMeeting},
		},
		{
			name: "live participants without a session",
			call: func(ctx context.Context, c *realtime.Client) error {
				_, err := c.LiveParticipants(ctx, idleMeeting)
				return err
			},
			wantIs:     meeting.ErrNoActiveSession,
			want:       &realtime.APIError{Status: 404, Code: "404", Message: "No active session found for meeting_id " + idleMeeting, Route: "GET meetings/{meeting_id}/active-session"},
			wantRoutes: []string{rtkfake.RouteActiveSession, rtkfake.RouteMeeting},
		},
		{
			name: "participants of an unknown meeting",
			call: func(ctx context.Context, c *realtime.Client) error {
				_, err := c.MeetingParticipants(ctx, noMeeting)
				return err
			},
			wantIs:     meeting.ErrMeetingNotFound,
			want:       &realtime.APIError{Status: 404, Code: "404", Message: "No meeting found for meeting_id " + noMeeting, Route: "GET meetings/{meeting_id}/participants"},
			wantRoutes: []string{rtkfake.RouteMeetingParticipants},
		},
		{
			name: "kick someone not in the session",
			call: func(ctx context.Context, c *realtime.Client) error {
				_, err := c.Kick(ctx, meetingID, meeting.Targets{ParticipantIDs: []string{"u-ana", "u-zed"}})
				return err
			},
			wantIs:     meeting.ErrParticipantNotFound,
			want:       &realtime.APIError{Status: 404, Code: "404", Message: "No user found with id u-zed", Route: "POST meetings/{meeting_id}/active-session/kick"},
			wantRoutes: []string{rtkfake.RouteKick},
		},
		{
			name: "mute an unknown custom ID",
			call: func(ctx context.Context, c *realtime.Client) error {
				_, err := c.Mute(ctx, meetingID, meeting.Targets{CustomParticipantIDs: []string{"zed@example.com"}})
				return err
			},
			wantIs:     meeting.ErrParticipantNotFound,
			want:       &realtime.APIError{Status: 404, Code: "404", Message: "No user found with id zed@example.com", Route: "POST meetings/{meeting_id}/active-session/mute"},
			wantRoutes: []string{rtkfake.RouteMute},
		},
		{
			name: "kick in an empty meeting",
			call: func(ctx context.Context, c *realtime.Client) error {
				_, err := c.Kick(ctx, idleMeeting, meeting.Targets{ParticipantIDs: []string{"u-ana"}})
				return err
			},
			wantIs:     meeting.ErrNoActiveSession,
			want:       &realtime.APIError{Status: 404, Code: "404", Message: "No active session found for meeting_id " + idleMeeting, Route: "POST meetings/{meeting_id}/active-session/kick"},
			wantRoutes: []string{rtkfake.RouteKick},
		},
		{
			name: "mute in an unknown meeting",
			call: func(ctx context.Context, c *realtime.Client) error {
				_, err := c.Mute(ctx, noMeeting, meeting.Targets{ParticipantIDs: []string{"u-ana"}})
				return err
			},
			wantIs:     meeting.ErrMeetingNotFound,
			want:       &realtime.APIError{Status: 404, Code: "404", Message: "No meeting found for meeting_id " + noMeeting, Route: "POST meetings/{meeting_id}/active-session/mute"},
			wantRoutes: []string{rtkfake.RouteMute},
		},
		{
			name:       "kick-all in an empty meeting",
			call:       func(ctx context.Context, c *realtime.Client) error { _, err := c.KickAll(ctx, idleMeeting); return err },
			wantIs:     meeting.ErrNoActiveSession,
			want:       &realtime.APIError{Status: 404, Code: "404", Message: "No active session found for meeting_id " + idleMeeting, Route: "POST meetings/{meeting_id}/active-session/kick-all"},
			wantRoutes: []string{rtkfake.RouteKickAll},
		},
		{
			name:       "kick-all in an unknown meeting",
			call:       func(ctx context.Context, c *realtime.Client) error { _, err := c.KickAll(ctx, noMeeting); return err },
			wantIs:     meeting.ErrMeetingNotFound,
			want:       &realtime.APIError{Status: 404, Code: "404", Message: "No meeting found for meeting_id " + noMeeting, Route: "POST meetings/{meeting_id}/active-session/kick-all"},
			wantRoutes: []string{rtkfake.RouteKickAll},
		},
		{
			name: "mute-all in an empty meeting",
			call: func(ctx context.Context, c *realtime.Client) error {
				_, err := c.MuteAll(ctx, idleMeeting, true)
				return err
			},
			wantIs:     meeting.ErrNoActiveSession,
			want:       &realtime.APIError{Status: 404, Code: "404", Message: "No active session found for meeting_id " + idleMeeting, Route: "POST meetings/{meeting_id}/active-session/mute-all"},
			wantRoutes: []string{rtkfake.RouteMuteAll},
		},
		{
			name:       "poll in an empty meeting",
			call:       func(ctx context.Context, c *realtime.Client) error { return poll(ctx, c, idleMeeting) },
			wantIs:     meeting.ErrNoActiveSession,
			want:       &realtime.APIError{Status: 404, Code: "404", Message: "No active session found for meeting_id " + idleMeeting, Route: "POST meetings/{meeting_id}/active-session/poll"},
			wantRoutes: []string{rtkfake.RoutePoll},
		},
		{
			name:  "wrong token",
			tweak: func(c *realtime.Config) { c.APIToken = "not-the-token" },
			call: func(ctx context.Context, c *realtime.Client) error {
				_, err := c.ActiveSession(ctx, meetingID)
				return err
			},
			wantIs:     meeting.ErrUnauthorized,
			want:       &realtime.APIError{Status: 401, Code: "10000", Message: "Authentication error", Route: "GET meetings/{meeting_id}/active-session"},
			wantRoutes: []string{rtkfake.RouteActiveSession},
		},
		{
			name:       "another account",
			tweak:      func(c *realtime.Config) { c.AccountID = "0000000000000000000000000000beef" },
			call:       func(ctx context.Context, c *realtime.Client) error { _, err := c.KickAll(ctx, meetingID); return err },
			wantIs:     meeting.ErrUnauthorized,
			want:       &realtime.APIError{Status: 403, Code: "10000", Message: "Authentication error", Route: "POST meetings/{meeting_id}/active-session/kick-all"},
			wantRoutes: []string{rtkfake.RouteKickAll},
		},
		{
			name:  "token without the permission",
			fault: map[string]rtkfake.Fault{rtkfake.RouteMute: {Status: 403}},
			call: func(ctx context.Context, c *realtime.Client) error {
				_, err := c.Mute(ctx, meetingID, meeting.Targets{ParticipantIDs: []string{"u-ana"}})
				return err
			},
			wantIs:     meeting.ErrUnauthorized,
			want:       &realtime.APIError{Status: 403, Code: "10000", Message: "Authentication error", Route: "POST meetings/{meeting_id}/active-session/mute"},
			wantRoutes: []string{rtkfake.RouteMute},
		},
		{
			name:       "server error",
			fault:      map[string]rtkfake.Fault{rtkfake.RouteMeeting: {Status: 503}},
			call:       func(ctx context.Context, c *realtime.Client) error { _, err := c.Meeting(ctx, meetingID); return err },
			wantIs:     meeting.ErrUpstream,
			want:       &realtime.APIError{Status: 503, Code: "503", Message: "Service Unavailable", Route: "GET meetings/{meeting_id}"},
			wantRoutes: []string{rtkfake.RouteMeeting},
		},
		{
			name:       "proxy error page",
			fault:      map[string]rtkfake.Fault{rtkfake.RouteKickAll: {Status: 502, Body: []byte("<html><h1>502 Bad Gateway</h1></html>")}},
			call:       func(ctx context.Context, c *realtime.Client) error { _, err := c.KickAll(ctx, meetingID); return err },
			wantIs:     meeting.ErrUpstream,
			want:       &realtime.APIError{Status: 502, Message: "Bad Gateway: <html><h1>502 Bad Gateway</h1></html>", Route: "POST meetings/{meeting_id}/active-session/kick-all"},
			wantRoutes: []string{rtkfake.RouteKickAll},
		},
		{
			// Not something a user can act on: no sentinel, but the
			// upstream's reason is kept.
			name: "request refused",
			call: func(ctx context.Context, c *realtime.Client) error {
				_, err := c.CreatePoll(ctx, meetingID, "Lunch?", []string{"Pizza", " "}, false, false)
				return err
			},
			wantIs:     nil,
			want:       &realtime.APIError{Status: 400, Code: "400", Message: "options must not contain empty options", Route: "POST meetings/{meeting_id}/active-session/poll"},
			wantRoutes: []string{rtkfake.RoutePoll},
		},
		{
			// Cloudflare's gateway knows no such path: a configuration
			// problem, not a missing meeting.
			name:  "base URL routes nowhere",
			tweak: func(c *realtime.Config) { c.BaseURL = strings.Replace(c.BaseURL, "/client/v4/", "/client/v4/v4/", 1) },
			call: func(ctx context.Context, c *realtime.Client) error {
				_, err := c.ActiveSession(ctx, meetingID)
				return err
			},
			want:       &realtime.APIError{Status: 404, Code: "7003", Message: "Could not route to /client/v4/v4/accounts/" + testAccount + "/realtime/kit/" + testApp + "/meetings/" + meetingID + "/active-session, perhaps your object identifier is invalid?", Route: "GET meetings/{meeting_id}/active-session"},
			wantRoutes: []string{""},
		},
		{
			name:       "caller gave up",
			fault:      map[string]rtkfake.Fault{rtkfake.RouteActiveSession: {Hang: true}},
			tweak:      func(c *realtime.Config) { c.MaxRetries = 3 },
			call:       func(ctx context.Context, c *realtime.Client) error { return callWithin(ctx, 50*time.Millisecond, c) },
			wantIs:     context.DeadlineExceeded,
			wantRoutes: []string{rtkfake.RouteActiveSession},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			for route, fault := range tt.fault {
				f.SetFault(route, fault)
			}
			c := newClient(t, f, func(c *realtime.Config) {
				c.MaxRetries = -1
				if tt.tweak != nil {
					tt.tweak(c)
				}
			})
			err := tt.call(t.Context(), c)
			if err == nil {
				t.Fatal("err = nil")
			}
			checkError(t, err, tt.wantIs, tt.want)
			var routes []string
			for _, r := range f.Requests() {
				routes = append(routes, r.Route)
			}
			if diff := cmp.Diff(tt.wantRoutes, routes); diff != "" {
				t.Errorf("routes requested (-want +got):\n%s", diff)
			}
		})
	}
}

func callWithin(ctx context.Context, d time.Duration, c *realtime.Client) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	_, err := c.ActiveSession(ctx, meetingID)
	return err
}

// checkError checks err against a sentinel and the *APIError it should
// wrap, and that it does not reveal the token.
func checkError(t *testing.T, err, wantIs error, want *realtime.APIError) {
	t.Helper()
	if wantIs != nil && !errors.Is(err, wantIs) {
		t.Errorf("err = %v, want errors.Is %v", err, wantIs)
	}
	for _, s := range []error{meeting.ErrMeetingNotFound, meeting.ErrNoActiveSession, meeting.ErrParticipantNotFound, meeting.ErrUnauthorized, meeting.ErrUpstream} {
		if s != wantIs && errors.Is(err, s) {
			t.Errorf("err = %v, also matches %v", err, s)
		}
	}
	var got *realtime.APIError
	switch {
	case want == nil && errors.As(err, &got):
		t.Errorf("err = %v, an *APIError; want none", err)
	case want != nil && !errors.As(err, &got):
		t.Errorf("err = %v (%T), want an *APIError", err, err)
	case want != nil:
		if diff := cmp.Diff(*want, *got, cmpopts.IgnoreUnexported(realtime.APIError{})); diff != "" {
			t.Errorf("APIError (-want +got):\n%s", diff)
		}
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("error reveals the token: %v", err)
	}
}

// TestTransportErrorIsUpstream checks that a RealtimeKit that cannot be
// reached at all is reported as meeting.ErrUpstream, after the retries.
func TestTransportErrorIsUpstream(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	var statuses []int
	c, err := realtime.New(realtime.Config{
		APIToken: testToken, AccountID: testAccount, AppID: testApp,
		BaseURL:    "http://" + addr + "/client/v4/",
		RetryDelay: time.Millisecond,
		MaxRetries: 2,
		OnRequest:  func(_ string, status int, _ time.Duration) { statuses = append(statuses, status) },
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Meeting(t.Context(), meetingID)
	if !errors.Is(err, meeting.ErrUpstream) {
		t.Fatalf("err = %v, want ErrUpstream", err)
	}
	var apiErr *realtime.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 0 || !strings.Contains(apiErr.Message, "connect") {
		t.Errorf("err = %#v, want an APIError with status 0 naming the connection failure", apiErr)
	}
	if diff := cmp.Diff([]int{0, 0, 0}, statuses); diff != "" {
		t.Errorf("attempts' statuses (-want +got):\n%s", diff)
	}
}

// TestRateLimitErrorCarriesRetryAfter checks the 429 mapping when no retry
// is allowed.
func TestRateLimitErrorCarriesRetryAfter(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.SetFault(rtkfake.RouteKick, rtkfake.Fault{Status: http.StatusTooManyRequests, RetryAfter: 7 * time.Second})
	c := newClient(t, f, func(c *realtime.Config) { c.MaxRetries = -1 })
	_, err := c.Kick(t.Context(), meetingID, meeting.Targets{ParticipantIDs: []string{"u-bob"}})
	var rl *meeting.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v, want a *RateLimitError", err)
	}
	want := meeting.RateLimitError{RetryAfter: 7 * time.Second, Route: "POST meetings/{meeting_id}/active-session/kick"}
	if *rl != want {
		t.Errorf("RateLimitError = %+v, want %+v", *rl, want)
	}
	wantLive(t, f, "u-ana", "u-bob")
}
