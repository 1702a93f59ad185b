// busy.go holds the answer for when every worker and queue place is taken.
// A user is told the bot is busy in one of three ways: a slash command
// with no slot gets it in its ack (onSlashCommand, no extra I/O); a click
// with no slot gets it through its response_url, from one of a few
// goroutines bounded here (postBusy); a queued command that found no
// worker within QueueWait gets it from its own goroutine (run, in
// workers.go). It is separate so that the bounds on answering under
// overload are in one place.

package slackapp

import (
	"context"
	"log/slog"
)

const (
	// maxBusyPosts bounds the goroutines telling clickers the bot is busy.
	maxBusyPosts = 16
)

// postBusy tells a clicker that every worker is taken, from one of a few
// goroutines; beyond those the click goes unanswered (and is logged).
func (l *Listener) postBusy(work context.Context, log *slog.Logger, responseURL string) {
	select {
	case l.busy <- struct{}{}:
	default:
		log.Warn("too busy even to say so; click left unanswered")
		return
	}
	l.inFlight.Add(1)
	go func() {
		defer func() {
			<-l.busy
			l.inFlight.Done()
		}()
		ctx, cancel := context.WithTimeout(work, postTimeout)
		defer cancel()
		if err := l.resp.post(ctx, responseURL, newResponseMessage(BusyMessage())); err != nil {
			log.Error("cannot post busy answer", "err", err)
		}
	}()
}
