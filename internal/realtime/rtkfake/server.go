// Package rtkfake is an in-memory Cloudflare RealtimeKit REST API for tests,
// benchmarks and demos. It serves the paths, JSON envelopes and error shapes
// that cloudflare-go/v6's realtime_kit package and the shared OpenAPI spec
// describe, keeps meetings, sessions, participants and polls as state that
// kick, mute and poll change, records every request, and injects faults
// (latency, 429, 5xx, hangs, 401/403) per route.
//
// Errors are answered the way the real services do:
//
//   - Cloudflare's gateway envelope {"success":false,"errors":[{"code":10000,
//     "message":"Authentication error"}],"messages":[],"result":null} for a
//     missing or wrong bearer token (401) and for an account or app ID that
//     is not the configured one (403); the same envelope with code 7003 for
//     paths no route serves (404) and 10405 for a wrong method (405); and
//     code 971 for an injected 429.
//   - RealtimeKit's envelope {"success":false,"error":{"code":404,"message":
//     "…"}} for everything behind the gateway. All 404s carry code 404;
//     callers tell them apart by message:
//     "No meeting found for meeting_id <id>" (unknown meeting, on any route
//     that names one), "No active session found for meeting_id <id>" (the
//     meeting exists but has no live session), "No session found for
//     session_id <id>" (unknown session) and "No user found with id <id>"
//     (a kick or mute target that is not live in the session). Bad bodies
//     and query parameters get 400 with a message naming the field.
package rtkfake

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Defaults used for Config's empty fields. DefaultAccountID is the example
// account of Cloudflare's documentation (32 hex digits, like real ones).
const (
	DefaultToken     = "rtkfake-demo-token"
	DefaultAccountID = "023e105f4ecef8ad9ca31a8372d0c353"
	DefaultAppID     = "5a8d9e0c-2b7f-4c1e-9d3a-6f4b2c1e8a70"

	// DefaultMaxRecorded is how many requests Requests keeps by default.
	DefaultMaxRecorded = 10000
)

// PathPrefix is where the API lives on the server, as on api.cloudflare.com.
const PathPrefix = "/client/v4/"

// Config configures a Server. Every field has a working zero value.
type Config struct {
	// Token is the only bearer token accepted; default DefaultToken.
	Token string
	// AccountID and AppID are the only ones accepted in paths; defaults
	// DefaultAccountID and DefaultAppID.
	AccountID string
	AppID     string
	// Now is the clock for timestamps, durations and minutes consumed;
	// default time.Now.
	Now func() time.Time
	// NewID mints session, peer and poll IDs; default random UUIDs (see
	// SequentialIDs for predictable ones).
	NewID func() string
	// MaxRecorded bounds the requests kept for Requests and RequestsFor
	// (oldest dropped first) so a load test cannot exhaust memory;
	// RequestCount stays exact. Default DefaultMaxRecorded; negative keeps
	// every request.
	MaxRecorded int
	// Logger, if set, gets one line per request (method, route, status,
	// meeting_id, duration; never headers or bodies).
	Logger *slog.Logger
}

// Server is the fake. It is an http.Handler and safe for concurrent use.
type Server struct {
	cfg Config

	mu       sync.RWMutex
	meetings map[string]*meeting
	order    []string            // meeting IDs as added, for Meetings
	sessions map[string]*session // every session, live or ended, by ID
	polls    map[string][]Poll   // by meeting ID

	rec    recorder
	faults faultTable

	httpSrv *httptest.Server
	baseURL string
	done    chan struct{} // closed by Close, releases hung requests
	closed  atomic.Bool
}

// New returns a Server with no meetings. Serve it with NewTestServer, Start,
// or any http.Server.
func New(cfg Config) *Server {
	if cfg.Token == "" {
		cfg.Token = DefaultToken
	}
	if cfg.AccountID == "" {
		cfg.AccountID = DefaultAccountID
	}
	if cfg.AppID == "" {
		cfg.AppID = DefaultAppID
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = randomUUID
	}
	if cfg.MaxRecorded == 0 {
		cfg.MaxRecorded = DefaultMaxRecorded
	}
	s := &Server{
		cfg:      cfg,
		meetings: make(map[string]*meeting),
		sessions: make(map[string]*session),
		polls:    make(map[string][]Poll),
		done:     make(chan struct{}),
	}
	s.rec.init(cfg.MaxRecorded)
	s.faults.init()
	return s
}

