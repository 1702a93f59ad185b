package realtime_test

import (
	"encoding/json"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"

	"github.com/rtkbot/rtkbot/internal/realtime"
	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
)

// Shared fixtures of the tests that run against the fake RealtimeKit.

const (
	testToken   = "rtk-test-token-0d9f8e7c"
	testAccount = "023e105f4ecef8ad9ca31a8372d0c353"
	testApp     = "5a8d9e0c-2b7f-4c1e-9d3a-6f4b2c1e8a70"
	meetingID   = "6bf2b8be-04dd-4191-b602-1128921a306b"
	idleMeeting = "0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5" // exists, nobody in it
	noMeeting   = "ffffffff-0000-4000-8000-000000000000" // does not exist
	sessionID   = "813432c7-3c5a-45e2-9acf-eef7061c7584"
)

// t0 is when the standup's session started; the fake's clock reads t0+10m.
var t0 = time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)

// standup is a live meeting: Ana and Bob are in, Cy has left.
func standup() rtkfake.Meeting {
	left := t0.Add(5 * time.Minute)
	return rtkfake.Meeting{
		ID:    meetingID,
		Title: "Standup",
		Participants: []rtkfake.Participant{
			{UserID: "u-ana", CustomParticipantID: "ana@example.com", Name: "Ana", Preset: "host"},
			{UserID: "u-bob", CustomParticipantID: "bob@example.com", Name: "Bob", Preset: "participant"},
			{UserID: "u-cy", CustomParticipantID: "cy@example.com", Name: "Cy", Preset: "participant"},
		},
		Session: &rtkfake.Session{
			ID:            sessionID,
			StartedAt:     t0,
			MaxConcurrent: 3,
			Participants: []rtkfake.Participant{
				{PeerID: "peer-ana", UserID: "u-ana", JoinedAt: t0.Add(time.Minute)},
				{PeerID: "peer-cy", UserID: "u-cy", JoinedAt: t0.Add(90 * time.Second), LeftAt: &left},
				{PeerID: "peer-bob", UserID: "u-bob", JoinedAt: t0.Add(2 * time.Minute)},
			},
		},
	}
}

// newFake starts a fake RealtimeKit holding the standup and an idle
// meeting, with a fixed clock and predictable IDs.
func newFake(t testing.TB) *rtkfake.Server {
	t.Helper()
	f := rtkfake.NewTestServer(t, rtkfake.Config{
		Token:     testToken,
		AccountID: testAccount,
		AppID:     testApp,
		Now:       func() time.Time { return t0.Add(10 * time.Minute) },
		NewID:     rtkfake.SequentialIDs(),
	})
	f.AddMeeting(standup())
	f.AddMeeting(rtkfake.Meeting{ID: idleMeeting, Title: "Retro"})
	return f
}

// newClient returns a client of f without rate limit or retry delays;
// tweak adjusts the config.
func newClient(t testing.TB, f *rtkfake.Server, tweak ...func(*realtime.Config)) *realtime.Client {
	t.Helper()
	cfg := realtime.Config{
		APIToken:   testToken,
		AccountID:  testAccount,
		AppID:      testApp,
		BaseURL:    f.BaseURL(),
		RateLimit:  rate.Inf,
		RetryDelay: time.Millisecond,
	}
	for _, fn := range tweak {
		fn(&cfg)
	}
	c, err := realtime.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// apiPath is the full request path of a resource of the test app.
func apiPath(rest string) string {
	return rtkfake.PathPrefix + "accounts/" + testAccount + "/realtime/kit/" + testApp + "/" + rest
}

// wireRequest is what a test expects the fake to have received.
type wireRequest struct {
	Method string
	Path   string
	Query  url.Values // nil: none
	Body   any        // decoded JSON; nil: no body
}

// received summarizes the fake's recorded requests as wireRequests, and
// checks that each carried the token.
func received(t *testing.T, f *rtkfake.Server) []wireRequest {
	t.Helper()
	var out []wireRequest
	for _, r := range f.Requests() {
		if r.BearerToken() != testToken {
			t.Errorf("%s: Authorization is not the configured bearer token", r)
		}
		w := wireRequest{Method: r.Method, Path: r.Path}
		if len(r.Query) > 0 {
			w.Query = r.Query
		}
		if len(r.Body) > 0 {
			if err := json.Unmarshal(r.Body, &w.Body); err != nil {
				t.Errorf("%s: body is not JSON: %v", r, err)
			}
		}
		out = append(out, w)
	}
	return out
}

// jsonOf decodes s, for expected bodies written as JSON text.
func jsonOf(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

func diffRequests(t *testing.T, f *rtkfake.Server, want []wireRequest) {
	t.Helper()
	if diff := cmp.Diff(want, received(t, f)); diff != "" {
		t.Errorf("requests received by RealtimeKit (-want +got):\n%s", diff)
	}
}

// clock is a settable clock for Config.Now.
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
