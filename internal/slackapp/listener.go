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
	Handler  Handler

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
	// ackTimeout bounds queueing an ack for the socket writer. Slack
	// redelivers envelopes not acked within 3 seconds anyway.
	ackTimeout = 2 * time.Second
	// postTimeout bounds one reply's response_url post. It runs on its
	// own context so a command that used its whole deadline can still
	// say so.
	postTimeout = 10 * time.Second
	// maxBusyPosts bounds the goroutines telling clickers the bot is busy.
	maxBusyPosts = 16
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
	api := slack.New(cfg.BotToken.Reveal(),
		slack.OptionAppLevelToken(cfg.AppToken.Reveal()),
		slack.OptionAPIURL(cfg.APIURL),
		slack.OptionHTTPClient(cfg.HTTPClient),
		slack.OptionLog(debugLog),
	)
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

// withDefaults returns cfg with its zero fields set to their defaults, the
// API URL ending in "/" and a negative QueueSize (no queue) made 0.
func (cfg Config) withDefaults() Config {
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	if !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/" // slack-go appends method names to it
	}
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

// onSlashCommand acks a /meeting invocation and starts it on a worker.
// With every worker taken it answers "busy" in the ack itself, which
// Slack shows to the user like a response: no extra I/O for a bot that is
// already overloaded.
func (l *Listener) onSlashCommand(ctx, work context.Context, req *socketmode.Request, received time.Time, cmd slack.SlashCommand) {
	if l.ignoreForeign(ctx, req, received, cmd.TeamID, cmd.EnterpriseID, cmd.APIAppID, cmd.UserID) {
		return
	}
	log := l.log.With("team_id", cmd.TeamID, "channel_id", cmd.ChannelID,
		"user_id", cmd.UserID, "command", commandLabel(cmd.Text))
	if cmd.Command != SlashCommand {
		_ = l.ack(ctx, req, received, nil)
		log.Warn("ignoring a slash command this app does not register", "slash_command", cmd.Command)
		return
	}
	if req.RetryAttempt > 0 {
		log.Info("Slack redelivered a command", "retry_attempt", req.RetryAttempt, "retry_reason", req.RetryReason)
	}
	slot := l.trySlot()
	if slot == noSlot {
		l.metrics.Busy()
		if l.ack(ctx, req, received, newResponseMessage(BusyMessage())) == nil {
			log.Warn("every worker and queue place busy; told the user to try again", "max_concurrent", l.cfg.MaxConcurrent)
		}
		return
	}
	r := commands.Request{
		TeamID:     cmd.TeamID,
		ChannelID:  cmd.ChannelID,
		UserID:     cmd.UserID,
		UserName:   cmd.UserName,
		Text:       cmd.Text,
		EnvelopeID: req.EnvelopeID,
		TriggerID:  cmd.TriggerID,
	}
	p := inboxPayload{Command: &r, ResponseURL: cmd.ResponseURL}
	if l.inbox != nil {
		l.accept(ctx, work, log, req, received, slot, p)
		return
	}
	if l.ack(ctx, req, received, nil) != nil {
		l.release(slot) // not acked, so not ours: Slack redelivers it
		return
	}
	l.start(work, log, slot, cmd.ResponseURL, "", p.call(l.cfg.Handler))
}

