package slackapp

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/slackapp/slackfake"
)

func TestReconnectsWhenSlackRefreshes(t *testing.T) {
	t.Parallel()
	core := &coreStub{handle: func(context.Context, commands.Request) []commands.Reply {
		return []commands.Reply{noticeReply(commands.Ephemeral, "still here")}
	}}
	hs := startListener(t, core, slackfake.Config{}, nil)
	waitUntil(t, "connected", hs.l.Ready)

	hs.fake.Disconnect("refresh_requested")

	if err := hs.fake.WaitConnectionsOpened(listenWaitCtx(t), 2); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "reconnect counted", func() bool {
		return metricValue(t, hs.metrics, "rtkbot_socket_reconnects_total") == 1
	})
	waitUntil(t, "ready again", hs.l.Ready)
	d := hs.fake.SlashCommand(slackfake.SlashCommand{ChannelID: "C1", UserID: "U1", Text: "status 1"})
	resps, err := hs.fake.WaitResponses(listenWaitCtx(t), d.ResponseURL, 1)
	if err != nil {
		t.Fatal(err)
	}
	if resps[0].Text != "still here" {
		t.Errorf("answer after reconnecting = %q", resps[0].Text)
	}
}

func TestReadyFollowsTheSocket(t *testing.T) {
	t.Parallel()
	hs := startListener(t, &coreStub{}, slackfake.Config{}, nil)
	waitUntil(t, "connected", hs.l.Ready)

	// The next apps.connections.open is refused for a second, so the
	// listener spends that second without a socket.
	hs.fake.InjectRateLimit("apps.connections.open", time.Second, 1)
	hs.fake.DropConnections()

	waitUntil(t, "not ready while disconnected", func() bool { return !hs.l.Ready() })
	waitUntil(t, "ready after reconnecting", hs.l.Ready)
	// The client can see the upgrade answered before the fake has counted
	// the connection: wait for the count, then check it.
	if err := hs.fake.WaitConnectionsOpened(listenWaitCtx(t), 2); err != nil {
		t.Fatalf("second connection: %v", err)
	}
	if got := hs.fake.ConnectionsOpened(); got != 2 {
		t.Errorf("connections opened = %d, want 2", got)
	}
}

func TestShutdownFinishesCommandsInFlight(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}), make(chan struct{})
	core := &coreStub{handle: func(ctx context.Context, r commands.Request) []commands.Reply {
		close(entered)
		<-release
		if err := ctx.Err(); err != nil {
			return []commands.Reply{noticeReply(commands.Ephemeral, "context ended: "+err.Error())}
		}
		return []commands.Reply{noticeReply(commands.InChannel, "finished after shutdown began")}
	}}
	hs := startListener(t, core, slackfake.Config{}, nil)
	inFlight := hs.fake.SlashCommand(slackfake.SlashCommand{ChannelID: "C1", UserID: "U1", Text: "kick 1 bob"})
	<-entered

	hs.stopped.Store(true)
	hs.cancel()
	late := hs.fake.SlashCommand(slackfake.SlashCommand{ChannelID: "C1", UserID: "U2", Text: "status 1"})
	select {
	case err := <-hs.done:
		t.Fatalf("Run returned (%v) with a command in flight", err)
	default:
	}
	close(release)

	select {
	case err := <-hs.done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(waitGuard):
		t.Fatal("Run did not return after the in-flight command finished")
	}
	resps := hs.fake.Responses(inFlight.ResponseURL)
	if len(resps) != 1 || resps[0].Text != "finished after shutdown began" {
		t.Errorf("in-flight command's answer = %+v", resps)
	}
	for _, a := range hs.fake.Acks() {
		if a.EnvelopeID == late.EnvelopeID {
			t.Error("a command sent after shutdown began was acked; Slack would not redeliver it")
		}
	}
}

func TestShutdownGivesUpAtItsTimeout(t *testing.T) {
	t.Parallel()
	entered := make(chan struct{})
	var mu sync.Mutex
	var sawErr error
	core := &coreStub{handle: func(ctx context.Context, _ commands.Request) []commands.Reply {
		close(entered)
		<-ctx.Done()
		mu.Lock()
		sawErr = ctx.Err()
		mu.Unlock()
		return nil
	}}
	hs := startListener(t, core, slackfake.Config{}, func(c *Config) {
		c.ShutdownTimeout = 100 * time.Millisecond
		c.CommandTimeout = time.Hour // only the shutdown can end it
	})
	hs.fake.SlashCommand(slackfake.SlashCommand{ChannelID: "C1", UserID: "U1", Text: "status 1"})
	<-entered

	if err := hs.stop(t); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	// Run waits (a moment) for the abandoned command to return, so that
	// it can record how it ended while the database is still open.
	mu.Lock()
	if sawErr == nil {
		t.Error("Run returned before the abandoned command did")
	}
	mu.Unlock()
	if len(hs.logs.records(t, "shutdown timeout: abandoning commands still in flight")) != 1 {
		t.Error("no log line says commands were abandoned")
	}
}

func TestRunFailsWhenSlackRefusesTheAppToken(t *testing.T) {
	t.Parallel()
	hs := startListener(t, &coreStub{}, slackfake.Config{}, func(c *Config) { c.AppToken = "xapp-1-revoked-secret" })
	hs.stopped.Store(true) // Run ends by itself

	var err error
	select {
	case err = <-hs.done:
	case <-time.After(waitGuard):
		t.Fatal("Run kept going with a refused app token")
	}
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Fatalf("Run = %v, want an invalid_auth error", err)
	}
	if strings.Contains(err.Error(), "revoked-secret") {
		t.Errorf("error %q reveals the token", err)
	}
	if hs.l.Ready() {
		t.Error("Ready() = true without a connection")
	}
	hs.cancel()
}
