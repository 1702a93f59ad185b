// listener.go holds the Listener itself: its Config and defaults, Run (the
// socket loop and the shutdown sequence) and the dispatch of each socket
// event; a command or click envelope goes on to envelopes.go. The
// concurrency mechanisms a delivery relies on each have a file of their
// own, so that an incident points at one place: workers.go (acks, worker
// slots and the queue), busy.go (telling users the bot is busy), inbox.go
// (recording deliveries before the ack) and takeover.go (heartbeats, and
// adopting what a replica that stopped left unanswered).

package slackapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/metrics"
	"github.com/rtkbot/rtkbot/internal/secret"
)

// Handler is the command core as the listener sees it; *commands.Service
// satisfies it. Both methods return the replies to post, in order.
type Handler interface {
	Handle(ctx context.Context, r commands.Request) []commands.Reply
	Click(ctx context.Context, c commands.Click) []commands.Reply
}

// Config configures a Listener. AppToken, BotToken and Handler are
// required; zero values elsewhere mean the defaults below.
type Config struct {
	AppToken secret.String // xapp-…, opens the socket
	BotToken secret.String // xoxb-…, for the Web API
	APIURL   string        // default https://slack.com/api/
	// API is the Web API client, carrying both tokens (NewClient), that
	// the bot shares; default one built from the fields above.
	API     *slack.Client
	Handler Handler

	// MaxConcurrent bounds commands executing at once
	// (BOT_MAX_CONCURRENT_COMMANDS); default 64.
	MaxConcurrent int
	// QueueSize bounds commands waiting for a worker, each in its own
	// goroutine off the socket's reader, for at most QueueWait; default
	// 16 × MaxConcurrent, negative for no queue. Beyond workers and queue,
	// users are told at once that the bot is busy. A burst of status
	// cards for one meeting shares one RealtimeKit call, so it drains in
	// moments: turning it away would be wrong. At 50 ms a command, 64
	// workers serve about 2500 in QueueWait; 16× (1024) lets a burst of
	// 2000 distinct status cards get 1154 answers rather than 641, for
	// about 10 MB more RSS at the peak (each waiting command holds a
	// goroutine); 32× answered all 2000 but peaked at 67 MB.
	QueueSize int
	// QueueWait is how long a queued command waits for a worker before the
	// user is told the bot is busy; default 2s.
	QueueWait time.Duration
	// CommandTimeout is the deadline for one command's work; default 15s,
	// far inside response_url's 30 minutes and short enough that nobody
	// is left waiting without an answer.
	CommandTimeout time.Duration
	// ShutdownTimeout bounds how long Run waits for in-flight commands
	// once its context is cancelled (BOT_SHUTDOWN_TIMEOUT); default 20s.
	ShutdownTimeout time.Duration

	// Inbox, if set, records every command and click before it is acked,
	// so that one accepted by a replica that dies before answering it is
	// answered by another (see inbox.go). Without it such a command is
	// lost.
	Inbox Inbox
	// Heartbeat is how often this replica tells the Inbox it is alive and
	// looks for deliveries left by replicas that stopped; default 2s.
	Heartbeat time.Duration
	// OrphanAfter is how long a replica may go without a heartbeat before
	// the others take over its unanswered deliveries; default 10s. A
	// replica shutting down hands them over at once.
	OrphanAfter time.Duration

	Metrics    *metrics.Metrics // may be nil
	Logger     *slog.Logger     // default: discard
	HTTPClient *http.Client     // response_url posts and the Web API
}

// Defaults for Config's zero values.
const (
	DefaultAPIURL          = "https://slack.com/api/"
	DefaultMaxConcurrent   = 64
	DefaultQueueWait       = 2 * time.Second
	DefaultCommandTimeout  = 15 * time.Second
	DefaultShutdownTimeout = 20 * time.Second
)

const (
	// abandonWait bounds the wait, after the shutdown timeout, for the
	// commands it cancelled to return: a moment, normally.
	abandonWait = 2 * time.Second
)

// Listener receives slash commands and button clicks over Socket Mode,
// acks each at once and runs it on a bounded pool of workers, posting the
// replies to the envelope's response_url.
type Listener struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics.Metrics
	socket  *socketmode.Client
	api     *slack.Client // the socket's Web API client, for Verify
	resp    *responder
	id      string       // this replica, in the Inbox and the logs
	inbox   *inboxWriter // nil without Config.Inbox; set by Run

	workers  chan struct{} // one token per running command
	queue    chan struct{} // one token per command waiting for a worker
	busy     chan struct{} // one token per running busy post
	inFlight sync.WaitGroup
	ready    atomic.Bool
	started  atomic.Bool
	identity atomic.Pointer[Identity] // set by Verify
	connects int                      // Connected events seen; touched only by Run's goroutine
}

