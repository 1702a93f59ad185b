// workers.go holds the path from an envelope to a running command: the ack,
// the bounded pool of worker slots and the queue in front of it, and the
// goroutine that runs a command on its slot and gives the slot back. When
// commands wait, time out or pile up, look here; what happens once a
// command has run (posting its replies) is in respond.go.

package slackapp

import (
	"context"
	"log/slog"
	"time"

	"github.com/slack-go/slack/socketmode"

	"github.com/rtkbot/rtkbot/internal/commands"
)

const (
	// ackTimeout bounds queueing an ack for the socket writer. Slack
	// redelivers envelopes not acked within 3 seconds anyway.
	ackTimeout = 2 * time.Second
)

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

// start runs run on a goroutine of its own.
func (l *Listener) start(work context.Context, log *slog.Logger, s slot, responseURL, inboxID string, call func(context.Context) []commands.Reply) {
	l.inFlight.Add(1)
	go func() {
		defer l.inFlight.Done()
		l.run(work, log, s, responseURL, inboxID, call)
	}()
}

// run runs call on a worker, then posts its replies and, if the delivery
// is in the inbox (inboxID), marks it answered. The caller holds a worker
// slot, or a queue place that is traded for a worker within QueueWait
// (else the user is told the bot is busy). The command gets CommandTimeout
// on a context derived from work, not from Run's, so a shutdown lets it
// finish.
func (l *Listener) run(work context.Context, log *slog.Logger, s slot, responseURL, inboxID string, call func(context.Context) []commands.Reply) {
	if l.inbox != nil && inboxID != "" {
		defer func() {
			// An abandoned command (the shutdown grace ran out) is left
			// unanswered in the inbox, for another replica to take over.
			if work.Err() == nil {
				l.inbox.answered(inboxID)
			}
		}()
	}
	if s == queueSlot && !l.awaitWorker(work) {
		l.metrics.Busy()
		log.Warn("no worker freed up in time; telling the user to try again", "queue_wait", l.cfg.QueueWait)
		ctx, cancel := context.WithTimeout(work, postTimeout)
		defer cancel()
		if err := l.resp.post(ctx, responseURL, newResponseMessage(BusyMessage())); err != nil {
			log.Error("cannot post busy notice", "err", err)
		}
		return
	}
	l.metrics.InFlight(1)
	defer func() {
		<-l.workers
		l.metrics.InFlight(-1)
	}()
	replies := l.execute(work, log, call)
	l.postReplies(work, log, responseURL, replies)
}

// awaitWorker trades a queue place for a worker slot, waiting at most
// QueueWait. It reports whether it got one; the queue place is given back
// either way.
func (l *Listener) awaitWorker(work context.Context) bool {
	defer func() { <-l.queue }()
	t := time.NewTimer(l.cfg.QueueWait)
	defer t.Stop()
	select {
	case l.workers <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-work.Done():
		return false
	}
}
