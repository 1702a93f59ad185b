package slackapp

import (
	"context"
	"testing"
	"time"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/secret"
	"github.com/rtkbot/rtkbot/internal/slackapp/slackfake"
)

// TestCopyOfACommandInFlightIsDroppedByAnyReplica: Slack redelivers a
// command whose ack it did not see while replica A is still working on
// it; the copy may land on replica B, whose core has never seen it. The
// inbox both share says it is taken: the copy is acked and never reaches
// a core, and the requester gets A's answer only.
func TestCopyOfACommandInFlightIsDroppedByAnyReplica(t *testing.T) {
	t.Parallel()
	inbox := newMemInbox()
	// Nobody takes A's command over while the test runs.
	slow := func(c *Config) { c.Inbox, c.Heartbeat, c.OrphanAfter = inbox, time.Hour, time.Hour }
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	coreA := &coreStub{handle: func(context.Context, commands.Request) []commands.Reply {
		started <- struct{}{}
		<-release
		return []commands.Reply{noticeReply(commands.Ephemeral, "answered by A")}
	}}
	a := startListener(t, coreA, slackfake.Config{}, slow)
	d := a.fake.SlashCommand(slackfake.SlashCommand{ChannelID: "C1", UserID: "U1", Text: "status 123"})
	select {
	case <-started:
	case <-time.After(waitGuard):
		t.Fatal("the command never started")
	}

	coreB := &coreStub{handle: func(context.Context, commands.Request) []commands.Reply {
		return []commands.Reply{noticeReply(commands.Ephemeral, "answered by B")}
	}}
	opened := a.fake.ConnectionsOpened()
	b := startListener(t, coreB, slackfake.Config{}, func(c *Config) {
		slow(c)
		c.AppToken, c.BotToken, c.APIURL = secret.String(a.fake.AppToken()), secret.String(a.fake.BotToken()), a.fake.APIURL()
	})
	if err := a.fake.WaitConnectionsOpened(listenWaitCtx(t), opened+1); err != nil {
		t.Fatalf("B never connected: %v", err)
	}
	if err := a.fake.Redeliver(d.EnvelopeID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.fake.WaitAcks(listenWaitCtx(t), 2); err != nil {
		t.Fatalf("the copy was not acked: %v", err)
	}
	// Stopping B drains what it has in flight; whoever got the copy, A
	// or B, has by now either dropped it or started it.
	if err := b.stop(t); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := a.stop(t); err != nil {
		t.Fatal(err)
	}
	if n := coreA.calls.Load() + coreB.calls.Load(); n != 1 {
		t.Errorf("the command reached a core %d times (A %d, B %d), want once", n, coreA.calls.Load(), coreB.calls.Load())
	}
	var got []string
	for _, r := range a.fake.Responses(d.ResponseURL) {
		got = append(got, r.Text)
	}
	if len(got) != 1 || got[0] != "answered by A" {
		t.Errorf("answers %q, want A's only", got)
	}
}