// NewListener checks cfg, fills in defaults and builds the Socket Mode
// client. Nothing is dialled until Run.
func NewListener(cfg Config) (*Listener, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	debugLog := slogOutput{cfg.Logger}
	api := cfg.API
	if api == nil {
		api = NewClient(cfg.BotToken, cfg.AppToken, cfg.APIURL, cfg.HTTPClient, cfg.Logger)
	}
	l := &Listener{
		id:      newReplicaID(),
		cfg:     cfg,
		log:     cfg.Logger,
		metrics: cfg.Metrics,
		socket:  socketmode.New(api, socketmode.OptionLog(debugLog), socketmode.OptionDialer(socketDialer())),
		api:     api,
		resp:    &responder{client: cfg.HTTPClient, pause: retryPause},
		workers: make(chan struct{}, cfg.MaxConcurrent),
		queue:   make(chan struct{}, cfg.QueueSize),
		busy:    make(chan struct{}, maxBusyPosts),
	}
	l.log = l.log.With("replica", l.id)
	return l, nil
}

// validate reports what is wrong with cfg as given, before defaults.
func (cfg Config) validate() error {
	var problems []string
	if cfg.AppToken == "" {
		problems = append(problems, "app token is empty")
	}
	if cfg.BotToken == "" {
		problems = append(problems, "bot token is empty")
	}
	if cfg.Handler == nil {
		problems = append(problems, "handler is nil")
	}
	if cfg.MaxConcurrent < 0 || cfg.CommandTimeout < 0 || cfg.ShutdownTimeout < 0 || cfg.QueueWait < 0 ||
		cfg.Heartbeat < 0 || cfg.OrphanAfter < 0 {
		problems = append(problems, "limits must not be negative")
	}
	if len(problems) > 0 {
		return fmt.Errorf("slack listener config: %s", strings.Join(problems, "; "))
	}
	return nil
}

// withDefaults returns cfg with its zero fields set to their defaults and
// a negative QueueSize (no queue) made 0. The API URL is NewClient's.
func (cfg Config) withDefaults() Config {
	if cfg.MaxConcurrent == 0 {
		cfg.MaxConcurrent = DefaultMaxConcurrent
	}
	switch {
	case cfg.QueueSize == 0:
		cfg.QueueSize = 16 * cfg.MaxConcurrent
	case cfg.QueueSize < 0:
		cfg.QueueSize = 0
	}
	if cfg.QueueWait == 0 {
		cfg.QueueWait = DefaultQueueWait
	}
	if cfg.CommandTimeout == 0 {
		cfg.CommandTimeout = DefaultCommandTimeout
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	if cfg.Heartbeat == 0 {
		cfg.Heartbeat = DefaultHeartbeat
	}
	if cfg.OrphanAfter == 0 {
		cfg.OrphanAfter = DefaultOrphanAfter
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	return cfg
}

// socketDialer is slack-go's default Socket Mode dialer (proxy from the
// environment, 45 s handshake, 32 KiB write buffer so an ack is never split
// into continuation frames Slack would drop) with a 64 KiB read buffer.
// With gorilla's default 4 KiB, a burst of hundreds of envelopes is read a
// few at a time; the kernel's receive buffer fills with small segments,
// TCP closes the window and the sender waits out a ~200 ms persist timer
// before resuming. BenchmarkAckLatency showed those stalls as a p99 of
// ~230 ms; reading 64 KiB at a time drains the burst and removes them.
func socketDialer() *websocket.Dialer {
	return &websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: 45 * time.Second,
		ReadBufferSize:   64 << 10,
		WriteBufferSize:  32 << 10,
	}
}

// Ready reports whether the Socket Mode connection is up, for /readyz.
func (l *Listener) Ready() bool { return l.ready.Load() }

// Run connects and serves until ctx is cancelled or the connection fails
// for good (for example a revoked token), which is the only error it
// returns. On cancellation it stops acking, so Slack redelivers new
// envelopes to another connection, waits up to ShutdownTimeout for the
// commands in flight (they run on contexts of their own, not ctx) and
// returns nil. A Listener runs once.
func (l *Listener) Run(ctx context.Context) error {
	if !l.started.CompareAndSwap(false, true) {
		return errors.New("slack listener: Run called twice")
	}
	// Work outlives ctx so in-flight commands finish after a SIGTERM; it
	// is cancelled only when the shutdown grace runs out.
	work, abandon := context.WithCancel(context.WithoutCancel(ctx))
	defer abandon()

	var inboxDone chan struct{}
	stopBeating := func() {}
	if l.cfg.Inbox != nil {
		// Beat before the first row is written: a row whose owner has
		// never beaten is an orphan to the other replicas.
		l.heartbeat(ctx)
		l.inbox = newInboxWriter(l.cfg.Inbox, l.log, inboxFlush)
		var beat context.Context
		beat, stopBeating = context.WithCancel(work)
		inboxDone = make(chan struct{})
		go func() {
			defer close(inboxDone)
			l.keepInbox(beat, ctx, work)
		}()
	}
	defer stopBeating()

	socketCtx, stopSocket := context.WithCancel(ctx)
	defer stopSocket()
	socketDone := make(chan error, 1)
	go func() { socketDone <- l.socket.RunContext(socketCtx) }()

	var socketErr error
	socketRunning := true
	for socketRunning && ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case socketErr = <-socketDone:
			socketRunning = false
		case evt := <-l.socket.Events:
			l.dispatch(ctx, work, evt)
		}
	}
	l.ready.Store(false)
	stopSocket()
	l.log.Info("slack listener stopping; waiting for commands in flight",
		"timeout", l.cfg.ShutdownTimeout)

	grace, cancelGrace := context.WithTimeout(context.Background(), l.cfg.ShutdownTimeout)
	defer cancelGrace()
	drained := make(chan struct{})
	go func() { l.inFlight.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-grace.Done():
		l.log.Warn("shutdown timeout: abandoning commands still in flight")
		abandon()
		// Cancelled, they return at once; let them record how they
		// ended (audit, delivery outcome) while the database is open,
		// so that whoever takes them over knows what the bot knows.
		select {
		case <-drained:
		case <-time.After(abandonWait):
			l.log.Warn("commands abandoned at the shutdown timeout are still running; stopping without them", "waited", abandonWait)
		}
	}
	if l.inbox != nil {
		// Keep beating until the last answer is recorded; then step down,
		// so that whatever is left unanswered (commands abandoned at the
		// grace's end) is taken over at once.
		l.inbox.close()
		stopBeating()
		<-inboxDone
		rctx, cancel := context.WithTimeout(context.Background(), inboxWriteTimeout)
		if err := l.cfg.Inbox.RetireReplica(rctx, l.id); err != nil {
			l.log.Warn("cannot retire from the inbox; other replicas take over after the heartbeat timeout", "err", err)
		}
		cancel()
	}
	if socketRunning {
		select {
		case <-socketDone:
		case <-grace.Done():
		}
	}
	if socketErr != nil && ctx.Err() == nil {
		return fmt.Errorf("slack socket mode: %w", socketErr)
	}
	return nil
}

