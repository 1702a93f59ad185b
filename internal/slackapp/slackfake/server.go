// Package slackfake is a fake Slack for tests: the Socket Mode handshake
// and WebSocket, the Web API methods rtkbot calls, and response_url
// endpoints, all speaking Slack's real JSON on 127.0.0.1. Tests drive it
// as a user would (SlashCommand, ClickButton) and read back what the app
// sent (acks, responses, posted messages), waiting without sleeps.
//
// It is checked against clients we did not write: slack-go's socketmode
// and Web API client, and Slack's own @slack/socket-mode (nodecheck/).
package slackfake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Config configures a fake Slack. Zero values get the defaults below.
type Config struct {
	AppToken string // xapp-…, for apps.connections.open
	BotToken string // xoxb-…, for the Web API
	AppID    string
	TeamID   string
	// EnterpriseID, if set, makes the workspace part of an Enterprise
	// Grid org: auth.test and every payload carry it.
	EnterpriseID string
	// TeamDomain is the workspace's subdomain (team_domain, team.domain).
	TeamDomain string
	// BotUserID and BotID identify the app's bot user (auth.test and the
	// messages it posts).
	BotUserID string
	BotID     string

	// PingInterval is how often the fake pings each socket. Default 10s,
	// Slack's upper bound; negative disables pings, to test that a client
	// notices a silent connection.
	PingInterval time.Duration
	// DisconnectGrace is how long a connection sent a disconnect message
	// may stay open before the fake closes it. Default 10s.
	DisconnectGrace time.Duration
	// RedeliverAfter, if positive, makes the fake redeliver an envelope
	// not acked within that (real) time, with retry_reason "timeout", up
	// to MaxRetries times, as Slack does. Zero: only Redeliver does.
	RedeliverAfter time.Duration
	// MaxRetries bounds automatic redeliveries. Default 3.
	MaxRetries int

	// Now is the clock for response_url expiry, message timestamps and
	// the At of records. Default time.Now.
	Now func() time.Time
	// Logger receives the fake's log lines. Default: discard.
	Logger *slog.Logger
}

// Defaults for Config's zero values.
const (
	DefaultAppToken        = "xapp-1-A0FAKEAPP-1-fake"
	DefaultBotToken        = "xoxb-1-fake-bot-token"
	DefaultAppID           = "A0FAKEAPP"
	DefaultTeamID          = "T0FAKE"
	DefaultTeamDomain      = "fake-workspace"
	DefaultBotUserID       = "U0FAKEBOT"
	DefaultBotID           = "B0FAKEBOT"
	DefaultPingInterval    = 10 * time.Second
	DefaultDisconnectGrace = 10 * time.Second
	DefaultMaxRetries      = 3
)

// Server is a running fake Slack. It is safe for concurrent use.
type Server struct {
	cfg  Config
	log  *slog.Logger
	http *httptest.Server
	wg   sync.WaitGroup // connection goroutines and timers' work

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every recorded change
	closed  bool
	seq     uint64 // message ts sequence

	// Socket Mode (socket.go, envelope.go)
	tickets   map[string]bool
	conns     []*conn // open, in the order they connected
	rr        int     // round-robin cursor into conns
	opened    int
	nextConn  int
	pongs     int
	pingsIn   int
	pending   []*envelope // waiting for a connection
	envelopes map[string]*envelope
	acks      []Ack
	firstAck  map[string]int // envelope ID → index in acks

	// Web API (webapi.go)
	users      map[string]User
	groups     map[string][]string
	rateLimits map[string]*rateLimit
	calls      map[string]int
	posted     []Posted
	messages   map[string]*message // ts → posted message

	// response_url (responseurl.go)
	responseURLs map[string]*responseURL
	toHold, held int // HoldResponses
}