// NewTestServer starts a Server on a loopback httptest server and closes it
// when the test ends.
func NewTestServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	s := New(cfg)
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// Start serves s on a new loopback httptest server; BaseURL then returns
// its address. Close stops it.
func (s *Server) Start() {
	s.httpSrv = httptest.NewServer(s)
	s.baseURL = s.httpSrv.URL + PathPrefix
}

// BaseURL is the API root to give a client (CLOUDFLARE_BASE_URL), e.g.
// "http://127.0.0.1:PORT/client/v4/". Empty until Start.
func (s *Server) BaseURL() string { return s.baseURL }

// Client returns an http.Client for the server; call Start first.
func (s *Server) Client() *http.Client { return s.httpSrv.Client() }

// Token is the bearer token the server accepts.
func (s *Server) Token() string { return s.cfg.Token }

// AccountID is the account ID the server accepts in paths.
func (s *Server) AccountID() string { return s.cfg.AccountID }

// AppID is the RealtimeKit app ID the server accepts in paths.
func (s *Server) AppID() string { return s.cfg.AppID }

// Close releases hung requests and, if Start was called, stops the server.
// It is safe to call more than once.
func (s *Server) Close() {
	if s.closed.CompareAndSwap(false, true) {
		close(s.done)
	}
	if s.httpSrv != nil {
		s.httpSrv.Close()
	}
}

// ServeHTTP answers one API request: match the route, record the request,
// apply any fault, check credentials, then run the route's handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.cfg.Now()
	m := match(r.URL.Path)
	if s.cfg.Logger != nil {
		lw := &logWriter{ResponseWriter: w, log: func(status int, d time.Duration) {
			s.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "rtkfake: request",
				slog.String("method", r.Method), slog.String("route", m.route),
				slog.String("meeting_id", m.meetingID), slog.Int("status", status),
				slog.Duration("duration", d))
		}, began: time.Now()} // real time: Config.Now may be a frozen test clock
		w = lw
		defer lw.unanswered()
	}

	body, tooBig := readBody(r)
	s.rec.add(Request{
		Method:    r.Method,
		Path:      r.URL.Path,
		Route:     m.route,
		MeetingID: m.meetingID,
		SessionID: m.sessionID,
		Query:     r.URL.Query(),
		Body:      body,
		Header:    r.Header.Clone(),
		Time:      start,
	})

	if m.route == "" {
		writeCFError(w, http.StatusNotFound, 7003,
			fmt.Sprintf("Could not route to %s, perhaps your object identifier is invalid?", r.URL.Path))
		return
	}
	if f, ok := s.faults.take(m.route); ok && s.applyFault(w, r, f) {
		return
	}
	if !s.validToken(r.Header.Get("Authorization")) {
		writeCFError(w, http.StatusUnauthorized, 10000, "Authentication error")
		return
	}
	if m.accountID != s.cfg.AccountID || m.appID != s.cfg.AppID {
		writeCFError(w, http.StatusForbidden, 10000, "Authentication error")
		return
	}
	h := handlers[m.route]
	if r.Method != h.method {
		writeCFError(w, http.StatusMethodNotAllowed, 10405, "Method not allowed")
		return
	}
	if tooBig {
		writeRTKError(w, http.StatusRequestEntityTooLarge, "Request body too large")
		return
	}
	h.serve(s, w, &call{r: r, matched: m, body: body})
}

// validToken compares in constant time, as a habit for anything secret.
func (s *Server) validToken(header string) bool {
	tok, ok := strings.CutPrefix(header, "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.Token)) == 1
}

// logWriter logs a request as its status is written, before the client
// can see the answer, so a test that got the answer finds the line.
type logWriter struct {
	http.ResponseWriter
	log    func(status int, d time.Duration)
	began  time.Time
	logged bool
}

func (w *logWriter) WriteHeader(code int) {
	if !w.logged {
		w.logged = true
		w.log(code, time.Since(w.began))
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *logWriter) Write(b []byte) (int, error) {
	if !w.logged {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// unanswered logs a request that got no answer (hung, or dropped), as 0.
func (w *logWriter) unanswered() {
	if !w.logged {
		w.logged = true
		w.log(0, time.Since(w.began))
	}
}

// randomUUID returns a random version 4 UUID.
func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// SequentialIDs returns an ID generator for Config.NewID that yields
// well-formed UUIDs ending in 1, 2, 3…, so tests can predict poll, peer
// and session IDs.
func SequentialIDs() func() string {
	var n atomic.Uint64
	return func() string {
		return fmt.Sprintf("00000000-0000-4000-8000-%012d", n.Add(1))
	}
}
