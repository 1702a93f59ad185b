// Package realtime is rtkbot's one door to the Cloudflare RealtimeKit REST
// API. It wraps cloudflare-go's realtime_kit service, returns the types and
// sentinel errors of package meeting (the errors wrapped in an *APIError),
// and keeps the upstream discipline in one place: a shared rate limiter,
// bounded retries that never duplicate a poll, and coalescing of identical
// reads behind a short cache.
package realtime

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cloudflare/cloudflare-go/v6/option"
	"github.com/cloudflare/cloudflare-go/v6/realtime_kit"
	"golang.org/x/time/rate"

	"github.com/rtkbot/rtkbot/internal/secret"
)

// DefaultBaseURL is Cloudflare's API v4 root.
const DefaultBaseURL = "https://api.cloudflare.com/client/v4/"

// Defaults for Config's zero values.
//
// The rate limit is set by the tighter of the two upstream limits.
// Cloudflare allows 1200 requests per 5 minutes per token (4/s on average);
// RealtimeKit allows 250 per 10 s (25/s). A token bucket with rate r and
// burst b lets through at most b + r·T requests in any window T, so 3.5/s
// with a burst of 20 sends at most 1070 requests in 5 minutes (130 to spare
// for anyone else using the token, e.g. the dashboard) and 55 in 10 s, while
// a burst of 20 still absorbs one busy status card (session + a few
// participant pages) without waiting.
const (
	DefaultRateLimit  rate.Limit = 3.5
	DefaultBurst                 = 20
	DefaultMaxRetries            = 3
	DefaultCacheTTL              = time.Second
	DefaultRetryDelay            = 200 * time.Millisecond

	// MaxCacheTTL bounds CacheTTL: moderators act on what the status card
	// shows, so it must never be more than a moment old.
	MaxCacheTTL = 2 * time.Second
	// maxMaxRetries bounds MaxRetries, so a misconfiguration cannot turn one
	// command into a storm against a failing upstream.
	maxMaxRetries = 10
	// defaultHTTPTimeout is a backstop for callers without a deadline.
	defaultHTTPTimeout = 30 * time.Second
)

// Config configures a Client. APIToken, AccountID and AppID are required;
// every other field has a working zero value.
type Config struct {
	APIToken  secret.String
	AccountID string
	AppID     string
	// BaseURL is the API root; default DefaultBaseURL.
	BaseURL string
	// HTTPClient sends the requests; default a client with a 30 s timeout.
	HTTPClient *http.Client
	// RateLimit and Burst shape the one token bucket that every request,
	// retries included, waits on. Defaults: DefaultRateLimit, DefaultBurst.
	// rate.Inf disables limiting (tests, benchmarks).
	RateLimit rate.Limit
	Burst     int
	// MaxRetries bounds the retries after the first attempt; default
	// DefaultMaxRetries, negative for none, at most 10.
	MaxRetries int
	// RetryDelay is the backoff before the first retry of a 5xx or transport
	// error; it doubles per retry up to 8 times its value, with jitter.
	// Default DefaultRetryDelay. A 429's Retry-After takes precedence.
	RetryDelay time.Duration
	// CacheTTL is how long a read (meeting, session, participants) is
	// reused; default DefaultCacheTTL, at most MaxCacheTTL, negative to
	// disable. Mutations on a meeting drop its cached reads at once.
	CacheTTL time.Duration
	// Logger receives retries and oddities; default discards.
	Logger *slog.Logger
	// OnRequest, if set, is called after every HTTP attempt with the route
	// name (e.g. "kick"), the status (0 for a transport error) and the
	// attempt's duration. It feeds metrics and must be fast.
	OnRequest func(route string, status int, d time.Duration)
	// Now is the clock for cache freshness, the rate limiter's token
	// bucket and HTTP-date Retry-After headers; default time.Now. Waits
	// always use real timers.
	Now func() time.Time
}

// Client talks to RealtimeKit for one account and app. It is safe for
// concurrent use; create one and share it.
type Client struct {
	rtk        *realtime_kit.RealtimeKitService
	baseURL    *url.URL     // ends in "/"
	httpClient *http.Client // for the requests built by post
	accountID  string
	appID      string
	token      secret.String // for post, and to scrub upstream messages

	limiter    *limiter
	maxRetries int
	retryDelay time.Duration
	log        *slog.Logger
	onRequest  func(route string, status int, d time.Duration)
	now        func() time.Time

	cache *readCache
}

