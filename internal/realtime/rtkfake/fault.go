package rtkfake

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Fault is trouble injected into a route's answers, applied after the
// request is recorded and before credentials are checked, the way an
// overloaded or failing upstream behaves.
//
// Until, if set, holds the request until it is closed (or the client gives
// up, or the server closes): a gate a test opens once it has seen what may
// happen while RealtimeKit has not answered. Latency delays the answer. Hang holds the request until the client gives
// up (its context ends) or the server closes; nothing is answered. Status,
// if non-zero, replaces the real answer: 429 in Cloudflare's rate-limit
// envelope with Retry-After, 401/403 in Cloudflare's authentication
// envelope, other codes (5xx) in RealtimeKit's error envelope; Body
// replaces that envelope verbatim (e.g. an HTML error page from a proxy).
// With none of Hang and Status, the request proceeds normally after the
// latency.
type Fault struct {
	Until      <-chan struct{}
	Latency    time.Duration
	Status     int
	RetryAfter time.Duration // rounded up to whole seconds; 0 sends no Retry-After
	Body       []byte
	Hang       bool
	// Times is how many requests the fault affects before it clears itself;
	// 0 means every request until ClearFaults.
	Times int
}

// faultTable holds the active faults by route.
type faultTable struct {
	mu sync.Mutex
	m  map[string]*Fault
}

func (ft *faultTable) init() { ft.m = make(map[string]*Fault) }

// take returns the fault for a request on route (the route's own, else the
// AllRoutes one) and counts it against Times.
func (ft *faultTable) take(route string) (Fault, bool) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if len(ft.m) == 0 {
		return Fault{}, false
	}
	key := route
	f, ok := ft.m[key]
	if !ok {
		key = AllRoutes
		if f, ok = ft.m[key]; !ok {
			return Fault{}, false
		}
	}
	if f.Times > 0 {
		f.Times--
		if f.Times == 0 {
			delete(ft.m, key)
		}
	}
	return *f, true
}

// SetFault makes route (a Route constant, or AllRoutes for every route
// without a fault of its own) answer with f, replacing its previous fault.
func (s *Server) SetFault(route string, f Fault) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.m[route] = &f
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	clear(s.faults.m)
}

// abort drops the connection without an answer, so a request released by
// Close fails on the client instead of looking like an empty 200.
func abort() { panic(http.ErrAbortHandler) }

// applyFault plays f out and reports whether it answered the request (or
// abandoned it); false means the request should be served normally.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	if f.Until != nil {
		select {
		case <-f.Until:
		case <-r.Context().Done():
			return true
		case <-s.done:
			abort()
		}
	}
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true // the client is gone; nobody to answer
		case <-s.done:
			t.Stop()
			abort()
		}
	}
	if f.Hang {
		select {
		case <-r.Context().Done():
			return true
		case <-s.done:
			abort()
		}
	}
	if f.Status == 0 {
		return false
	}
	if f.RetryAfter > 0 {
		secs := (f.RetryAfter + time.Second - 1) / time.Second
		w.Header().Set("Retry-After", strconv.Itoa(int(secs)))
	}
	if f.Body != nil {
		w.Header().Set("Content-Length", strconv.Itoa(len(f.Body)))
		w.WriteHeader(f.Status)
		_, _ = w.Write(f.Body)
		return true
	}
	switch f.Status {
	case http.StatusTooManyRequests:
		writeCFError(w, f.Status, 971, "Please wait and consider throttling your request speed")
	case http.StatusUnauthorized, http.StatusForbidden:
		writeCFError(w, f.Status, 10000, "Authentication error")
	default:
		msg := http.StatusText(f.Status)
		if msg == "" {
			msg = "Error"
		}
		writeRTKError(w, f.Status, msg)
	}
	return true
}
