package slackfake

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rtkbot/rtkbot/internal/testutil"
)

// nodeEvent is one line check.mjs prints.
type nodeEvent struct {
	Event      string         `json:"event"`
	EnvelopeID string         `json:"envelope_id"`
	Body       map[string]any `json:"body"`
}

// requireNode skips the test when the Node check cannot run, except in
// CI (testutil.InCI), where a missing prerequisite is a failure.
func requireNode(t *testing.T) string {
	t.Helper()
	missing := func(why string) {
		const how = "install it with: bash .ci/node-deps.sh (npm ci --prefix internal/slackapp/slackfake/nodecheck)"
		if testutil.InCI() {
			t.Fatalf("%s; %s", why, how)
		}
		t.Skipf("skipping the @slack/socket-mode check: %s; %s", why, how)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not on PATH")
	}
	if _, err := os.Stat("nodecheck/node_modules/@slack/socket-mode/package.json"); err != nil {
		missing("nodecheck/node_modules/@slack/socket-mode is not installed")
	}
	return node
}

// TestNodeSocketModeClient checks the fake against Slack's own client,
// @slack/socket-mode 3.1.0: connect, hello, a slash command and a button
// click received and acked, pings both ways, and a reconnect on
// refresh_requested.
func TestNodeSocketModeClient(t *testing.T) {
	t.Parallel()
	node := requireNode(t)
	s := NewTestServer(t, Config{PingInterval: 200 * time.Millisecond, TeamID: "T0TEAM"})
	ctx := waitCtx(t)

	cmd := exec.CommandContext(ctx, node, "nodecheck/check.mjs")
	cmd.Env = append(os.Environ(), "SLACKFAKE_API_URL="+s.APIURL(), "SLACKFAKE_APP_TOKEN="+s.AppToken())
	var stderr testutil.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := false
	t.Cleanup(func() {
		if !exited {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() {
			t.Logf("node stderr:\n%s", stderr.String())
		}
	})
	events := make(chan nodeEvent, 16)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var e nodeEvent
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Errorf("node printed %q: %v", sc.Text(), err)
				continue
			}
			events <- e
		}
	}()
	next := func(want string) nodeEvent {
		t.Helper()
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatalf("node exited while waiting for %q", want)
			}
			if e.Event != want {
				t.Fatalf("node event = %+v, want %q", e, want)
			}
			return e
		case <-ctx.Done():
			t.Fatalf("no %q from node: %v", want, ctx.Err())
		}
		return nodeEvent{}
	}

	next("connected")

	d := s.SlashCommand(SlashCommand{ChannelID: "C1", UserID: "U1", UserName: "ada", Text: "status m1"})
	e := next("slash_commands")
	got := map[string]any{"envelope_id": e.EnvelopeID, "command": e.Body["command"], "text": e.Body["text"],
		"user_id": e.Body["user_id"], "team_id": e.Body["team_id"], "response_url": e.Body["response_url"]}
	want := map[string]any{"envelope_id": d.EnvelopeID, "command": "/meeting", "text": "status m1",
		"user_id": "U1", "team_id": "T0TEAM", "response_url": d.ResponseURL}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("slash command seen by node (-want +got):\n%s", diff)
	}
	ack, err := s.WaitAck(ctx, d.EnvelopeID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(ack.Payload), `{"text":"node saw status m1"}`; got != want {
		t.Errorf("ack payload = %s, want %s", got, want)
	}
	if r := s.Responses(d.ResponseURL); len(r) != 1 || r[0].Text != "node saw status m1" || !r[0].ViaAck {
		t.Errorf("responses = %+v, want the ack's message", r)
	}

	click := s.ClickButton(ButtonClick{UserID: "U1", ChannelID: "C1", ActionID: "cancel", Value: "conf-1"})
	e = next("interactive")
	actions, _ := e.Body["actions"].([]any)
	if e.EnvelopeID != click.EnvelopeID || e.Body["type"] != "block_actions" || len(actions) != 1 {
		t.Fatalf("interactive seen by node = %+v", e)
	}
	if a, _ := actions[0].(map[string]any); a["action_id"] != "cancel" || a["value"] != "conf-1" {
		t.Errorf("action = %v, want cancel with conf-1", a)
	}
	if _, err := s.WaitAck(ctx, click.EnvelopeID); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitClientPings(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitPongs(ctx, 1); err != nil {
		t.Fatal(err)
	}

	s.Disconnect("refresh_requested")
	next("connected")
	if got := s.ConnectionsOpened(); got != 2 {
		t.Errorf("connections opened = %d, want 2", got)
	}
	d = s.SlashCommand(SlashCommand{ChannelID: "C1", UserID: "U1", Text: "after reconnect"})
	if e := next("slash_commands"); e.EnvelopeID != d.EnvelopeID {
		t.Errorf("envelope after reconnect = %s, want %s", e.EnvelopeID, d.EnvelopeID)
	}
	if _, err := s.WaitAck(ctx, d.EnvelopeID); err != nil {
		t.Fatal(err)
	}

	_ = stdin.Close()
	next("stopped")
	exited = true
	if err := cmd.Wait(); err != nil {
		t.Errorf("node exited with %v", err)
	}
}
