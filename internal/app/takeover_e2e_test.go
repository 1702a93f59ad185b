package app_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rtkbot/rtkbot/internal/app"
	"github.com/rtkbot/rtkbot/internal/config"
	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
	"github.com/rtkbot/rtkbot/internal/secret"
	"github.com/rtkbot/rtkbot/internal/slackapp"
	"github.com/rtkbot/rtkbot/internal/store"
	"github.com/rtkbot/rtkbot/internal/testutil"
)

// Tests of who answers a command when the process that accepted it is
// gone. Their heartbeat and take-over intervals are an hour wherever the
// test is about what happens at once: an answer that comes at all, within
// the test's few seconds, cannot have waited for either.

// inboxRow is a delivery's row in a Postgres inbox, and whether its owner
// is still listed among the live replicas.
type inboxRow struct {
	owner       string
	answered    bool
	ownerListed bool
}

func pgInboxRow(t *testing.T, databaseURL, envelopeID string) inboxRow {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	var r inboxRow
	err = conn.QueryRow(ctx, `SELECT owner, done_at IS NOT NULL, EXISTS (SELECT 1 FROM replicas WHERE id = inbox.owner)
		FROM inbox WHERE id = $1`, envelopeID).Scan(&r.owner, &r.answered, &r.ownerListed)
	if err != nil {
		t.Fatalf("inbox row %s: %v", envelopeID, err)
	}
	return r
}

// TestRedeliveryAfterARestartIsNotAnsweredAgain: Slack redelivers a
// command whose ack it did not see to the bot's next process, which has
// no memory of it. The inbox shared by both says it was accepted, so the
// copy is acked and dropped, and the requester sees one status card, not
// two. (The core's own duplicate check lives in process memory for reads:
// only the inbox catches this copy.)
func TestRedeliveryAfterARestartIsNotAnsweredAgain(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	d := w.run(modID, "status "+meetingID)
	w.answers(d, 1)
	// Only the status reads count: the restarted bot's start-up check of
	// the Cloudflare token makes a read of its own.
	reads := w.rtk.RequestCount(rtkfake.RouteActiveSession)
	w.stopApp()
	w.startApp()

	if err := w.slack.Redeliver(d.EnvelopeID); err != nil {
		t.Fatal(err)
	}
	acks, err := w.slack.WaitAcks(w.ctx(), 2)
	if err != nil {
		t.Fatalf("the copy was not acked: %v", err)
	}
	if last := acks[len(acks)-1]; last.EnvelopeID != d.EnvelopeID || last.RetryAttempt != 1 {
		t.Fatalf("last ack %+v, want the copy's", last)
	}
	// Stopping drains what the bot has in flight: an answer to the copy
	// would be posted by the time it returns.
	w.stopApp()
	if n := len(w.slack.Responses(d.ResponseURL)); n != 1 {
		t.Errorf("%d answers to one status command, want 1", n)
	}
	if n := w.rtk.RequestCount(rtkfake.RouteActiveSession); n != reads {
		t.Errorf("%d RealtimeKit session reads after the copy arrived, want none", n-reads)
	}
}

