package slackfake

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func TestSlackGoReceivesHelloAndSlashCommand(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{AppID: "A0APP", TeamID: "T0TEAM", TeamDomain: "acme"})
	s.AddUser(User{ID: "U0ADA", Name: "ada"})
	c := startClient(t, s, s.AppToken())

	c.next(t, socketmode.EventTypeConnected)
	hello := c.next(t, socketmode.EventTypeHello)
	if got, want := hello.Request.ConnectionInfo.AppID, "A0APP"; got != want {
		t.Errorf("hello app_id = %q, want %q", got, want)
	}
	if got, want := hello.Request.NumConnections, 1; got != want {
		t.Errorf("hello num_connections = %d, want %d", got, want)
	}

	d := s.SlashCommand(SlashCommand{ChannelID: "C0CHAN", UserID: "U0ADA", Text: `kick m1 "Bob B"`})
	evt := c.next(t, socketmode.EventTypeSlashCommand)
	got, ok := evt.Data.(slack.SlashCommand)
	if !ok {
		t.Fatalf("event data is %T, want slack.SlashCommand", evt.Data)
	}
	want := slack.SlashCommand{
		Token:       verificationToken,
		TeamID:      "T0TEAM",
		TeamDomain:  "acme",
		ChannelID:   "C0CHAN",
		ChannelName: "channel-c0chan",
		UserID:      "U0ADA",
		UserName:    "ada",
		Command:     "/meeting",
		Text:        `kick m1 "Bob B"`,
		ResponseURL: d.ResponseURL,
		TriggerID:   d.TriggerID,
		APIAppID:    "A0APP",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("slash command (-want +got):\n%s", diff)
	}
	if evt.Request.EnvelopeID != d.EnvelopeID || !evt.Request.AcceptsResponsePayload || evt.Request.RetryAttempt != 0 {
		t.Errorf("envelope = %+v, want ID %s, accepts_response_payload, retry_attempt 0", evt.Request, d.EnvelopeID)
	}

	c.ack(t, evt)
	ack, err := s.WaitAck(waitCtx(t), d.EnvelopeID)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Payload != nil || ack.SentAt.IsZero() || ack.AckedAt.Before(ack.SentAt) {
		t.Errorf("ack = %+v, want no payload and SentAt <= AckedAt", ack)
	}
	if got := s.Unacked(); len(got) != 0 {
		t.Errorf("Unacked() = %v, want none", got)
	}
}

