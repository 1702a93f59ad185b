// Package app wires rtkbot together: configuration in, RealtimeKit client,
// store, command core, Slack listener and the operations HTTP server out.
// main only loads configuration, builds the logger and handles signals, so
// tests can run the whole bot in-process and stop it by cancelling a context.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/config"
	"github.com/rtkbot/rtkbot/internal/metrics"
	"github.com/rtkbot/rtkbot/internal/realtime"
	"github.com/rtkbot/rtkbot/internal/slackapp"
	"github.com/rtkbot/rtkbot/internal/store"
)

// The adapters must satisfy the ports the command core declares.
var (
	_ commands.Realtime          = (*realtime.Client)(nil)
	_ commands.Directory         = (*slackapp.Directory)(nil)
	_ commands.ConfirmationStore = (store.Store)(nil)
	_ commands.AuditLog          = (store.Store)(nil)
	_ commands.Deliveries        = (store.Store)(nil)
	_ commands.Links             = storeLinks{}
	_ slackapp.Inbox             = storeInbox{}
)

// Options are the knobs tests turn; production leaves them zero.
type Options struct {
	// Now is the clock for confirmation expiry; default time.Now.
	Now func() time.Time
	// HTTPClient is used for Slack and RealtimeKit; default a client with
	// sane timeouts.
	HTTPClient *http.Client
	// MaintenanceInterval is how often stuck confirmations are recovered and
	// old rows pruned; default 1 minute.
	MaintenanceInterval time.Duration
	// Heartbeat and OrphanAfter tune how soon a command left unanswered by
	// a replica that stopped is taken over (slackapp.Config); defaults 2s
	// and 10s, and with SQLite, which serves one process, at the first
	// heartbeat after a restart.
	Heartbeat, OrphanAfter time.Duration
	// OpsReadTimeout and OpsIdleTimeout bound how long the operations
	// server (BOT_HTTP_ADDR) waits for a request and for the next one on a
	// kept-alive connection; defaults 10s and 60s.
	OpsReadTimeout, OpsIdleTimeout time.Duration
}

// App is a configured bot, ready to Run.
type App struct {
	log      *slog.Logger
	now      func() time.Time
	metrics  *metrics.Metrics
	store    store.Store
	rtk      *realtime.Client
	core     *commands.Service
	notifier *slackapp.Notifier // tells requesters about interrupted kicks
	listener *slackapp.Listener
	auditor  *slackapp.Auditor // nil without BOT_AUDIT_CHANNEL
	httpLn   net.Listener
	httpSrv  *http.Server
	checked  atomic.Bool // the tokens were accepted (checkCredentials)

	retention   time.Duration
	stuckAfter  time.Duration
	maintenance time.Duration
}