// New starts a fake Slack on 127.0.0.1 with a random port. Call Close
// when done; tests should prefer NewTestServer.
func New(cfg Config) *Server {
	cfg = withDefaults(cfg)
	s := &Server{
		cfg:          cfg,
		log:          cfg.Logger,
		changed:      make(chan struct{}),
		tickets:      make(map[string]bool),
		envelopes:    make(map[string]*envelope),
		firstAck:     make(map[string]int),
		users:        make(map[string]User),
		groups:       make(map[string][]string),
		rateLimits:   make(map[string]*rateLimit),
		calls:        make(map[string]int),
		messages:     make(map[string]*message),
		responseURLs: make(map[string]*responseURL),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.handleAPI)
	mux.HandleFunc("GET /link/", s.handleLink)
	mux.HandleFunc("/response/{id}", s.handleResponseURL)
	// Assigned before Start, so handlers see s.http (and its URL).
	s.http = httptest.NewUnstartedServer(mux)
	s.http.Start()
	return s
}

// NewTestServer starts a fake Slack that is closed when the test ends.
func NewTestServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	s := New(cfg)
	t.Cleanup(s.Close)
	return s
}

func withDefaults(cfg Config) Config {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&cfg.AppToken, DefaultAppToken)
	def(&cfg.BotToken, DefaultBotToken)
	def(&cfg.AppID, DefaultAppID)
	def(&cfg.TeamID, DefaultTeamID)
	def(&cfg.TeamDomain, DefaultTeamDomain)
	def(&cfg.BotUserID, DefaultBotUserID)
	def(&cfg.BotID, DefaultBotID)
	if cfg.PingInterval == 0 {
		cfg.PingInterval = DefaultPingInterval
	}
	if cfg.DisconnectGrace <= 0 {
		cfg.DisconnectGrace = DefaultDisconnectGrace
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

// Close closes every socket and stops the server. Waiters return with
// an error.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	conns := append([]*conn(nil), s.conns...)
	for _, e := range s.envelopes {
		e.stopTimer()
	}
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range conns {
		s.endConn(c)
	}
	s.http.Close()
	s.wg.Wait()
}

// URL is the server's base URL, "http://127.0.0.1:PORT".
func (s *Server) URL() string { return s.http.URL }

// APIURL is the Web API base URL for slack.OptionAPIURL,
// "http://127.0.0.1:PORT/api/".
func (s *Server) APIURL() string { return s.http.URL + "/api/" }

// AppToken returns the app-level token apps.connections.open accepts.
func (s *Server) AppToken() string { return s.cfg.AppToken }

// BotToken returns the bot token the Web API accepts.
func (s *Server) BotToken() string { return s.cfg.BotToken }

// notifyLocked wakes every waiter; s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor calls cond under s.mu until it reports true, waking on every
// recorded change, and fails when ctx ends or the server closes.
func (s *Server) waitFor(ctx context.Context, what string, cond func() bool) error {
	for {
		s.mu.Lock()
		if cond() {
			s.mu.Unlock()
			return nil
		}
		closed := s.closed
		ch := s.changed
		s.mu.Unlock()
		if closed {
			return fmt.Errorf("slackfake: server closed while waiting for %s", what)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("slackfake: waiting for %s: %w", what, ctx.Err())
		}
	}
}

// nextTSLocked returns a message timestamp, unique within the server,
// in Slack's "seconds.micro" shape; s.mu must be held.
func (s *Server) nextTSLocked() string {
	s.seq++
	return fmt.Sprintf("%d.%06d", s.cfg.Now().Unix(), s.seq%1000000)
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand documents it)
	return hex.EncodeToString(b)
}

// newEnvelopeID returns an ID shaped like Slack's (a UUID).
func newEnvelopeID() string {
	h := randomHex(16)
	return strings.Join([]string{h[0:8], h[8:12], h[12:16], h[16:20], h[20:32]}, "-")
}

// newTriggerID returns an ID shaped like Slack's trigger_id.
func newTriggerID(now time.Time) string {
	return fmt.Sprintf("%d.%d.%s", now.Unix(), now.UnixNano()%1000000000, randomHex(16))
}
