package rtkfake

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Request is one request the server received, recorded before faults and
// authentication, so rejected and hung requests are there too.
type Request struct {
	Method    string
	Path      string
	Route     string // one of the Route constants; empty for unknown paths
	MeetingID string // from the path, if it names one
	SessionID string // from the path, if it names one
	Query     url.Values
	Body      []byte
	Header    http.Header // includes Authorization; see BearerToken
	Time      time.Time   // Config.Now when it arrived
}

// BearerToken is the token of the Authorization header, or "".
func (r Request) BearerToken() string {
	t, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return t
}

// DecodeBody decodes the JSON body into v.
func (r Request) DecodeBody(v any) error { return json.Unmarshal(r.Body, v) }

// String is a one-line summary for test failures. It leaves out headers,
// so no token ends up in a log.
func (r Request) String() string {
	s := r.Method + " " + r.Path
	if len(r.Query) > 0 {
		s += "?" + r.Query.Encode()
	}
	if len(r.Body) > 0 {
		s += " " + string(r.Body)
	}
	return s
}

// recorder keeps the recent requests and exact counts per route.
type recorder struct {
	mu      sync.Mutex
	max     int // < 0: unbounded
	reqs    []Request
	counts  map[string]int
	total   int
	changed chan struct{} // closed and replaced on every add
}

func (rc *recorder) init(max int) {
	rc.max = max
	rc.counts = make(map[string]int)
	rc.changed = make(chan struct{})
}

func (rc *recorder) add(r Request) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.reqs = append(rc.reqs, r)
	// Trim in halves rather than one at a time, so keeping the newest
	// max requests costs amortized O(1) per request.
	if rc.max >= 0 && len(rc.reqs) >= 2*max(rc.max, 1) {
		n := copy(rc.reqs, rc.reqs[len(rc.reqs)-rc.max:])
		clear(rc.reqs[n:])
		rc.reqs = rc.reqs[:n]
	}
	rc.counts[r.Route]++
	rc.total++
	close(rc.changed)
	rc.changed = make(chan struct{})
}

// Requests returns the recorded requests, oldest first (at most
// Config.MaxRecorded of the most recent).
func (s *Server) Requests() []Request {
	rc := &s.rec
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.max >= 0 && len(rc.reqs) > rc.max {
		return slices.Clone(rc.reqs[len(rc.reqs)-rc.max:])
	}
	return slices.Clone(rc.reqs)
}

// RequestsFor returns the recorded requests for one route, oldest first.
func (s *Server) RequestsFor(route string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Route == route {
			out = append(out, r)
		}
	}
	return out
}

// RequestCount is how many requests arrived for route (AllRoutes: for any
// path) since the last ResetRequests. Unlike Requests it is never
// truncated.
func (s *Server) RequestCount(route string) int {
	rc := &s.rec
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if route == AllRoutes {
		return rc.total
	}
	return rc.counts[route]
}

// ResetRequests forgets the recorded requests and counts.
func (s *Server) ResetRequests() {
	rc := &s.rec
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.reqs = nil
	clear(rc.counts)
	rc.total = 0
}

// WaitForRequests blocks until at least n requests arrived for route
// (AllRoutes: any) or ctx is done. It lets a test act once a request is
// known to be in flight, e.g. one held by a Hang fault, without sleeping.
func (s *Server) WaitForRequests(ctx context.Context, route string, n int) error {
	for {
		rc := &s.rec
		rc.mu.Lock()
		got := rc.counts[route]
		if route == AllRoutes {
			got = rc.total
		}
		ch := rc.changed
		rc.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