// New returns a Client for cfg, or an error naming what is wrong with cfg.
func New(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("realtime: invalid config: %w", err)
	}
	baseURL, _ := url.Parse(cfg.BaseURL) // validate parsed it
	if !strings.HasSuffix(baseURL.Path, "/") {
		baseURL.Path += "/" // as the SDK's WithBaseURL does
	}

	// The RealtimeKit service alone, not cloudflare.NewClient: that client
	// reads credentials from the environment, where Config is meant to be
	// the only source, and builds every Cloudflare service. This package
	// does not import the SDK's root package at all, not even for
	// cloudflare.F (parameters are set as params.X.Value, params.X.Present
	// = v, true instead): importing it links the init code and types of
	// all ~100 service packages, which made up half of the binary and,
	// mapped in by the megabyte, most of the bot's resident memory.
	rtk := realtime_kit.NewRealtimeKitService(
		option.WithBaseURL(baseURL.String()),
		option.WithAPIToken(cfg.APIToken.Reveal()),
		option.WithHTTPClient(cfg.HTTPClient),
		// Retries live in our middleware (retry.go), which knows which
		// requests are safe to repeat; the SDK would retry POSTs too.
		option.WithMaxRetries(0),
	)
	c := &Client{
		rtk:        rtk,
		baseURL:    baseURL,
		httpClient: cfg.HTTPClient,
		accountID:  cfg.AccountID,
		appID:      cfg.AppID,
		token:      cfg.APIToken,
		limiter:    newLimiter(cfg.RateLimit, cfg.Burst, cfg.Now),
		maxRetries: cfg.MaxRetries,
		retryDelay: cfg.RetryDelay,
		log:        cfg.Logger,
		onRequest:  cfg.OnRequest,
		now:        cfg.Now,
	}
	c.cache = newReadCache(cfg.CacheTTL, cfg.Now)
	return c, nil
}

// withDefaults returns cfg with its zero fields set to their defaults and a
// negative MaxRetries (none) made 0. Fields validate rejects are left as
// they are, so its errors quote what the caller gave.
func (cfg Config) withDefaults() Config {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	if cfg.Burst == 0 {
		cfg.Burst = DefaultBurst
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = DefaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	if cfg.RetryDelay == 0 {
		cfg.RetryDelay = DefaultRetryDelay
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = DefaultCacheTTL
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: defaultHTTPTimeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

// validate reports every problem with cfg, after withDefaults, joined in
// field order; nil if there is none.
func (cfg Config) validate() error {
	var errs []error
	if cfg.APIToken == "" {
		errs = append(errs, errors.New("API token is empty"))
	}
	if cfg.AccountID == "" {
		errs = append(errs, errors.New("account ID is empty"))
	}
	if cfg.AppID == "" {
		errs = append(errs, errors.New("app ID is empty"))
	}
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("base URL %q is not an http(s) URL", cfg.BaseURL))
	}
	if cfg.RateLimit < 0 {
		errs = append(errs, fmt.Errorf("rate limit %v is negative", cfg.RateLimit))
	}
	if cfg.Burst < 0 {
		errs = append(errs, fmt.Errorf("burst %d is negative", cfg.Burst))
	}
	if cfg.MaxRetries > maxMaxRetries {
		errs = append(errs, fmt.Errorf("max retries %d is above %d", cfg.MaxRetries, maxMaxRetries))
	}
	if cfg.RetryDelay < 0 {
		errs = append(errs, fmt.Errorf("retry delay %s is negative", cfg.RetryDelay))
	}
	if cfg.CacheTTL > MaxCacheTTL {
		errs = append(errs, fmt.Errorf("cache TTL %s is above %s", cfg.CacheTTL, MaxCacheTTL))
	}
	return errors.Join(errs...)
}

// route is one RealtimeKit endpoint: its name (the metrics label and the
// fake server's route name), method and path below the app.
type route struct {
	name   string
	method string
	path   string
}

// String names the route in errors, e.g. "POST meetings/{meeting_id}/active-session/kick".
func (r route) String() string { return r.method + " " + r.path }

var (
	routeMeeting             = route{"meeting", http.MethodGet, "meetings/{meeting_id}"}
	routeActiveSession       = route{"active-session", http.MethodGet, "meetings/{meeting_id}/active-session"}
	routeSessionParticipants = route{"session-participants", http.MethodGet, "sessions/{session_id}/participants"}
	routeMeetingParticipants = route{"meeting-participants", http.MethodGet, "meetings/{meeting_id}/participants"}
	routeKick                = route{"kick", http.MethodPost, "meetings/{meeting_id}/active-session/kick"}
	routeKickAll             = route{"kick-all", http.MethodPost, "meetings/{meeting_id}/active-session/kick-all"}
	routeMute                = route{"mute", http.MethodPost, "meetings/{meeting_id}/active-session/mute"}
	routeMuteAll             = route{"mute-all", http.MethodPost, "meetings/{meeting_id}/active-session/mute-all"}
	routePoll                = route{"poll", http.MethodPost, "meetings/{meeting_id}/active-session/poll"}
)

// meetingPath is the path, relative to the base URL, of a meeting
// sub-resource the SDK does not wrap (mute, mute-all).
func (c *Client) meetingPath(meetingID, suffix string) string {
	return "accounts/" + url.PathEscape(c.accountID) + "/realtime/kit/" + url.PathEscape(c.appID) +
		"/meetings/" + url.PathEscape(meetingID) + "/" + suffix
}

// checkID rejects IDs that cannot name a resource, before any request: an
// empty ID would make the SDK fail with its own error, and a slash would
// address another endpoint.
func checkID(kind, id string) error {
	if id == "" {
		return fmt.Errorf("%s ID is empty", kind)
	}
	for _, r := range id {
		if r == '/' || r == '?' || r == '#' || r < ' ' {
			return fmt.Errorf("%s ID %q contains %q", kind, id, r)
		}
	}
	return nil
}
