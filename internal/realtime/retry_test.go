package realtime_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"

	"github.com/rtkbot/rtkbot/internal/meeting"
	"github.com/rtkbot/rtkbot/internal/realtime"
	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
	"github.com/rtkbot/rtkbot/internal/testutil"
)

// TestRetries checks which failures are retried, and that a retried call
// ends with the upstream's answer.
func TestRetries(t *testing.T) {
	t.Parallel()
	kickBob := func(ctx context.Context, c *realtime.Client) error {
		a, err := c.Kick(ctx, meetingID, meeting.Targets{ParticipantIDs: []string{"u-bob"}})
		if err == nil && (len(a) != 1 || a[0].ID != "u-bob") {
			return errors.New("kick did not report Bob")
		}
		return err
	}
	session := func(ctx context.Context, c *realtime.Client) error {
		s, err := c.ActiveSession(ctx, meetingID)
		if err == nil && s.ID != sessionID {
			return errors.New("wrong session")
		}
		return err
	}
	muteAll := func(ctx context.Context, c *realtime.Client) error {
		_, err := c.MuteAll(ctx, meetingID, true)
		return err
	}
	getMeeting := func(ctx context.Context, c *realtime.Client) error {
		_, err := c.Meeting(ctx, meetingID)
		return err
	}
	kickAll := func(ctx context.Context, c *realtime.Client) error {
		_, err := c.KickAll(ctx, meetingID)
		return err
	}
	tests := []struct {
		name       string
		route      string
		fault      rtkfake.Fault
		call       func(context.Context, *realtime.Client) error
		wantStatus int // of the *APIError; 0: success
		wantIs     error
		wantCount  int // requests on route
	}{
		{name: "GET after a 429", route: rtkfake.RouteActiveSession, fault: rtkfake.Fault{Status: 429, RetryAfter: time.Second, Times: 1}, call: session, wantCount: 2},
		{name: "GET after two 500s", route: rtkfake.RouteActiveSession, fault: rtkfake.Fault{Status: 500, Times: 2}, call: session, wantCount: 3},
		{name: "kick after a 503", route: rtkfake.RouteKick, fault: rtkfake.Fault{Status: 503, Times: 1}, call: kickBob, wantCount: 2},
		{name: "kick after a 429", route: rtkfake.RouteKick, fault: rtkfake.Fault{Status: 429, RetryAfter: time.Second, Times: 1}, call: kickBob, wantCount: 2},
		{name: "mute-all after a 502", route: rtkfake.RouteMuteAll, fault: rtkfake.Fault{Status: 502, Times: 1}, call: muteAll, wantCount: 2},
		{name: "no retry on 400", route: rtkfake.RouteMeeting, fault: rtkfake.Fault{Status: 400, Times: 1}, call: getMeeting, wantStatus: 400, wantCount: 1},
		{name: "no retry on 401", route: rtkfake.RouteKick, fault: rtkfake.Fault{Status: 401, Times: 1}, call: kickBob, wantStatus: 401, wantIs: meeting.ErrUnauthorized, wantCount: 1},
		{name: "500 until retries run out", route: rtkfake.RouteKickAll, fault: rtkfake.Fault{Status: 500}, call: kickAll, wantStatus: 500, wantIs: meeting.ErrUpstream, wantCount: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.SetFault(tt.route, tt.fault)
			c := newClient(t, f, func(c *realtime.Config) { c.MaxRetries = 3 })
			err := tt.call(t.Context(), c)
			var apiErr *realtime.APIError
			switch {
			case tt.wantStatus == 0 && err != nil:
				t.Errorf("err = %v, want success after the retry", err)
			case tt.wantStatus != 0 && (!errors.As(err, &apiErr) || apiErr.Status != tt.wantStatus):
				t.Errorf("err = %v, want an APIError with status %d", err, tt.wantStatus)
			case tt.wantIs != nil && !errors.Is(err, tt.wantIs):
				t.Errorf("err = %v, want %v", err, tt.wantIs)
			}
			if got := f.RequestCount(tt.route); got != tt.wantCount {
				t.Errorf("%d requests on %s, want %d", got, tt.route, tt.wantCount)
			}
		})
	}
}

