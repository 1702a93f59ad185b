// inbox.go holds the inbox port (Inbox, InboxItem) and its write path:
// the payload recorded for each delivery, the writer that batches rows and
// answered marks into shared commits, and accept, which records a command
// or click before acking it. Taking over another replica's deliveries is
// in takeover.go.

package slackapp

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/slack-go/slack/socketmode"

	"github.com/rtkbot/rtkbot/internal/commands"
)

// Slack redelivers an envelope only until it is acked. Once it is, the
// connection that acked it is the only one that will ever answer it; if its
// process dies before answering, the command is lost: never run, never
// answered. The inbox closes that gap. Every command and click is written
// to it (with its response_url) before it is acked, and marked answered
// after its replies are posted. Each replica beats into the same database;
// a replica that sees unanswered rows whose owner stopped beating (or shut
// down without finishing them) adopts them, one replica per row, and runs
// them as Recovered deliveries: the core then runs what the dead replica had
// not started and reports, rather than repeats, a change it may have made.
// A restarted single process (SQLite) recovers its own predecessor's rows
// the same way.

// InboxItem is one accepted delivery, as the Inbox stores it.
type InboxItem struct {
	ID         string // the envelope ID
	Owner      string // the replica answering it
	Payload    []byte
	ReceivedAt time.Time
}

// Inbox is the durable record of accepted deliveries, shared by replicas
// (the store implements it). See store.Store for each method's contract.
type Inbox interface {
	WriteInbox(ctx context.Context, add []InboxItem, done []string, now time.Time) (fresh []bool, err error)
	Heartbeat(ctx context.Context, replica string, now time.Time) error
	RetireReplica(ctx context.Context, replica string) error
	OrphanedInbox(ctx context.Context, self string, aliveAfter, receivedAfter time.Time, limit int) ([]InboxItem, error)
	AdoptInbox(ctx context.Context, id, from, to string) (bool, error)
}

const (
	// inboxBatch bounds the deliveries written in one transaction.
	inboxBatch = 512
	// inboxWait is how long an envelope waits for its inbox row before it
	// is acked anyway: Slack's 3 s deadline comes first. It is then
	// answered without the crash protection, which the log says.
	inboxWait = time.Second
	// inboxBusy and inboxLinger: a write within inboxBusy of the last one
	// waits up to inboxLinger for company (see inboxWriter.loop).
	inboxBusy   = 2 * time.Millisecond
	inboxLinger = 500 * time.Microsecond
	// inboxFlush is the longest a delivery's answered mark waits for a
	// commit to share: under load the next delivery comes sooner. It is
	// short because a process killed in that window leaves a row that its
	// successor takes for unanswered: a read is answered twice, a change
	// is reported as interrupted after its answer.
	inboxFlush = 5 * time.Millisecond
	// inboxWriteTimeout bounds one batch's transaction.
	inboxWriteTimeout = 5 * time.Second
)

// inboxPayload is what the inbox keeps of a delivery: the request as the
// core takes it, and where to answer.
type inboxPayload struct {
	Command     *commands.Request `json:"command,omitempty"`
	Click       *commands.Click   `json:"click,omitempty"`
	ResponseURL string            `json:"response_url"`
}

// call runs the delivery through h.
func (p inboxPayload) call(h Handler) func(context.Context) []commands.Reply {
	if p.Click != nil {
		c := *p.Click
		return func(ctx context.Context) []commands.Reply { return h.Click(ctx, c) }
	}
	r := *p.Command
	return func(ctx context.Context) []commands.Reply { return h.Handle(ctx, r) }
}

// inboxWriter funnels inbox writes through one goroutine, which commits
// whatever has queued up since its last commit in one transaction: one
// envelope alone costs one commit, and a burst of hundreds costs a few.
type inboxWriter struct {
	inbox      Inbox
	log        *slog.Logger
	flushAfter time.Duration // inboxFlush, but for tests
	ops        chan inboxOp
	done       chan struct{}

	mu     sync.RWMutex // held for reading while sending on ops
	closed bool
}

// inboxOp adds a delivery (result is then non-nil) or marks one answered.
type inboxOp struct {
	add    InboxItem
	done   string
	result chan inboxResult // buffered: the writer never waits on it
}

type inboxResult struct {
	fresh bool
	err   error
}

func newInboxWriter(inbox Inbox, log *slog.Logger, flushAfter time.Duration) *inboxWriter {
	w := &inboxWriter{inbox: inbox, log: log, flushAfter: flushAfter, ops: make(chan inboxOp, inboxBatch), done: make(chan struct{})}
	go w.loop()
	return w
}

