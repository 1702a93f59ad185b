package rtkfake

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/rtkbot/rtkbot/internal/testutil"
)

func TestAuthAndRouting(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	sessionPath := apiPath("meetings/" + liveMeeting + "/active-session")
	tests := []struct {
		name       string
		method     string
		path       string
		body       string
		auth       string
		wantStatus int
		wantBody   string
	}{
		{
			name: "no authorization header", method: "GET", path: sessionPath,
			wantStatus: 401, wantBody: cfErr(10000, "Authentication error"),
		},
		{
			name: "wrong token", method: "GET", path: sessionPath, auth: "Bearer not-" + testToken,
			wantStatus: 401, wantBody: cfErr(10000, "Authentication error"),
		},
		{
			name: "token without Bearer scheme", method: "GET", path: sessionPath, auth: testToken,
			wantStatus: 401, wantBody: cfErr(10000, "Authentication error"),
		},
		{
			name: "another account", method: "GET", auth: "Bearer " + testToken,
			path:       PathPrefix + "accounts/fedcba9876543210fedcba9876543210/realtime/kit/" + testApp + "/meetings/" + liveMeeting + "/active-session",
			wantStatus: 403, wantBody: cfErr(10000, "Authentication error"),
		},
		{
			name: "another app", method: "GET", auth: "Bearer " + testToken,
			path:       PathPrefix + "accounts/" + testAccount + "/realtime/kit/other-app/meetings/" + liveMeeting + "/active-session",
			wantStatus: 403, wantBody: cfErr(10000, "Authentication error"),
		},
		{
			name: "unknown resource", method: "GET", auth: "Bearer " + testToken,
			path:       apiPath("meetings/" + liveMeeting + "/recordings"),
			wantStatus: 404,
			wantBody:   cfErr(7003, "Could not route to "+apiPath("meetings/"+liveMeeting+"/recordings")+", perhaps your object identifier is invalid?"),
		},
		{
			name: "outside the API", method: "GET", auth: "Bearer " + testToken, path: "/v4/accounts",
			wantStatus: 404, wantBody: cfErr(7003, "Could not route to /v4/accounts, perhaps your object identifier is invalid?"),
		},
		{
			name: "GET on a POST route", method: "GET", auth: "Bearer " + testToken,
			path:       apiPath("meetings/" + liveMeeting + "/active-session/kick"),
			wantStatus: 405, wantBody: cfErr(10405, "Method not allowed"),
		},
		{
			name: "POST on a GET route", method: "POST", auth: "Bearer " + testToken, path: sessionPath, body: "{}",
			wantStatus: 405, wantBody: cfErr(10405, "Method not allowed"),
		},
		{
			name: "body over 1 MiB", method: "POST", auth: "Bearer " + testToken,
			path: apiPath("meetings/" + liveMeeting + "/active-session/poll"),
			body: `{"question":"` + strings.Repeat("x", maxBody) + `","options":["a"]}`, wantStatus: 413,
			wantBody: rtkErr(413, "Request body too large"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doWith(t, s, tt.method, tt.path, tt.body, tt.auth).check(t, tt.wantStatus, tt.wantBody)
		})
	}
	// Nothing above got past the gateway, so nothing changed.
	if got := len(s.Polls(liveMeeting)); got != 0 {
		t.Errorf("polls after rejected requests = %d, want 0", got)
	}
	if got := len(s.LiveParticipants(liveMeeting)); got != 5 {
		t.Errorf("live participants after rejected requests = %d, want 5", got)
	}
}

func TestContentTypeIsJSON(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	for _, path := range []string{
		apiPath("meetings/" + liveMeeting),         // success
		apiPath("meetings/" + unknownID),           // RealtimeKit error
		apiPath("meetings/" + liveMeeting + "/xx"), // gateway error
	} {
		r := do(t, s, http.MethodGet, path, "")
		if got := r.header.Get("Content-Type"); got != "application/json" {
			t.Errorf("GET %s: Content-Type = %q, want application/json", path, got)
		}
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	if got, want := s.BaseURL(), s.httpSrv.URL+"/client/v4/"; got != want {
		t.Errorf("BaseURL() = %q, want %q", got, want)
	}
	if s.Token() != DefaultToken || s.AccountID() != DefaultAccountID || s.AppID() != DefaultAppID {
		t.Errorf("credentials = %q, %q, %q; want the defaults", s.Token(), s.AccountID(), s.AppID())
	}
	s.AddMeeting(Meeting{Title: "Generated ID"})
	ms := s.Meetings()
	if len(ms) != 1 || len(ms[0].ID) != 36 || ms[0].Status != MeetingActive {
		t.Fatalf("meetings = %+v, want one ACTIVE meeting with a UUID", ms)
	}
	path := PathPrefix + "accounts/" + DefaultAccountID + "/realtime/kit/" + DefaultAppID + "/meetings/" + ms[0].ID
	r := doWith(t, s, http.MethodGet, path, "", "Bearer "+DefaultToken)
	if r.status != http.StatusOK {
		t.Errorf("GET with default credentials: status %d, body %s", r.status, r.body)
	}
}

func TestSequentialIDs(t *testing.T) {
	t.Parallel()
	next := SequentialIDs()
	got := []string{next(), next(), next()}
	want := []string{
		"00000000-0000-4000-8000-000000000001",
		"00000000-0000-4000-8000-000000000002",
		"00000000-0000-4000-8000-000000000003",
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("id %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// The request log names route, meeting and status, and never the token.
func TestRequestLog(t *testing.T) {
	t.Parallel()
	var buf testutil.Buffer
	s := NewTestServer(t, Config{Token: testToken, AccountID: testAccount, AppID: testApp,
		Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	s.AddMeeting(fixtureMeeting())
	do(t, s, http.MethodPost, apiPath("meetings/"+liveMeeting+"/active-session/kick"), `{"participant_ids": ["u-nobody"]}`)
	line := buf.String()
	for _, want := range []string{"method=POST", "route=kick", "meeting_id=" + liveMeeting, "status=404"} {
		if !strings.Contains(line, want) {
			t.Errorf("log %q lacks %q", line, want)
		}
	}
	if strings.Contains(line, testToken) || strings.Contains(line, "u-nobody") {
		t.Errorf("log %q shows the token or the body", line)
	}
}
