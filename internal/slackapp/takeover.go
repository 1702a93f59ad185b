// takeover.go holds replica take-over: each replica's heartbeat in the
// Inbox and the periodic scan that adopts the unanswered deliveries of
// replicas that stopped (or shut down without finishing them), running
// them as Recovered. It is separate from inbox.go, which records this
// replica's own deliveries, because it runs on its own clock and acts on
// other replicas' work: a command answered twice, or never, after a
// replica died is debugged here.

package slackapp

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"time"
)

// Defaults for the inbox's Config fields.
const (
	DefaultHeartbeat   = 2 * time.Second
	DefaultOrphanAfter = 10 * time.Second
)

const (
	// orphanMaxAge: a response_url works for 30 minutes, so older orphans
	// cannot be answered; a margin leaves time to run the command.
	orphanMaxAge = 25 * time.Minute
	// adoptBatch bounds the orphans listed per scan.
	adoptBatch = 64
)

// newReplicaID names this process in the heartbeat table and the logs:
// the host (a pod name, in Kubernetes) and a random suffix, since a
// restarted process must not pass for the one that died.
func newReplicaID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "rtkbot"
	}
	return host + "-" + newRef()
}

// keepInbox beats until beat is done, and until ctx is done adopts, every
// Heartbeat, the deliveries left unanswered by replicas that stopped.
func (l *Listener) keepInbox(beat, ctx, work context.Context) {
	t := time.NewTicker(l.cfg.Heartbeat)
	defer t.Stop()
	l.adoptOrphans(ctx, work) // a restarted process answers its predecessor's at once
	for {
		select {
		case <-beat.Done():
			return
		case <-t.C:
		}
		l.heartbeat(beat)
		if ctx.Err() == nil {
			l.adoptOrphans(ctx, work)
		}
	}
}

func (l *Listener) heartbeat(ctx context.Context) {
	bctx, cancel := context.WithTimeout(ctx, l.cfg.Heartbeat)
	defer cancel()
	if err := l.cfg.Inbox.Heartbeat(bctx, l.id, time.Now()); err != nil && ctx.Err() == nil {
		l.log.Warn("cannot record heartbeat; other replicas may take over this one's commands", "err", err)
	}
}

// adoptOrphans takes over unanswered deliveries of replicas that stopped,
// each once a worker is free for it.
func (l *Listener) adoptOrphans(ctx, work context.Context) {
	now := time.Now()
	orphans, err := l.cfg.Inbox.OrphanedInbox(ctx, l.id, now.Add(-l.cfg.OrphanAfter), now.Add(-orphanMaxAge), adoptBatch)
	if err != nil {
		if ctx.Err() == nil {
			l.log.Warn("cannot look for commands left by stopped replicas", "err", err)
		}
		return
	}
	for _, it := range orphans {
		var p inboxPayload
		if err := json.Unmarshal(it.Payload, &p); err != nil || (p.Command == nil) == (p.Click == nil) {
			l.log.Error("unreadable inbox row; leaving it", "envelope_id", it.ID, "owner", it.Owner, "err", err)
			continue
		}
		select {
		case l.workers <- struct{}{}:
		case <-ctx.Done():
			return
		}
		ok, err := l.cfg.Inbox.AdoptInbox(ctx, it.ID, it.Owner, l.id)
		if err != nil || !ok {
			<-l.workers
			if err != nil && ctx.Err() == nil {
				l.log.Warn("cannot adopt a command left by a stopped replica", "envelope_id", it.ID, "err", err)
			}
			continue
		}
		l.metrics.Adopted()
		var log *slog.Logger
		if p.Click != nil {
			p.Click.Recovered = true
			log = l.log.With("team_id", p.Click.TeamID, "channel_id", p.Click.ChannelID, "user_id", p.Click.UserID, "command", "click")
		} else {
			p.Command.Recovered = true
			log = l.log.With("team_id", p.Command.TeamID, "channel_id", p.Command.ChannelID,
				"user_id", p.Command.UserID, "command", commandLabel(p.Command.Text))
		}
		log.Warn("answering a command accepted by a replica that stopped before answering it",
			"envelope_id", it.ID, "previous_owner", it.Owner, "received_at", it.ReceivedAt)
		l.start(work, log, workerSlot, p.ResponseURL, it.ID, p.call(l.cfg.Handler))
	}
}
