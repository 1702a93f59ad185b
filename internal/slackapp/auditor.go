package slackapp

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/rtkbot/rtkbot/internal/commands"
)

// The audit poster must serve the core's auditor port.
var _ commands.Auditor = (*Auditor)(nil)

const (
	// auditQueue is how many entries may wait for the poster. A burst
	// beyond it means Slack is slow or down; dropping (with a warning in
	// the log, which is the audit trail of last resort) beats holding up
	// the commands being audited.
	auditQueue = 256
	// auditPostTimeout bounds one chat.postMessage, Retry-After included.
	auditPostTimeout = 15 * time.Second
	// auditFlushTimeout bounds Close's wait for the queue to drain.
	auditFlushTimeout = 10 * time.Second
)

// Auditor posts the audit trail to a channel with chat.postMessage, from a
// single background goroutine fed by a bounded queue, so Record never
// blocks a command. Close flushes it.
type Auditor struct {
	api     *slack.Client
	channel string
	log     *slog.Logger

	mu     sync.RWMutex // guards closed against Record racing Close
	closed bool
	queue  chan commands.AuditEntry
	stop   context.Context // cancelled when the flush runs out of time
	abort  context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// NewAuditor starts an Auditor posting to channelID through api, which
// must carry the bot token (scopes chat:write, and chat:write.public to
// post without being invited).
func NewAuditor(api *slack.Client, channelID string, logger *slog.Logger) *Auditor {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	stop, abort := context.WithCancel(context.Background())
	a := &Auditor{
		api:     api,
		channel: channelID,
		log:     logger.With("audit_channel", channelID),
		queue:   make(chan commands.AuditEntry, auditQueue),
		stop:    stop,
		abort:   abort,
		done:    make(chan struct{}),
	}
	go a.run()
	return a
}

// Record queues e for posting and returns at once. A full queue, or a
// closed Auditor, drops the entry with a warning that carries it.
func (a *Auditor) Record(_ context.Context, e commands.AuditEntry) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.closed {
		a.log.Warn("audit entry after shutdown; not posted", auditAttrs(e)...)
		return
	}
	select {
	case a.queue <- e:
	default:
		a.log.Warn("audit queue full; entry dropped", auditAttrs(e)...)
	}
}

// Close stops taking entries and waits for the queued ones to be posted,
// for up to auditFlushTimeout; what is left then is logged and dropped.
// It is safe to call more than once.
func (a *Auditor) Close() {
	a.once.Do(func() {
		a.mu.Lock()
		a.closed = true
		close(a.queue)
		a.mu.Unlock()
		t := time.NewTimer(auditFlushTimeout)
		defer t.Stop()
		select {
		case <-a.done:
			return
		case <-t.C:
			a.abort()
		}
		<-a.done
	})
}

func (a *Auditor) run() {
	defer close(a.done)
	defer a.abort()
	for e := range a.queue {
		if a.stop.Err() != nil {
			a.log.Warn("audit flush timed out; entry not posted", auditAttrs(e)...)
			continue
		}
		a.post(e)
	}
}

// post sends one entry, waiting out one 429 within auditPostTimeout.
func (a *Auditor) post(e commands.AuditEntry) {
	ctx, cancel := context.WithTimeout(a.stop, auditPostTimeout)
	defer cancel()
	opts := auditMessage(e)
	err := retryRateLimited(ctx, func() error {
		_, _, err := a.api.PostMessageContext(ctx, a.channel, opts...)
		return err
	})
	if err != nil {
		var rl *slack.RateLimitedError
		if errors.As(err, &rl) {
			a.log.Warn("audit post rate limited; entry not posted",
				append(auditAttrs(e), "retry_after", rl.RetryAfter)...)
			return
		}
		a.log.Error("audit post failed; entry not posted", append(auditAttrs(e), "err", err)...)
	}
}

// auditAttrs puts an entry into a log line, so a dropped post still leaves
// the trail in the logs.
func auditAttrs(e commands.AuditEntry) []any {
	attrs := []any{
		"team_id", e.TeamID, "channel_id", e.ChannelID, "user_id", e.UserID, "command", e.Verb,
		"meeting_id", e.MeetingID, "outcome", string(e.Outcome),
		"targets", e.Targets, "detail", e.Detail,
	}
	if e.Ref != "" {
		attrs = append(attrs, "ref", e.Ref)
	}
	return attrs
}

// auditMessage is the chat.postMessage body for an entry.
func auditMessage(e commands.AuditEntry) []slack.MsgOption {
	text, blocks := RenderAudit(e)
	return []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)}
}