// TestShutdownHandsAbandonedCommandToAnotherReplica: replica A, stopping,
// gives up a command still waiting on RealtimeKit when its shutdown grace
// ends. It retires from the inbox as it exits, so replica B, which would
// otherwise wait an hour for A's heartbeat to go stale, answers the command
// at B's next scan.
func TestShutdownHandsAbandonedCommandToAnotherReplica(t *testing.T) {
	t.Parallel()
	databaseURL := testutil.ScratchPostgres(t, "rtkbot_app")
	w := newWorld(t, func(c *config.Config) {
		c.DatabaseURL = secret.String(databaseURL)
		c.ShutdownTimeout = 300 * time.Millisecond
	})
	w.rtk.SetFault(rtkfake.RouteActiveSession, rtkfake.Fault{Hang: true, Times: 1})
	d := w.run(modID, "status "+meetingID)
	if _, err := w.slack.WaitAck(w.ctx(), d.EnvelopeID); err != nil {
		t.Fatalf("no ack: %v", err)
	}
	if err := w.rtk.WaitForRequests(w.ctx(), rtkfake.RouteActiveSession, 1); err != nil {
		t.Fatalf("the command never reached RealtimeKit: %v", err)
	}
	a := pgInboxRow(t, databaseURL, d.EnvelopeID)
	if a.answered || !a.ownerListed {
		t.Fatalf("before A stops, its row is %+v, want unanswered, owned by a live replica", a)
	}

	// Replica B: same database, same Slack app, an hour's patience.
	opened := w.slack.ConnectionsOpened()
	logger := slog.New(slog.NewJSONHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	b, err := app.New(t.Context(), w.cfg, logger, app.Options{Now: w.clock.Now, Heartbeat: 100 * time.Millisecond, OrphanAfter: time.Hour})
	if err != nil {
		t.Fatalf("replica B: %v", err)
	}
	bctx, stopB := context.WithCancel(context.Background())
	bDone := make(chan error, 1)
	go func() { bDone <- b.Run(bctx) }()
	t.Cleanup(func() {
		stopB()
		if err := <-bDone; err != nil {
			t.Errorf("replica B: Run returned %v", err)
		}
	})
	if err := w.slack.WaitConnectionsOpened(w.ctx(), opened+1); err != nil {
		t.Fatalf("replica B never connected: %v", err)
	}

	w.stopApp() // A: the grace ends with the status still waiting
	if n := len(w.slack.Responses(d.ResponseURL)); n != 0 {
		t.Fatalf("A answered %d times before stopping", n)
	}
	rs := w.answers(d, 1)
	mustContain(t, "status card", shown(t, rs[0]), "Weekly All-Hands", "LIVE")
	mustContain(t, "logs", w.logs.String(), "answering a command accepted by a replica that stopped before answering it")

	var row inboxRow
	deadline := time.Now().Add(10 * time.Second)
	for row = pgInboxRow(t, databaseURL, d.EnvelopeID); !row.answered && time.Now().Before(deadline); row = pgInboxRow(t, databaseURL, d.EnvelopeID) {
		time.Sleep(20 * time.Millisecond)
	}
	if !row.answered || row.owner == a.owner || !row.ownerListed {
		t.Errorf("after the take-over the row is %+v, want answered, owned by live replica B (A was %s)", row, a.owner)
	}
	if n := len(w.slack.Responses(d.ResponseURL)); n != 1 {
		t.Errorf("%d answers, want 1", n)
	}
}

// TestRestartTakesOverAKilledPredecessorsCommandAtOnce: on SQLite one
// process runs at a time, so a restarted bot answers what its predecessor
// accepted and never answered as soon as it starts, although the
// predecessor, killed, neither retired nor let its heartbeat go stale.
// The restarted bot's first heartbeat and scan are an hour away, and the
// default take-over threshold (10 s after the last heartbeat) is never
// reached while the test runs: the answer can only come from the take-over
// at start.
func TestRestartTakesOverAKilledPredecessorsCommandAtOnce(t *testing.T) {
	t.Parallel()
	w := interruptedWorld(t, rtkfake.RouteActiveSession)
	responseURL := w.stopMidCommand(modID, "status "+meetingID, rtkfake.RouteActiveSession)

	// Undo the retirement of the graceful stop: the database now looks as
	// a SIGKILL right after the predecessor's last heartbeat leaves it.
	lastBeat := killedJustAfterHeartbeat(t, w.cfg.DatabaseURL.Reveal())

	w.opts.Heartbeat, w.opts.OrphanAfter = time.Hour, 0 // production's SQLite default
	w.startApp()
	rs, err := w.slack.WaitResponses(w.ctx(), responseURL, 1)
	if err != nil {
		t.Fatalf("the restarted bot did not answer its predecessor's command at once: %v", err)
	}
	mustContain(t, "status card", shown(t, rs[0]), "Weekly All-Hands", "LIVE")
	if threshold := lastBeat.Add(slackapp.DefaultOrphanAfter); !rs[0].At.Before(threshold) {
		t.Errorf("answered at %v, not before the predecessor's heartbeat expired at %v", rs[0].At, threshold)
	}
}

// killedJustAfterHeartbeat gives the owner of every unanswered inbox row a
// heartbeat now, as if it had been killed a moment after beating, and
// returns that time.
func killedJustAfterHeartbeat(t *testing.T, databaseURL string) time.Time {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	s, err := store.Open(ctx, databaseURL, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	rows, err := s.OrphanedInbox(ctx, "test", now.Add(time.Hour), now.Add(-time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	owners := map[string]bool{}
	for _, r := range rows {
		owners[r.Owner] = true
	}
	if len(owners) != 1 {
		t.Fatalf("unanswered rows owned by %v, want one predecessor", owners)
	}
	for o := range owners {
		if err := s.Heartbeat(ctx, o, now); err != nil {
			t.Fatal(err)
		}
	}
	return now
}
