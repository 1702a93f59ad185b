package rtkfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	testToken   = "test-token"
	testAccount = "0123456789abcdef0123456789abcdef"
	testApp     = "app-under-test"

	liveMeeting  = "11111111-1111-4111-8111-111111111111"
	emptyMeeting = "22222222-2222-4222-8222-222222222222"
	liveSession  = "33333333-3333-4333-8333-333333333333"
	unknownID    = "99999999-9999-4999-8999-999999999999"
)

// t0 is when the fixture's session started; the clock starts 30 minutes
// later.
var t0 = time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)

// clock is a settable Config.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func at(d time.Duration) *time.Time {
	t := t0.Add(d)
	return &t
}

// fixtureMeeting has a live session with: Ann (host), Bob on two devices,
// Cat who left and rejoined, a guest without user ID; and Dan, registered
// but never joined.
func fixtureMeeting() Meeting {
	return Meeting{
		ID:        liveMeeting,
		Title:     "Standup & <Retro>",
		CreatedAt: t0.Add(-24 * time.Hour),
		Participants: []Participant{
			{UserID: "u-ann", CustomParticipantID: "ann@example.com", Name: "Ann", Preset: "group_call_host"},
			{UserID: "u-bob", CustomParticipantID: "bob@example.com", Name: "Bob", Preset: "group_call_participant"},
			{UserID: "u-cat", CustomParticipantID: "cat@example.com", Name: "Cat", Preset: "group_call_participant"},
			{UserID: "u-dan", CustomParticipantID: "dan@example.com", Name: "Dan", Preset: "group_call_participant"},
		},
		Session: &Session{
			ID:            liveSession,
			StartedAt:     t0,
			MaxConcurrent: 9,
			Participants: []Participant{
				{PeerID: "p-ann", UserID: "u-ann", JoinedAt: t0},
				{PeerID: "p-bob", UserID: "u-bob", JoinedAt: t0.Add(time.Minute)},
				{PeerID: "p-cat1", UserID: "u-cat", JoinedAt: t0.Add(2 * time.Minute), LeftAt: at(10 * time.Minute)},
				{PeerID: "p-bob2", UserID: "u-bob", Name: "Bob (phone)", JoinedAt: t0.Add(5 * time.Minute)},
				{PeerID: "p-guest", Name: "Guest Gus", Preset: "webinar_viewer", JoinedAt: t0.Add(6 * time.Minute)},
				{PeerID: "p-cat2", UserID: "u-cat", JoinedAt: t0.Add(12 * time.Minute)},
			},
		},
	}
}

// newFixture starts a server holding fixtureMeeting and an empty meeting,
// with a clock at t0+30m and sequential IDs.
func newFixture(t *testing.T) (*Server, *clock) {
	t.Helper()
	clk := &clock{now: t0.Add(30 * time.Minute)}
	s := NewTestServer(t, Config{
		Token: testToken, AccountID: testAccount, AppID: testApp,
		Now: clk.Now, NewID: SequentialIDs(),
	})
	s.AddMeeting(fixtureMeeting())
	s.AddMeeting(Meeting{ID: emptyMeeting, Title: "Empty room", CreatedAt: t0})
	return s, clk
}

// response is what a client saw.
type response struct {
	status int
	header http.Header
	body   []byte
}

// apiPath is the path of an API resource under the fixture's account and
// app, e.g. apiPath("meetings/x").
func apiPath(rest string) string {
	return PathPrefix + "accounts/" + testAccount + "/realtime/kit/" + testApp + "/" + rest
}

// do sends a request with the fixture's token to path (absolute, from
// apiPath or PathPrefix).
func do(t *testing.T, s *Server, method, path, body string) response {
	t.Helper()
	return doWith(t, s, method, path, body, "Bearer "+testToken)
}

func doWith(t *testing.T, s *Server, method, path, body, auth string) response {
	t.Helper()
	r, err := send(t.Context(), s, method, path, body, auth)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// send is do for goroutines other than the test's, which must not call
// t.Fatal; it uses the fixture's token.
func send(ctx context.Context, s *Server, method, path, body, auth string) (response, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(s.BaseURL(), PathPrefix)+path, rd)
	if err != nil {
		return response{}, err
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := s.Client().Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: res.StatusCode, header: res.Header, body: b}, nil
}

// status is the status of a request sent off the test goroutine, or -1 if
// it failed.
func status(t *testing.T, s *Server, method, path, body string) int {
	r, err := send(t.Context(), s, method, path, body, "Bearer "+testToken)
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return -1
	}
	return r.status
}

// checkJSON fails the test unless got is the same JSON as want, ignoring
// formatting and key order.
func checkJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v", err)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		var pretty bytes.Buffer
		_ = json.Indent(&pretty, got, "", "  ")
		t.Errorf("body mismatch (-want +got):\n%s\ngot:\n%s", diff, pretty.String())
	}
}

// check compares status and body.
func (r response) check(t *testing.T, status int, body string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	checkJSON(t, r.body, body)
}

// rtkErr is RealtimeKit's error envelope, written out rather than built
// from the package's own types so that a change to them shows here.
func rtkErr(status int, msg string) string {
	return fmt.Sprintf(`{"success": false, "error": {"code": %d, "message": %q}}`, status, msg)
}

// cfErr is Cloudflare's gateway error envelope.
func cfErr(code int, msg string) string {
	return fmt.Sprintf(`{"success": false, "errors": [{"code": %d, "message": %q}], "messages": [], "result": null}`, code, msg)
}