// TestRetriesStopAtDeadline checks that a failing upstream yields a clear
// error before the caller's deadline, rather than the deadline itself: a
// retry whose backoff cannot end before the deadline is not waited for.
// The backoffs and deadlines are far apart (minutes against seconds), so a
// loaded machine cannot blur which side of the deadline a retry falls on.
func TestRetriesStopAtDeadline(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		retryDelay time.Duration
		wantCount  int
	}{
		// The first backoff (30-60 s) would end after the 20 s deadline.
		{"first backoff beyond the deadline", time.Minute, 1},
		// Backoffs of a few ms fit; the retries run out first.
		{"retries used up before the deadline", time.Millisecond, 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.SetFault(rtkfake.RouteActiveSession, rtkfake.Fault{Status: 500})
			c := newClient(t, f, func(c *realtime.Config) { c.MaxRetries = 3; c.RetryDelay = tt.retryDelay })
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			_, err := c.ActiveSession(ctx, meetingID)
			if ctx.Err() != nil {
				t.Errorf("returned after the deadline (err %v), want before it", err)
			}
			var apiErr *realtime.APIError
			if !errors.Is(err, meeting.ErrUpstream) || !errors.As(err, &apiErr) || apiErr.Status != 500 {
				t.Errorf("err = %v, want ErrUpstream with status 500", err)
			}
			if n := f.RequestCount(rtkfake.RouteActiveSession); n != tt.wantCount {
				t.Errorf("%d attempts, want %d", n, tt.wantCount)
			}
		})
	}
}

