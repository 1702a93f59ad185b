// takeover_test.go tests replica take-over (takeover.go): a command left
// unanswered by a replica that stopped is answered by another, once. The
// in-memory Inbox it uses is in inbox_test.go.

package slackapp

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/secret"
	"github.com/rtkbot/rtkbot/internal/slackapp/slackfake"
)

// TestSilentReplicasCommandIsTakenOver: a replica that accepted a command
// and stopped beating (hung, or killed) has it answered by another, once,
// as a Recovered delivery.
func TestSilentReplicasCommandIsTakenOver(t *testing.T) {
	t.Parallel()
	inbox := newMemInbox()
	fast := func(c *Config) {
		c.Inbox, c.Heartbeat, c.OrphanAfter = inbox, 20*time.Millisecond, 200*time.Millisecond
	}
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	stuck := &coreStub{handle: func(ctx context.Context, _ commands.Request) []commands.Reply {
		started <- struct{}{}
		<-release
		return nil
	}}
	a := startListener(t, stuck, slackfake.Config{}, fast)
	t.Cleanup(func() { close(release) })
	d := a.fake.SlashCommand(slackfake.SlashCommand{ChannelID: "C1", UserID: "U1", Text: "mute 123 bob"})
	select {
	case <-started:
	case <-time.After(waitGuard):
		t.Fatal("the command never started")
	}
	inbox.silence(a.l.id)

	got := make(chan commands.Request, 2)
	survivor := &coreStub{handle: func(_ context.Context, r commands.Request) []commands.Reply {
		got <- r
		return []commands.Reply{noticeReply(commands.Ephemeral, "answered by the survivor")}
	}}
	b := startListener(t, survivor, slackfake.Config{}, func(c *Config) {
		fast(c)
		c.AppToken, c.BotToken, c.APIURL = secret.String(a.fake.AppToken()), secret.String(a.fake.BotToken()), a.fake.APIURL()
	})
	rs, err := a.fake.WaitResponses(listenWaitCtx(t), d.ResponseURL, 1)
	if err != nil {
		t.Fatalf("nobody answered: %v", err)
	}
	if v := viewOfResponse(t, rs[0]); !strings.Contains(v.Text, "answered by the survivor") {
		t.Errorf("answer %+v, want the survivor's", v)
	}
	r := <-got
	if !r.Recovered || r.Text != "mute 123 bob" || r.EnvelopeID != d.EnvelopeID || r.UserID != "U1" {
		t.Errorf("survivor got %+v, want the same command, Recovered", r)
	}
	scans := inbox.scansBy(b.l.id)
	waitUntil(t, "the survivor scans the inbox five more times", func() bool { return inbox.scansBy(b.l.id) >= scans+5 })
	if n := len(got); n != 0 {
		t.Errorf("the command was taken over %d more times", n)
	}
	if n := metricValue(t, b.metrics, "rtkbot_deliveries_adopted_total"); n != 1 {
		t.Errorf("adopted metric = %v, want 1", n)
	}
	waitUntil(t, "the row is marked answered", func() bool { r, _ := inbox.row(d.EnvelopeID); return r.done })
	if row, _ := inbox.row(d.EnvelopeID); row.item.Owner != b.l.id {
		t.Errorf("inbox row owned by %s, want the survivor %s", row.item.Owner, b.l.id)
	}
}

// scansBy is how many times replica has looked for orphans.
func (m *memInbox) scansBy(replica string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.scans[replica]
}