// TestWireFormat reads the raw frames, so field names and types are
// checked independently of any client's leniency.
func TestWireFormat(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{AppID: "A0APP", TeamID: "T0TEAM"})
	_, wsURL, err := newAPI(s, s.BotToken()).StartSocketModeContext(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ws, _, err := websocket.DefaultDialer.DialContext(t.Context(), wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	_ = ws.SetReadDeadline(time.Now().Add(guard))

	var hello map[string]any
	if err := ws.ReadJSON(&hello); err != nil {
		t.Fatal(err)
	}
	wantHello := map[string]any{
		"type":            "hello",
		"num_connections": 1.0,
		"debug_info":      map[string]any{"host": "applink-fake-1", "build_number": 1.0, "approximate_connection_time": 18060.0},
		"connection_info": map[string]any{"app_id": "A0APP"},
	}
	if diff := cmp.Diff(wantHello, hello); diff != "" {
		t.Errorf("hello (-want +got):\n%s", diff)
	}

	d := s.SlashCommand(SlashCommand{ChannelID: "C1", UserID: "U1", UserName: "u", Text: "status"})
	var env map[string]any
	if err := ws.ReadJSON(&env); err != nil {
		t.Fatal(err)
	}
	wantEnv := map[string]any{
		"envelope_id":              d.EnvelopeID,
		"type":                     "slash_commands",
		"accepts_response_payload": true,
		"retry_attempt":            0.0,
		"retry_reason":             "",
		"payload": map[string]any{
			"token": verificationToken, "team_id": "T0TEAM", "team_domain": DefaultTeamDomain,
			"channel_id": "C1", "channel_name": "channel-c1", "user_id": "U1", "user_name": "u",
			"command": "/meeting", "text": "status", "api_app_id": "A0APP",
			"is_enterprise_install": false, "response_url": d.ResponseURL, "trigger_id": d.TriggerID,
		},
	}
	if diff := cmp.Diff(wantEnv, env); diff != "" {
		t.Errorf("envelope (-want +got):\n%s", diff)
	}

	if err := ws.WriteJSON(map[string]any{"envelope_id": d.EnvelopeID, "payload": map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	ack, err := s.WaitAck(waitCtx(t), d.EnvelopeID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(ack.Payload), "{}"; got != want {
		t.Errorf("ack payload = %s, want %s", got, want)
	}
	if got := s.Responses(d.ResponseURL); len(got) != 0 {
		t.Errorf("an empty ack payload became responses %+v, want none", got)
	}

	s.Disconnect("link_disabled")
	var disc map[string]any
	if err := ws.ReadJSON(&disc); err != nil {
		t.Fatal(err)
	}
	wantDisc := map[string]any{"type": "disconnect", "reason": "link_disabled", "debug_info": map[string]any{"host": "applink-fake-1"}}
	if diff := cmp.Diff(wantDisc, disc); diff != "" {
		t.Errorf("disconnect (-want +got):\n%s", diff)
	}
}

func TestConnectionURLIsSingleUse(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	_, wsURL, err := newAPI(s, s.BotToken()).StartSocketModeContext(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	first, _, err := websocket.DefaultDialer.DialContext(t.Context(), wsURL, nil)
	if err != nil {
		t.Fatalf("first dial: %v", err)
	}
	defer first.Close()
	second, resp, err := websocket.DefaultDialer.DialContext(t.Context(), wsURL, nil)
	if err == nil {
		second.Close()
		t.Fatal("second dial of the same URL succeeded, want a refusal")
	}
	if !errors.Is(err, websocket.ErrBadHandshake) || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("second dial: err %v, response %v; want a bad handshake with 401", err, resp)
	}
}

func TestAppTokenChecked(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	tests := []struct {
		name, token, want string
	}{
		{"wrong token", "xapp-1-wrong", "invalid_auth"},
		{"bot token", s.BotToken(), "not_allowed_token_type"},
		{"no token", "", "not_authed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := slack.New(s.BotToken(), slack.OptionAppLevelToken(tt.token), slack.OptionAPIURL(s.APIURL()))
			_, _, err := api.StartSocketModeContext(t.Context())
			if err == nil || err.Error() != tt.want {
				t.Errorf("apps.connections.open error = %v, want %s", err, tt.want)
			}
		})
	}
	t.Run("slack-go gives up", func(t *testing.T) {
		t.Parallel()
		c := startClient(t, s, "xapp-1-wrong")
		select {
		case err := <-c.done:
			if err == nil || err.Error() != "invalid_auth" {
				t.Errorf("RunContext = %v, want invalid_auth", err)
			}
		case <-time.After(guard):
			t.Fatal("slack-go kept running with a refused token")
		}
	})
}

func TestDisconnectMakesSlackGoReconnect(t *testing.T) {
	t.Parallel()
	for _, reason := range []string{"warning", "refresh_requested", "link_disabled"} {
		t.Run(reason, func(t *testing.T) {
			t.Parallel()
			s := NewTestServer(t, Config{})
			c := startClient(t, s, s.AppToken())
			c.next(t, socketmode.EventTypeHello)

			s.Disconnect(reason)
			ctx := waitCtx(t)
			if err := s.WaitConnectionsOpened(ctx, 2); err != nil {
				t.Fatal(err)
			}
			if err := s.WaitConnections(ctx, 1); err != nil {
				t.Fatal(err)
			}
			d := s.SlashCommand(SlashCommand{ChannelID: "C1", UserID: "U1", Text: "help"})
			evt := c.next(t, socketmode.EventTypeSlashCommand)
			c.ack(t, evt)
			if _, err := s.WaitAck(ctx, d.EnvelopeID); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDroppedConnectionReconnectsAndGetsQueuedEnvelopes(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	// Sent before anyone connects: queued, as Slack holds it.
	early := s.SlashCommand(SlashCommand{ChannelID: "C1", UserID: "U1", Text: "early"})
	c := startClient(t, s, s.AppToken())
	evt := c.next(t, socketmode.EventTypeSlashCommand)
	if got := evt.Request.EnvelopeID; got != early.EnvelopeID {
		t.Fatalf("first envelope = %s, want the queued %s", got, early.EnvelopeID)
	}
	c.ack(t, evt)
	if _, err := s.WaitAck(waitCtx(t), early.EnvelopeID); err != nil {
		t.Fatal(err)
	}

	s.DropConnections()
	late := s.SlashCommand(SlashCommand{ChannelID: "C1", UserID: "U1", Text: "late"})
	ctx := waitCtx(t)
	if err := s.WaitConnectionsOpened(ctx, 2); err != nil {
		t.Fatal(err)
	}
	evt = c.next(t, socketmode.EventTypeSlashCommand)
	if got := evt.Request.EnvelopeID; got != late.EnvelopeID {
		t.Fatalf("envelope after reconnect = %s, want %s", got, late.EnvelopeID)
	}
	c.ack(t, evt)
	acks, err := s.WaitAcks(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range acks {
		got = append(got, a.EnvelopeID)
	}
	if diff := cmp.Diff([]string{early.EnvelopeID, late.EnvelopeID}, got); diff != "" {
		t.Errorf("acked envelopes (-want +got):\n%s", diff)
	}
}

func TestEnvelopesRoundRobinAcrossConnections(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	a := startClient(t, s, s.AppToken())
	b := startClient(t, s, s.AppToken())
	if err := s.WaitConnections(waitCtx(t), 2); err != nil {
		t.Fatal(err)
	}
	const n = 10
	for range n {
		s.SlashCommand(SlashCommand{ChannelID: "C1", UserID: "U1", Text: "status"})
	}
	// Each envelope goes to exactly one connection, alternating.
	for _, c := range []*client{a, b} {
		for range n / 2 {
			c.ack(t, c.next(t, socketmode.EventTypeSlashCommand))
		}
	}
	if _, err := s.WaitAcks(waitCtx(t), n); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*client{"a": a, "b": b} {
		select {
		case evt := <-c.events:
			if evt.Type == socketmode.EventTypeSlashCommand {
				t.Errorf("client %s got an extra envelope %s", name, evt.Request.EnvelopeID)
			}
		default:
		}
	}
}

func TestRedeliver(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	c := startClient(t, s, s.AppToken())
	d := s.SlashCommand(SlashCommand{ChannelID: "C1", UserID: "U1", Text: "kick-all m1"})
	first := c.next(t, socketmode.EventTypeSlashCommand)
	c.ack(t, first)
	// An ack names only the envelope: wait for it before the retry, so it
	// is recorded against attempt 0.
	if _, err := s.WaitAck(waitCtx(t), d.EnvelopeID); err != nil {
		t.Fatal(err)
	}
	if err := s.Redeliver(d.EnvelopeID); err != nil {
		t.Fatal(err)
	}
	again := c.next(t, socketmode.EventTypeSlashCommand)
	if again.Request.EnvelopeID != d.EnvelopeID || again.Request.RetryAttempt != 1 || again.Request.RetryReason != "timeout" {
		t.Errorf("redelivery = %+v, want envelope %s, retry_attempt 1, retry_reason timeout", again.Request, d.EnvelopeID)
	}
	if got, want := again.Data.(slack.SlashCommand).ResponseURL, d.ResponseURL; got != want {
		t.Errorf("redelivered response_url = %s, want the original %s", got, want)
	}
	c.ack(t, again)
	acks, err := s.WaitAcks(waitCtx(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	if acks[0].RetryAttempt != 0 || acks[1].RetryAttempt != 1 {
		t.Errorf("acks' retry attempts = %d, %d; want 0, 1", acks[0].RetryAttempt, acks[1].RetryAttempt)
	}
	if err := s.Redeliver("no-such-envelope"); err == nil {
		t.Error("Redeliver of an unknown envelope succeeded")
	}
}

func TestUnackedEnvelopeRedeliveredAutomatically(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{RedeliverAfter: 100 * time.Millisecond, MaxRetries: 1})
	c := startClient(t, s, s.AppToken())
	d := s.SlashCommand(SlashCommand{ChannelID: "C1", UserID: "U1", Text: "status"})
	ignored := c.next(t, socketmode.EventTypeSlashCommand) // not acked
	retry := c.next(t, socketmode.EventTypeSlashCommand)
	if ignored.Request.RetryAttempt != 0 || retry.Request.EnvelopeID != d.EnvelopeID || retry.Request.RetryAttempt != 1 {
		t.Fatalf("deliveries = %+v then %+v, want attempts 0 then 1 of %s", ignored.Request, retry.Request, d.EnvelopeID)
	}
	c.ack(t, retry)
	ack, err := s.WaitAck(waitCtx(t), d.EnvelopeID)
	if err != nil {
		t.Fatal(err)
	}
	if ack.RetryAttempt != 1 {
		t.Errorf("ack retry attempt = %d, want 1", ack.RetryAttempt)
	}
}

// TestPings keeps slack-go, which expects a ping at least every 300ms
// here, connected through pings, and shows it reconnects without them.
func TestPings(t *testing.T) {
	t.Parallel()
	t.Run("pings keep the connection", func(t *testing.T) {
		t.Parallel()
		s := NewTestServer(t, Config{PingInterval: 20 * time.Millisecond})
		c := startClient(t, s, s.AppToken(), socketmode.OptionPingInterval(300*time.Millisecond))
		c.next(t, socketmode.EventTypeHello)
		// 50 pongs take about a second: over three of slack-go's checks.
		if err := s.WaitPongs(waitCtx(t), 50); err != nil {
			t.Fatal(err)
		}
		if got := s.ConnectionsOpened(); got != 1 {
			t.Errorf("connections opened = %d, want 1 (no reconnect)", got)
		}
	})
	t.Run("no pings, slack-go reconnects", func(t *testing.T) {
		t.Parallel()
		s := NewTestServer(t, Config{PingInterval: -1})
		startClient(t, s, s.AppToken(), socketmode.OptionPingInterval(100*time.Millisecond))
		if err := s.WaitConnectionsOpened(waitCtx(t), 2); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("answers client pings", func(t *testing.T) {
		t.Parallel()
		s := NewTestServer(t, Config{})
		_, wsURL, err := newAPI(s, s.BotToken()).StartSocketModeContext(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		ws, _, err := websocket.DefaultDialer.DialContext(t.Context(), wsURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		pong := make(chan string, 1)
		ws.SetPongHandler(func(data string) error { pong <- data; return nil })
		go func() { // the reader delivers control frames
			for {
				if _, _, err := ws.ReadMessage(); err != nil {
					return
				}
			}
		}()
		if err := ws.WriteControl(websocket.PingMessage, []byte("are you there"), time.Now().Add(guard)); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-pong:
			if got != "are you there" {
				t.Errorf("pong data = %q, want the ping's", got)
			}
		case <-time.After(guard):
			t.Fatal("no pong")
		}
		if got := s.ClientPings(); got != 1 {
			t.Errorf("ClientPings() = %d, want 1", got)
		}
	})
}

func TestInteractiveEnvelopeParsesInSlackGo(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{TeamID: "T0TEAM"})
	s.AddUser(User{ID: "U0ADA", Name: "ada"})
	c := startClient(t, s, s.AppToken())
	d := s.ClickButton(ButtonClick{
		UserID: "U0ADA", ChannelID: "C1", ActionID: "confirm", Value: "conf-1", BlockID: "b1", Text: "Kick 2", MessageTS: "1700000000.000100",
	})
	evt := c.next(t, socketmode.EventTypeInteractive)
	cb, ok := evt.Data.(slack.InteractionCallback)
	if !ok {
		t.Fatalf("event data is %T, want slack.InteractionCallback", evt.Data)
	}
	if cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) != 1 {
		t.Fatalf("callback type %q with %d block actions, want block_actions with 1", cb.Type, len(cb.ActionCallback.BlockActions))
	}
	a := cb.ActionCallback.BlockActions[0]
	got := []string{cb.User.ID, cb.User.Name, cb.Team.ID, cb.Channel.ID, cb.ResponseURL, cb.TriggerID, cb.Container.MessageTs,
		a.ActionID, a.BlockID, a.Value, a.Text.Text, string(a.Type)}
	want := []string{"U0ADA", "ada", "T0TEAM", "C1", d.ResponseURL, d.TriggerID, "1700000000.000100",
		"confirm", "b1", "conf-1", "Kick 2", "button"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("callback fields (-want +got):\n%s", diff)
	}
	if evt.Request.AcceptsResponsePayload {
		t.Error("block_actions envelope accepts a response payload; Slack's does not")
	}
	c.ack(t, evt)
	if _, err := s.WaitAck(waitCtx(t), d.EnvelopeID); err != nil {
		t.Fatal(err)
	}
}

func TestAckPayloadIsShownAsResponse(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	c := startClient(t, s, s.AppToken())
	d := s.SlashCommand(SlashCommand{ChannelID: "C1", UserID: "U1", Text: "status"})
	evt := c.next(t, socketmode.EventTypeSlashCommand)
	c.ack(t, evt, map[string]any{"response_type": "ephemeral", "text": "busy, try again in a moment"})
	got, err := s.WaitResponses(waitCtx(t), d.ResponseURL, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r := got[0]; !r.ViaAck || r.Text != "busy, try again in a moment" || !r.Ephemeral() {
		t.Errorf("response = %+v, want the ack's ephemeral text", r)
	}
	if uses := s.ResponseURLUses(d.ResponseURL); uses != 0 {
		t.Errorf("ack message used %d response_url uses, want 0", uses)
	}
	var payload map[string]string
	if err := json.Unmarshal(got[0].Raw, &payload); err != nil || payload["text"] == "" {
		t.Errorf("raw = %s (%v), want the ack payload", got[0].Raw, err)
	}
}

// A test can send envelopes as if from another workspace, org or app.
func TestEnvelopesFromElsewhere(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{AppID: "A0APP", TeamID: "T0TEAM", EnterpriseID: "E0ORG"})
	c := startClient(t, s, s.AppToken())
	c.next(t, socketmode.EventTypeConnected)

	s.SlashCommand(SlashCommand{ChannelID: "C0CHAN", UserID: "U0ADA", Text: "help"})
	cmd := c.next(t, socketmode.EventTypeSlashCommand).Data.(slack.SlashCommand)
	if cmd.TeamID != "T0TEAM" || cmd.EnterpriseID != "E0ORG" || cmd.APIAppID != "A0APP" {
		t.Errorf("default slash command from %s/%s/%s", cmd.EnterpriseID, cmd.TeamID, cmd.APIAppID)
	}
	s.SlashCommand(SlashCommand{TeamID: "T0EVIL", EnterpriseID: "E0EVIL", APIAppID: "A0EVIL", ChannelID: "C0CHAN", UserID: "U0ADA", Text: "help"})
	cmd = c.next(t, socketmode.EventTypeSlashCommand).Data.(slack.SlashCommand)
	if cmd.TeamID != "T0EVIL" || cmd.EnterpriseID != "E0EVIL" || cmd.APIAppID != "A0EVIL" {
		t.Errorf("foreign slash command from %s/%s/%s", cmd.EnterpriseID, cmd.TeamID, cmd.APIAppID)
	}
	s.ClickButton(ButtonClick{TeamID: "T0EVIL", EnterpriseID: "E0EVIL", APIAppID: "A0EVIL", ChannelID: "C0CHAN", UserID: "U0ADA", ActionID: "confirm", Value: "x"})
	cb := c.next(t, socketmode.EventTypeInteractive).Data.(slack.InteractionCallback)
	if cb.Team.ID != "T0EVIL" || cb.Enterprise.ID != "E0EVIL" || cb.APIAppID != "A0EVIL" {
		t.Errorf("foreign click from %s/%s/%s", cb.Enterprise.ID, cb.Team.ID, cb.APIAppID)
	}
}