// dispatch handles one event from the socket. It runs on Run's goroutine,
// which is the only reader of socket.Events: anything slow here stalls the
// socket's reader, which then misses Slack's pings and drops the
// connection. So it acks, takes a worker slot or not, and hands off.
func (l *Listener) dispatch(ctx, work context.Context, evt socketmode.Event) {
	received := time.Now()
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		l.ready.Store(false)
		if e, ok := evt.Data.(*slack.ConnectingEvent); ok {
			l.log.Debug("connecting to Slack", "attempt", e.Attempt)
		}
	case socketmode.EventTypeConnected:
		l.ready.Store(true)
		l.connects++
		if l.connects > 1 {
			l.metrics.Reconnect()
		}
		l.log.Info("connected to Slack", "connection", l.connects)
	case socketmode.EventTypeConnectionError:
		l.ready.Store(false)
		if e, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			l.log.Warn("cannot connect to Slack; retrying",
				"attempt", e.Attempt, "backoff", e.Backoff, "err", e.ErrorObj)
		}
	case socketmode.EventTypeInvalidAuth:
		l.ready.Store(false)
		l.log.Error("Slack refused the app token (apps.connections.open)")
	case socketmode.EventTypeDisconnect:
		l.ready.Store(false)
		l.log.Info("Slack asked to disconnect", "reason", requestReason(evt.Request))
	case socketmode.EventTypeHello:
		if evt.Request != nil {
			l.log.Debug("hello from Slack", "connections", evt.Request.NumConnections)
		}
	case socketmode.EventTypeIncomingError:
		if e, ok := evt.Data.(*slack.IncomingEventError); ok {
			l.log.Warn("reading from the socket failed", "err", e.ErrorObj)
		}
	case socketmode.EventTypeErrorBadMessage:
		if e, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
			l.log.Warn("unreadable message on the socket", "err", e.Cause)
		}
	case socketmode.EventTypeErrorWriteFailed:
		if e, ok := evt.Data.(*socketmode.ErrorWriteFailed); ok && e.Response != nil {
			l.log.Error("writing an ack failed; Slack will redeliver",
				"envelope_id", e.Response.EnvelopeID, "err", e.Cause)
		}
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok || evt.Request == nil {
			l.log.Error("slash command envelope without a command")
			return
		}
		l.onSlashCommand(ctx, work, evt.Request, received, cmd)
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok || evt.Request == nil {
			l.log.Error("interactive envelope without a payload")
			return
		}
		l.onInteraction(ctx, work, evt.Request, received, cb)
	case socketmode.EventTypeEventsAPI:
		// The manifest subscribes to no events; ack so Slack stops retrying.
		if evt.Request != nil {
			_ = l.ack(ctx, evt.Request, received, nil)
		}
		l.log.Debug("ignoring Events API envelope")
	default:
		l.log.Debug("ignoring socket event", "type", string(evt.Type))
	}
}

func requestReason(r *socketmode.Request) string {
	if r == nil {
		return ""
	}
	return r.Reason
}

// slogOutput lets slack-go's debug logger write to slog. Debug output is
// off, so this only keeps the library away from stderr.
type slogOutput struct{ log *slog.Logger }

func (s slogOutput) Output(_ int, msg string) error {
	s.log.Debug(strings.TrimSpace(msg), "component", "slack-go")
	return nil
}