// New builds the bot from cfg. It opens the database and binds
// BOT_HTTP_ADDR at once, so a locked database or a port conflict fails here
// rather than later, and HTTPAddr is known before Run.
func New(ctx context.Context, cfg config.Config, logger *slog.Logger, opts Options) (_ *App, err error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second, Transport: newTransport(cfg.MaxConcurrentCommands)}
	}
	if opts.MaintenanceInterval <= 0 {
		opts.MaintenanceInterval = time.Minute
	}
	a := &App{
		log:         logger,
		now:         opts.Now,
		metrics:     metrics.New(),
		retention:   cfg.AuditRetention,
		maintenance: opts.MaintenanceInterval,
		// A confirmation still "executing" after the longest a command may
		// run (plus margin) belongs to a replica that died mid-kick.
		stuckAfter: slackapp.DefaultCommandTimeout + 30*time.Second,
	}

	a.store, err = store.Open(ctx, cfg.DatabaseURL.Reveal(), logger.With("component", "store"), store.WithClock(opts.Now))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	defer func() {
		if err != nil {
			a.store.Close()
		}
	}()

	a.rtk, err = realtime.New(realtime.Config{
		APIToken:   cfg.CloudflareAPIToken,
		AccountID:  cfg.CloudflareAccountID,
		AppID:      cfg.RealtimeKitAppID,
		BaseURL:    cfg.CloudflareBaseURL,
		HTTPClient: opts.HTTPClient,
		RateLimit:  rate.Limit(cfg.RealtimeKitRateLimit),
		Burst:      cfg.RealtimeKitBurst,
		Logger:     logger.With("component", "realtime"),
		OnRequest:  a.metrics.Upstream,
		Now:        opts.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("build RealtimeKit client: %w", err)
	}

	// One Web API client for the listener, directory, auditor and notifier.
	api := slackapp.NewClient(cfg.SlackBotToken, cfg.SlackAppToken, cfg.SlackAPIURL,
		opts.HTTPClient, logger.With("component", "slack"))
	a.notifier = slackapp.NewNotifier(api)

	auditors := multiAuditor{storeAuditor{a.store, logger.With("component", "audit")}, logAuditor{logger.With("component", "audit")}}
	if cfg.AuditChannel != "" {
		a.auditor = slackapp.NewAuditor(api, cfg.AuditChannel, logger.With("component", "audit"))
		auditors = append(auditors, a.auditor)
	}

	a.core, err = commands.New(commands.Config{
		Realtime:            a.rtk,
		Directory:           slackapp.NewDirectory(api),
		Auditor:             auditors,
		Moderators:          cfg.Moderators,
		ModeratorGroups:     cfg.ModeratorGroups,
		AdminsAreModerators: cfg.AdminsAreModerators,
		ConfirmTTL:          cfg.ConfirmTTL,
		Confirmations:       a.store,
		Links:               storeLinks{a.store},
		AuditLog:            a.store,
		Deliveries:          a.store,
		Refusals:            a.store,
		RefusalHeld:         a.metrics.RefusalHeld,
		Now:                 opts.Now,
		Logger:              logger.With("component", "commands"),
		Observe: func(verb string, outcome commands.Outcome, d time.Duration) {
			a.metrics.Command(verb, string(outcome), d)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("build command core: %w", err)
	}

	orphanAfter := opts.OrphanAfter
	if orphanAfter == 0 && store.SingleProcess(a.store) {
		// Under SQLite's file lock, any other replica is a process that
		// has exited: take over its unanswered commands at once.
		orphanAfter = time.Nanosecond
	}
	a.listener, err = slackapp.NewListener(slackapp.Config{
		AppToken:        cfg.SlackAppToken,
		BotToken:        cfg.SlackBotToken,
		APIURL:          cfg.SlackAPIURL,
		API:             api,
		Handler:         a.core,
		MaxConcurrent:   cfg.MaxConcurrentCommands,
		ShutdownTimeout: cfg.ShutdownTimeout,
		Inbox:           storeInbox{a.store},
		Heartbeat:       opts.Heartbeat,
		OrphanAfter:     orphanAfter,
		Metrics:         a.metrics,
		Logger:          logger.With("component", "slack"),
		HTTPClient:      opts.HTTPClient,
	})
	if err != nil {
		return nil, fmt.Errorf("build Slack listener: %w", err)
	}

	a.httpLn, err = net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on BOT_HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	// Probes and scrapers send small requests and read small answers; the
	// timeouts stop a client that opens connections and stalls (sends
	// nothing, trickles a body, or keeps an idle connection) from holding
	// them, and a goroutine each, forever.
	a.httpSrv = &http.Server{
		Handler:           a.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       cmp.Or(opts.OpsReadTimeout, 10*time.Second),
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       cmp.Or(opts.OpsIdleTimeout, 60*time.Second),
	}
	return a, nil
}

// newTransport is net/http's default transport keeping enough idle
// connections for every worker. The default keeps two per host, so with
// dozens of commands posting to Slack's response_url host and calling
// RealtimeKit at once most connections were closed after one request and
// dialled again for the next: a TCP (and, against the real services, TLS)
// handshake per request. Under the mixed-steady load dialling alone was
// 2.6% of the bot's CPU against plain-HTTP fakes.
func newTransport(workers int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = workers
	t.MaxIdleConns = 2 * workers // RealtimeKit and Slack
	return t
}

// HTTPAddr is the address the health and metrics server listens on.
func (a *App) HTTPAddr() string { return a.httpLn.Addr().String() }

func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !a.checked.Load() {
			http.Error(w, "checking the Slack and Cloudflare tokens", http.StatusServiceUnavailable)
			return
		}
		if !a.listener.Ready() {
			http.Error(w, "not connected to Slack", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", a.metrics.Handler())
	return mux
}

// Run checks the tokens, then serves until ctx is cancelled, then stops
// taking commands, lets the in-flight ones finish (up to
// BOT_SHUTDOWN_TIMEOUT) and returns nil. It returns an error only if the
// bot could not keep running: a *config.Error if Slack or Cloudflare
// refused a token. A service it cannot reach is retried, with /readyz
// answering 503, until it answers or ctx is cancelled.
func (a *App) Run(ctx context.Context) error {
	defer a.store.Close()
	httpErr := make(chan error, 1)
	go func() {
		if err := a.httpSrv.Serve(a.httpLn); !errors.Is(err, http.ErrServerClosed) {
			httpErr <- err
		}
		close(httpErr)
	}()
	a.log.Info("rtkbot starting: checking the Slack and Cloudflare tokens", "http_addr", a.HTTPAddr())
	if err := a.checkCredentials(ctx); err != nil {
		shutCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		_ = a.httpSrv.Shutdown(shutCtx)
		if ctx.Err() != nil {
			a.log.Info("rtkbot stopped before the tokens could be checked")
			return nil
		}
		return err
	}
	a.checked.Store(true)
	a.log.Info("rtkbot started", "http_addr", a.HTTPAddr())

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	maintained := make(chan struct{})
	go func() {
		defer close(maintained)
		a.maintain(runCtx)
	}()
	listenErr := make(chan error, 1)
	go func() { listenErr <- a.listener.Run(runCtx) }()

	var err error
	select {
	case err = <-listenErr:
	case err = <-httpErr:
		err = fmt.Errorf("health server: %w", err)
		cancel()
		<-listenErr
	}
	cancel()
	<-maintained
	if a.auditor != nil {
		a.auditor.Close()
	}
	shutCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	_ = a.httpSrv.Shutdown(shutCtx)
	if err != nil {
		return err
	}
	a.log.Info("rtkbot stopped")
	return nil
}