func (w *inboxWriter) loop() {
	defer close(w.done)
	batch := make([]inboxOp, 0, inboxBatch)
	var answered []inboxOp // marks waiting for the next commit
	linger := time.NewTimer(0)
	<-linger.C
	flush := time.NewTimer(0)
	<-flush.C
	flushArmed := false
	var lastWrite time.Time
	commit := func() {
		w.write(append(batch, answered...))
		batch, answered = batch[:0], answered[:0]
		flush.Stop() // since Go 1.23 no stale tick can be received after Stop
		flushArmed = false
		lastWrite = time.Now()
	}
	for {
		var op inboxOp
		select {
		case o, ok := <-w.ops:
			if !ok {
				if len(answered) > 0 {
					commit()
				}
				return
			}
			op = o
		case <-flush.C:
			flushArmed = false
			commit()
			continue
		}
		// A mark waits for the next delivery's commit, or inboxFlush:
		// nobody waits on it, and half the commits were marks.
		if op.result == nil {
			answered = append(answered, op)
			if len(answered) >= inboxBatch {
				commit()
			} else if !flushArmed {
				flush.Reset(w.flushAfter)
				flushArmed = true
			}
			continue
		}
		batch = append(batch, op)
		// Busy (the last commit just ended): envelopes are arriving
		// one after another, each a moment behind the last. Wait a
		// little for them, so that a burst pays a few commits rather
		// than one per envelope, which costs more CPU than the wait.
		if time.Since(lastWrite) < inboxBusy {
			linger.Reset(inboxLinger)
		gather:
			for len(batch) < inboxBatch {
				select {
				case op, ok := <-w.ops:
					if !ok {
						break gather
					}
					gatherOp(op, &batch, &answered)
				case <-linger.C:
					break gather
				}
			}
			if !linger.Stop() {
				select {
				case <-linger.C:
				default:
				}
			}
		}
	more:
		for len(batch) < inboxBatch {
			select {
			case op, ok := <-w.ops:
				if !ok {
					break more
				}
				gatherOp(op, &batch, &answered)
			default:
				break more
			}
		}
		commit()
	}
}

// gatherOp puts op with the deliveries or the marks of the commit being
// gathered.
func gatherOp(op inboxOp, batch, answered *[]inboxOp) {
	if op.result == nil {
		*answered = append(*answered, op)
		return
	}
	*batch = append(*batch, op)
}

func (w *inboxWriter) write(batch []inboxOp) {
	var add []InboxItem
	var done []string
	for _, op := range batch {
		if op.result != nil {
			add = append(add, op.add)
		} else {
			done = append(done, op.done)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), inboxWriteTimeout)
	defer cancel()
	fresh, err := w.inbox.WriteInbox(ctx, add, done, time.Now())
	if err != nil {
		w.log.Error("cannot write to the inbox", "err", err, "accepted", len(add), "answered", len(done))
	}
	i := 0
	for _, op := range batch {
		if op.result == nil {
			continue
		}
		r := inboxResult{err: err}
		if err == nil {
			r.fresh = fresh[i]
		}
		op.result <- r
		i++
	}
}

// send queues op; false once the writer is closed.
func (w *inboxWriter) send(op inboxOp) bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return false
	}
	w.ops <- op
	return true
}

// accept writes the delivery and reports whether it is new, waiting at
// most inboxWait. An error means the delivery's fate is unknown; the caller
// answers it anyway.
func (w *inboxWriter) accept(it InboxItem) (fresh bool, err error) {
	res := make(chan inboxResult, 1)
	if !w.send(inboxOp{add: it, result: res}) {
		return false, fmt.Errorf("inbox closed")
	}
	t := time.NewTimer(inboxWait)
	defer t.Stop()
	select {
	case r := <-res:
		return r.fresh, r.err
	case <-t.C:
		return false, fmt.Errorf("inbox write took longer than %s", inboxWait)
	}
}

// answered marks the delivery answered, without waiting for the commit
// (which may be up to inboxFlush later).
func (w *inboxWriter) answered(id string) {
	if !w.send(inboxOp{done: id}) {
		w.log.Warn("inbox closed before a delivery was marked answered; another replica may answer it again", "envelope_id", id)
	}
}

// close commits what is queued and stops the writer. Sends after close are
// dropped.
func (w *inboxWriter) close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.ops)
	}
	w.mu.Unlock()
	<-w.done
}

// accept records a command or click in the inbox, acks it, and runs it
// unless it is a copy of one already accepted (by any replica), which is
// acked and dropped: its first copy is answered, here or by whoever adopts
// it. The caller holds slot; the ack and the write happen on a goroutine
// of their own, off the socket's reader, and many envelopes share one
// commit.
func (l *Listener) accept(ctx, work context.Context, log *slog.Logger, req *socketmode.Request, received time.Time, s slot, p inboxPayload) {
	body, err := json.Marshal(p)
	if err != nil { // cannot happen: plain strings and bools
		log.Error("cannot encode delivery for the inbox", "err", err)
		l.release(s)
		return
	}
	l.inFlight.Add(1)
	go func() {
		defer l.inFlight.Done()
		if ctx.Err() != nil { // shutting down: leave it to Slack to redeliver
			l.release(s)
			return
		}
		fresh, err := l.inbox.accept(InboxItem{ID: req.EnvelopeID, Owner: l.id, Payload: body, ReceivedAt: received})
		if err != nil {
			log.Warn("cannot record a delivery before acking it; answering it without crash protection",
				"envelope_id", req.EnvelopeID, "err", err)
			fresh = true
		}
		if !fresh {
			_ = l.ack(ctx, req, received, nil)
			l.release(s)
			log.Info("ignoring a copy of a delivery already accepted", "envelope_id", req.EnvelopeID,
				"retry_attempt", req.RetryAttempt)
			return
		}
		if l.ack(ctx, req, received, nil) != nil && err != nil {
			l.release(s) // neither acked nor recorded: Slack redelivers it
			return
		}
		// Recorded, so ours to answer even if the ack was lost: a
		// redelivery will be dropped as a copy.
		l.run(work, log, s, p.ResponseURL, req.EnvelopeID, p.call(l.cfg.Handler))
	}()
}
