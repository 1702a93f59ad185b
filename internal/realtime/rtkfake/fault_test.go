package rtkfake

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFaultStatuses(t *testing.T) {
	t.Parallel()
	kickBody := `{"participant_ids": ["u-ann"]}`
	tests := []struct {
		name           string
		fault          Fault
		wantStatus     int
		wantRetryAfter string
		wantBody       string
	}{
		{
			name:       "429 with Retry-After rounded up to seconds",
			fault:      Fault{Status: 429, RetryAfter: 1500 * time.Millisecond, Times: 1},
			wantStatus: 429, wantRetryAfter: "2",
			wantBody: cfErr(971, "Please wait and consider throttling your request speed"),
		},
		{
			name:       "429 without Retry-After",
			fault:      Fault{Status: 429, Times: 1},
			wantStatus: 429,
			wantBody:   cfErr(971, "Please wait and consider throttling your request speed"),
		},
		{
			name:       "500",
			fault:      Fault{Status: 500, Times: 1},
			wantStatus: 500, wantBody: rtkErr(500, "Internal Server Error"),
		},
		{
			name:       "503 with Retry-After",
			fault:      Fault{Status: 503, RetryAfter: time.Second, Times: 1},
			wantStatus: 503, wantRetryAfter: "1", wantBody: rtkErr(503, "Service Unavailable"),
		},
		{
			name:       "401 despite a good token",
			fault:      Fault{Status: 401, Times: 1},
			wantStatus: 401, wantBody: cfErr(10000, "Authentication error"),
		},
		{
			name:       "403 despite a good token",
			fault:      Fault{Status: 403, Times: 1},
			wantStatus: 403, wantBody: cfErr(10000, "Authentication error"),
		},
		{
			name:       "a proxy's own body",
			fault:      Fault{Status: 502, Body: []byte(`{"upstream": "gone"}`), Times: 1},
			wantStatus: 502, wantBody: `{"upstream": "gone"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newFixture(t)
			s.SetFault(RouteKick, tt.fault)
			kick := apiPath("meetings/" + liveMeeting + "/active-session/kick")
			r := do(t, s, http.MethodPost, kick, kickBody)
			r.check(t, tt.wantStatus, tt.wantBody)
			if got := r.header.Get("Retry-After"); got != tt.wantRetryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tt.wantRetryAfter)
			}
			if diff := cmp.Diff(fixtureLive, liveState(s, liveMeeting)); diff != "" {
				t.Errorf("a faulted kick changed the session (-want +got):\n%s", diff)
			}
			// Times: 1 — the next kick goes through.
			do(t, s, http.MethodPost, kick, kickBody).check(t, 200, affectedBody("participants_kicked", affAnn))
			if got := s.RequestCount(RouteKick); got != 2 {
				t.Errorf("recorded %d kicks, want 2 (faulted requests are recorded too)", got)
			}
		})
	}
}

func TestFaultRouteOverridesAllRoutes(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	s.SetFault(AllRoutes, Fault{Status: 503})
	s.SetFault(RouteMeeting, Fault{Latency: time.Millisecond}) // slow but fine
	sessionPath := apiPath("meetings/" + liveMeeting + "/active-session")
	for range 3 { // forever until cleared
		do(t, s, http.MethodGet, sessionPath, "").check(t, 503, rtkErr(503, "Service Unavailable"))
	}
	if r := do(t, s, http.MethodGet, apiPath("meetings/"+liveMeeting), ""); r.status != 200 {
		t.Errorf("meeting with its own latency-only fault: status %d, want 200", r.status)
	}
	s.ClearFaults()
	if r := do(t, s, http.MethodGet, sessionPath, ""); r.status != 200 {
		t.Errorf("after ClearFaults: status %d, want 200", r.status)
	}
}

func TestFaultBeforeAuthentication(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	s.SetFault(RouteMeeting, Fault{Status: 429, RetryAfter: time.Second, Times: 1})
	// The gateway rate-limits before it looks at the token.
	doWith(t, s, http.MethodGet, apiPath("meetings/"+liveMeeting), "", "Bearer wrong").
		check(t, 429, cfErr(971, "Please wait and consider throttling your request speed"))
	doWith(t, s, http.MethodGet, apiPath("meetings/"+liveMeeting), "", "Bearer wrong").
		check(t, 401, cfErr(10000, "Authentication error"))
}

// Latency is checked as a lower bound only, which a loaded machine cannot
// break.
func TestFaultLatency(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	const latency = 50 * time.Millisecond
	s.SetFault(RouteActiveSession, Fault{Latency: latency, Times: 1})
	start := time.Now()
	r := do(t, s, http.MethodGet, apiPath("meetings/"+liveMeeting+"/active-session"), "")
	if elapsed := time.Since(start); elapsed < latency {
		t.Errorf("answered after %v, want at least %v", elapsed, latency)
	}
	if r.status != 200 {
		t.Errorf("status %d after latency, want the real answer", r.status)
	}
}

func TestFaultTimesUnderConcurrency(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	s.SetFault(RouteMeeting, Fault{Status: 500, Times: 7})
	const n = 50
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { statuses <- status(t, s, http.MethodGet, apiPath("meetings/"+liveMeeting), "") })
	}
	wg.Wait()
	close(statuses)
	got := map[int]int{}
	for st := range statuses {
		got[st]++
	}
	if diff := cmp.Diff(map[int]int{500: 7, 200: n - 7}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

func TestFaultHangUntilClientGivesUp(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	s.SetFault(RoutePoll, Fault{Hang: true, Times: 1})
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost,
			s.httpSrv.URL+apiPath("meetings/"+liveMeeting+"/active-session/poll"),
			strings.NewReader(`{"question": "Q?", "options": ["a"]}`))
		req.Header.Set("Authorization", "Bearer "+testToken)
		res, err := s.Client().Do(req)
		if err == nil {
			res.Body.Close()
		}
		errc <- err
	}()
	waitCtx, stop := context.WithTimeout(t.Context(), 10*time.Second)
	defer stop()
	if err := s.WaitForRequests(waitCtx, RoutePoll, 1); err != nil {
		t.Fatalf("the poll request never arrived: %v", err)
	}
	select {
	case err := <-errc:
		t.Fatalf("hung request returned before the client gave up: %v", err)
	default:
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("client error = %v, want context.Canceled", err)
	}
	if n := len(s.Polls(liveMeeting)); n != 0 {
		t.Errorf("a hung poll request created %d polls", n)
	}
}

func TestCloseReleasesHungRequests(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	s.SetFault(AllRoutes, Fault{Hang: true})
	type outcome struct {
		status string
		err    error
	}
	done := make(chan outcome, 1)
	go func() {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, s.httpSrv.URL+apiPath("meetings/"+liveMeeting), nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		res, err := s.Client().Do(req)
		if err != nil {
			done <- outcome{err: err}
			return
		}
		res.Body.Close()
		done <- outcome{status: res.Status}
	}()
	waitCtx, stop := context.WithTimeout(t.Context(), 10*time.Second)
	defer stop()
	if err := s.WaitForRequests(waitCtx, RouteMeeting, 1); err != nil {
		t.Fatalf("the request never arrived: %v", err)
	}
	s.Close() // must not wait for the client to give up
	if got := <-done; got.err == nil || errors.Is(got.err, context.Canceled) {
		t.Errorf("client saw status %q, error %v; want a dropped connection", got.status, got.err)
	}
}