// TestRetryAfterBeyondDeadline checks that a 429 asking for a longer wait
// than the caller can afford is answered at once with the wait, so the user
// can be told when to try again.
func TestRetryAfterBeyondDeadline(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.SetFault(rtkfake.RouteMuteAll, rtkfake.Fault{Status: 429, RetryAfter: time.Minute})
	c := newClient(t, f, func(c *realtime.Config) { c.MaxRetries = 3 })
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	_, err := c.MuteAll(ctx, meetingID, false)
	if ctx.Err() != nil {
		t.Error("waited until the deadline, want an answer at once")
	}
	var rl *meeting.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != time.Minute {
		t.Errorf("err = %v, want a RateLimitError with RetryAfter 1m", err)
	}
	if n := f.RequestCount(rtkfake.RouteMuteAll); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// TestRateLimiterWaitBeyondDeadline checks that when the client's own
// limiter cannot grant a request before the deadline, the call fails at
// once with a meeting.RateLimitError instead of sending late or waiting in vain.
func TestRateLimiterWaitBeyondDeadline(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	// One token a minute: the second call's token comes ~60 s after the
	// first, far beyond its 10 s deadline however slow the machine is.
	c := newClient(t, f, func(c *realtime.Config) { c.RateLimit = rate.Every(time.Minute); c.Burst = 1; c.CacheTTL = -1 })
	if _, err := c.Meeting(t.Context(), meetingID); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := c.Meeting(ctx, meetingID)
	var rl *meeting.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter <= 10*time.Second {
		t.Errorf("err = %v, want a RateLimitError asking to wait ~1m", err)
	}
	if ctx.Err() != nil {
		t.Error("waited until the deadline, want an answer at once")
	}
	if n := f.RequestCount(rtkfake.RouteMeeting); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// TestGETRetriedAfterTimeout: an attempt that times out is retried for a
// read (contrast with TestCreatePollNotRetriedAfterTimeout).
func TestGETRetriedAfterTimeout(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.SetFault(rtkfake.RouteMeeting, rtkfake.Fault{Hang: true, Times: 1})
	// Long enough that the retry, which is not held, answers in time on a
	// busy machine.
	c := newClient(t, f, func(c *realtime.Config) { c.HTTPClient = &http.Client{Timeout: 3 * time.Second} })
	m, err := c.Meeting(t.Context(), meetingID)
	if err != nil || m.Title != "Standup" {
		t.Fatalf("Meeting = %+v, %v; want the standup after a retry", m, err)
	}
	if n := f.RequestCount(rtkfake.RouteMeeting); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

// TestCreatePollNotRetriedAfterTimeout: the poll request reaches
// RealtimeKit, which creates the poll, but the answer never comes back in
// time. Retrying would put a second poll in front of the meeting.
func TestCreatePollNotRetriedAfterTimeout(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	proxy := lostAnswers(t, f)
	c := newClient(t, f, func(c *realtime.Config) {
		c.BaseURL = proxy
		c.MaxRetries = 3
	})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	_, err := c.CreatePoll(ctx, meetingID, "Lunch?", []string{"Pizza", "Salad"}, false, false)
	if err == nil {
		t.Fatal("CreatePoll succeeded, want the timeout")
	}
	if n := f.RequestCount(rtkfake.RoutePoll); n != 1 {
		t.Errorf("%d poll requests reached RealtimeKit, want exactly 1", n)
	}
	if polls := f.Polls(meetingID); len(polls) != 1 {
		t.Errorf("%d polls in the meeting, want exactly 1", len(polls))
	}

	// The same lost answer on an idempotent kick is retried: that is what
	// the poll must not do.
	kctx, kcancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer kcancel()
	_, _ = c.Kick(kctx, meetingID, meeting.Targets{ParticipantIDs: []string{"u-bob"}})
	if n := f.RequestCount(rtkfake.RouteKick); n < 2 {
		t.Errorf("%d kick requests, want retries", n)
	}
}

// TestCreatePollRetriedOn429: a 429 means RealtimeKit did not act, so
// the poll is sent again, once.
func TestCreatePollRetriedOn429(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.SetFault(rtkfake.RoutePoll, rtkfake.Fault{Status: 429, RetryAfter: time.Second, Times: 1})
	c := newClient(t, f)
	p, err := c.CreatePoll(t.Context(), meetingID, "Lunch?", []string{"Pizza", "Salad"}, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if n := f.RequestCount(rtkfake.RoutePoll); n != 2 {
		t.Errorf("%d poll requests, want 2 (the 429, then the poll)", n)
	}
	polls := f.Polls(meetingID)
	if len(polls) != 1 || polls[0].ID != p.ID {
		t.Errorf("polls in the meeting: %+v, want exactly %s", polls, p.ID)
	}
}

// TestCreatePollNotRetriedOn5xx: a 500 may come after the poll was made.
func TestCreatePollNotRetriedOn5xx(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.SetFault(rtkfake.RoutePoll, rtkfake.Fault{Status: 500, Times: 1})
	c := newClient(t, f)
	_, err := c.CreatePoll(t.Context(), meetingID, "Lunch?", []string{"Pizza", "Salad"}, false, false)
	if !errors.Is(err, meeting.ErrUpstream) {
		t.Errorf("err = %v, want ErrUpstream", err)
	}
	if n := f.RequestCount(rtkfake.RoutePoll); n != 1 {
		t.Errorf("%d poll requests, want 1", n)
	}
}

// TestCreatePollRetriedWhenNotSent: a connection that could not even be
// opened proves RealtimeKit never saw the request, so it is safe to retry.
func TestCreatePollRetriedWhenNotSent(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close()
	var dials atomic.Int32
	var d net.Dialer
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			addr = deadAddr // the first connection attempt is refused
		}
		return d.DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	c := newClient(t, f, func(c *realtime.Config) { c.HTTPClient = &http.Client{Transport: tr} })
	if _, err := c.CreatePoll(t.Context(), meetingID, "Lunch?", []string{"Pizza", "Salad"}, false, false); err != nil {
		t.Fatalf("CreatePoll = %v, want success on the second connection", err)
	}
	if n := dials.Load(); n != 2 {
		t.Errorf("%d dials, want 2", n)
	}
	if polls := f.Polls(meetingID); len(polls) != 1 {
		t.Errorf("%d polls, want 1", len(polls))
	}
}

// lostAnswers starts a proxy in front of f that forwards every request and,
// once f has answered, drops the connection instead of passing the answer
// on: the request was served, the response lost. (It used to withhold the
// answer until a short client timeout, which on a busy machine could fire
// before the request reached f at all.)
var errAnswerLost = errors.New("answer lost on the way back")

func lostAnswers(t *testing.T, f *rtkfake.Server) string {
	t.Helper()
	target, err := url.Parse(f.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	rp := &httputil.ReverseProxy{
		Rewrite:        func(r *httputil.ProxyRequest) { r.SetURL(&url.URL{Scheme: target.Scheme, Host: target.Host}) },
		ModifyResponse: func(*http.Response) error { return errAnswerLost },
		ErrorHandler: func(http.ResponseWriter, *http.Request, error) {
			panic(http.ErrAbortHandler) // close the connection, answer nothing
		},
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL + rtkfake.PathPrefix
}

// TestRateLimitHoldsUnderBurst fires 1000 calls at once and checks, from
// the times the fake received them, that RealtimeKit never saw more than
// the token bucket allows: by any moment x after the burst began, at most
// burst + rate·x requests. Network and scheduling delays can only make a
// request arrive later than the limiter let it go, so this bound holds
// exactly, without a jitter allowance (a bound on every window would need
// one: delayed requests bunch up). The rate is far below what the machine
// can serve, so without the limiter the bound breaks by hundreds.
func TestRateLimitHoldsUnderBurst(t *testing.T) {
	t.Parallel()
	const (
		calls = 1000
		limit = rate.Limit(250)
		burst = 10
	)
	f := rtkfake.NewTestServer(t, rtkfake.Config{Token: testToken, AccountID: testAccount, AppID: testApp, MaxRecorded: -1})
	f.AddMeeting(standup())
	c := newClient(t, f, func(c *realtime.Config) { c.RateLimit, c.Burst = limit, burst })

	start := time.Now() // the fake stamps requests with time.Now too
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for range calls {
		wg.Go(func() {
			if _, err := c.MuteAll(t.Context(), meetingID, true); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("MuteAll: %v", err)
	}

	var times []time.Time
	for _, r := range f.RequestsFor(rtkfake.RouteMuteAll) {
		times = append(times, r.Time)
	}
	if len(times) != calls {
		t.Fatalf("fake saw %d requests, want %d", len(times), calls)
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	for k, at := range times {
		// The (k+1)th request needs k+1 tokens: burst at the start, the
		// rest earned at the rate.
		earliest := start.Add(time.Duration(float64(k+1-burst) / float64(limit) * float64(time.Second)))
		if at.Before(earliest) {
			t.Fatalf("request %d arrived %s after the burst began, before %s (rate %v, burst %d)",
				k+1, at.Sub(start), earliest.Sub(start), limit, burst)
		}
	}
}

// TestOnRequestSeesEveryAttempt checks the metrics hook.
func TestOnRequestSeesEveryAttempt(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.SetFault(rtkfake.RouteActiveSession, rtkfake.Fault{Status: 503, Times: 1})
	type attempt struct {
		Route  string
		Status int
	}
	var mu sync.Mutex
	var got []attempt
	c := newClient(t, f, func(c *realtime.Config) {
		c.OnRequest = func(route string, status int, d time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, attempt{route, status})
		}
	})
	if _, err := c.LiveParticipants(t.Context(), meetingID); err != nil {
		t.Fatal(err)
	}
	_, _ = c.Kick(t.Context(), meetingID, meeting.Targets{ParticipantIDs: []string{"u-zed"}})
	want := []attempt{{"active-session", 503}, {"active-session", 200}, {"session-participants", 200}, {"kick", 404}}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("OnRequest calls (-want +got):\n%s", diff)
	}
}

// TestRetryLogs checks that retries are logged with the meeting, and that
// nothing logged or returned carries the token, even when the upstream
// echoes it back.
func TestRetryLogs(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	echo := []byte(`{"success":false,"error":{"code":500,"message":"bad header: Bearer ` + testToken + `"}}`)
	f.SetFault(rtkfake.RouteMute, rtkfake.Fault{Status: 500, Body: echo})
	var buf testutil.Buffer
	c := newClient(t, f, func(c *realtime.Config) {
		c.MaxRetries = 1
		c.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	_, err := c.Mute(t.Context(), meetingID, meeting.Targets{ParticipantIDs: []string{"u-ana"}})
	if !errors.Is(err, meeting.ErrUpstream) {
		t.Fatalf("err = %v, want ErrUpstream", err)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("error reveals the token: %v", err)
	}
	logs := buf.String()
	if strings.Contains(logs, testToken) {
		t.Errorf("logs reveal the token:\n%s", logs)
	}
	if !strings.Contains(logs, `"meeting_id":"`+meetingID+`"`) || !strings.Contains(logs, `"route":"mute"`) {
		t.Errorf("retry not logged with meeting_id and route:\n%s", logs)
	}
}