// onInteraction acks a button click and, if it is one of the confirmation
// prompt's buttons, starts it on a worker. Busy clicks are told so through
// the response_url, as a new ephemeral message that leaves the prompt in
// place for another try.
func (l *Listener) onInteraction(ctx, work context.Context, req *socketmode.Request, received time.Time, cb slack.InteractionCallback) {
	if l.ignoreForeign(ctx, req, received, cb.Team.ID, cb.Enterprise.ID, cb.APIAppID, cb.User.ID) {
		return
	}
	click, ok := clickFrom(cb, req.EnvelopeID)
	if !ok {
		_ = l.ack(ctx, req, received, nil)
		l.log.Debug("ignoring interaction", "interaction_type", string(cb.Type))
		return
	}
	verb := "cancel"
	if click.Approve {
		verb = "confirm"
	}
	log := l.log.With("team_id", click.TeamID, "channel_id", click.ChannelID,
		"user_id", click.UserID, "command", verb)
	slot := l.trySlot()
	if slot == noSlot {
		if l.ack(ctx, req, received, nil) != nil {
			return
		}
		l.metrics.Busy()
		log.Warn("every worker and queue place busy; telling the user to try again", "max_concurrent", l.cfg.MaxConcurrent)
		l.postBusy(work, log, cb.ResponseURL)
		return
	}
	p := inboxPayload{Click: &click, ResponseURL: cb.ResponseURL}
	if l.inbox != nil {
		l.accept(ctx, work, log, req, received, slot, p)
		return
	}
	if l.ack(ctx, req, received, nil) != nil {
		l.release(slot)
		return
	}
	l.start(work, log, slot, cb.ResponseURL, "", p.call(l.cfg.Handler))
}

// clickFrom finds a confirmation button press in an interaction payload.
func clickFrom(cb slack.InteractionCallback, envelopeID string) (commands.Click, bool) {
	if cb.Type != slack.InteractionTypeBlockActions {
		return commands.Click{}, false
	}
	for _, a := range cb.ActionCallback.BlockActions {
		if a == nil || (a.ActionID != ActionConfirm && a.ActionID != ActionCancel) {
			continue
		}
		channel := cb.Channel.ID
		if channel == "" {
			channel = cb.Container.ChannelID
		}
		return commands.Click{
			TeamID:         cb.Team.ID,
			ChannelID:      channel,
			UserID:         cb.User.ID,
			ConfirmationID: a.Value,
			Approve:        a.ActionID == ActionConfirm,
			EnvelopeID:     envelopeID,
			TriggerID:      cb.TriggerID,
		}, true
	}
	return commands.Click{}, false
}

// commandLabel is the first word of a command's text, for logs: enough to
// tell verbs apart, bounded so a pasted essay stays out of the log line.
func commandLabel(text string) string {
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return SlashCommand
	}
	w := fields[0]
	if len(w) > 32 {
		w = strings.ToValidUTF8(w[:32], "") + "…"
	}
	return SlashCommand + " " + w
}

func requestReason(r *socketmode.Request) string {
	if r == nil {
		return ""
	}
	return r.Reason
}

// ack queues the envelope's ack for the socket writer and records how long
// the envelope waited since it reached this goroutine. Once ctx is
// cancelled nothing is acked, so Slack hands the envelope to another
// connection.
func (l *Listener) ack(ctx context.Context, req *socketmode.Request, received time.Time, payload any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	actx, cancel := context.WithTimeout(ctx, ackTimeout)
	defer cancel()
	err := l.socket.AckCtx(actx, req.EnvelopeID, payload)
	if err != nil {
		l.log.Error("cannot ack envelope", "envelope_id", req.EnvelopeID, "err", err)
		return err
	}
	l.metrics.Ack(req.Type, time.Since(received))
	return nil
}

// slot is what trySlot got a command: a worker, a place in the queue, or
// nothing.
type slot int

const (
	noSlot slot = iota
	workerSlot
	queueSlot
)

// trySlot takes a worker, else a place in the queue, without waiting.
func (l *Listener) trySlot() slot {
	select {
	case l.workers <- struct{}{}:
		return workerSlot
	default:
	}
	select {
	case l.queue <- struct{}{}:
		return queueSlot
	default:
		return noSlot
	}
}

// release gives back a slot that will not be used.
func (l *Listener) release(s slot) {
	switch s {
	case workerSlot:
		<-l.workers
	case queueSlot:
		<-l.queue
	}
}

// slogOutput lets slack-go's debug logger write to slog. Debug output is
// off, so this only keeps the library away from stderr.
type slogOutput struct{ log *slog.Logger }

func (s slogOutput) Output(_ int, msg string) error {
	s.log.Debug(strings.TrimSpace(msg), "component", "slack-go")
	return nil
}
