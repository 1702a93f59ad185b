package app_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
	"github.com/rtkbot/rtkbot/internal/slackapp"
	"github.com/rtkbot/rtkbot/internal/slackapp/slackfake"
)

// logLines decodes the JSON log lines whose msg is msg.
func logLines(t *testing.T, logs, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, sc.Text())
		}
		if line["msg"] == msg {
			out = append(out, line)
		}
	}
	return out
}

// Every change is logged at info with who made it, the verb, the meeting,
// the targets and the outcome, whether it worked or not: the log alone
// tells an operator what the bot did.
func TestExecutedChangesAreLoggedAtInfo(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.answer(modID, `mute `+meetingID+` "bob smith" carol`)
	w.rtk.SetFault(rtkfake.RouteMuteAll, rtkfake.Fault{Status: http.StatusInternalServerError})
	w.answer(otherMod, "mute-all "+meetingID)

	keep := func(l map[string]any) map[string]any {
		out := map[string]any{}
		for _, k := range []string{"level", "user_id", "channel_id", "team_id", "command", "meeting_id", "targets", "outcome"} {
			out[k] = l[k]
		}
		return out
	}
	changed := logLines(t, w.logs.String(), "meeting changed")
	if len(changed) != 1 {
		t.Fatalf("%d \"meeting changed\" log lines, want 1:\n%s", len(changed), w.logs.String())
	}
	want := map[string]any{
		"level": "INFO", "user_id": modID, "channel_id": channelID, "team_id": teamID, "command": "mute",
		"meeting_id": meetingID, "outcome": "ok",
		"targets": []any{"Bob Smith (" + bobID + ")", "Carol Díaz (" + carolID + ")"},
	}
	if diff := cmp.Diff(want, keep(changed[0])); diff != "" {
		t.Errorf("mute log line (-want +got):\n%s", diff)
	}
	failed := logLines(t, w.logs.String(), "meeting change failed")
	if len(failed) != 1 {
		t.Fatalf("%d \"meeting change failed\" log lines, want 1", len(failed))
	}
	want = map[string]any{
		"level": "INFO", "user_id": otherMod, "channel_id": channelID, "team_id": teamID, "command": "mute-all",
		"meeting_id": meetingID, "outcome": "failed", "targets": nil,
	}
	if diff := cmp.Diff(want, keep(failed[0])); diff != "" {
		t.Errorf("mute-all log line (-want +got):\n%s", diff)
	}
	if failed[0]["ref"] == nil {
		t.Error("the failed change's log line has no ref")
	}
}

// Envelopes of another workspace, Enterprise Grid org or app are acked
// (so Slack stops redelivering them) and dropped: a user ID listed in
// BOT_MODERATORS is no moderator in another workspace. Nothing reaches
// RealtimeKit, nothing is posted, and the same command from the bot's own
// workspace still runs.
func TestEnvelopesOfOtherWorkspacesAndAppsAreIgnored(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	foreign := []struct {
		name string
		cmd  slackfake.SlashCommand
	}{
		{"other team", slackfake.SlashCommand{TeamID: "T0EVIL"}},
		{"other app", slackfake.SlashCommand{APIAppID: "A0EVIL"}},
		{"other team and app", slackfake.SlashCommand{TeamID: "T0EVIL", APIAppID: "A0EVIL"}},
		{"other org", slackfake.SlashCommand{EnterpriseID: "E0EVIL"}},
	}
	var urls []string
	for _, f := range foreign {
		cmd := f.cmd
		cmd.ChannelID, cmd.UserID, cmd.Text = channelID, modID, "mute-all "+meetingID
		d := w.slack.SlashCommand(cmd)
		ack, err := w.slack.WaitAck(w.ctx(), d.EnvelopeID)
		if err != nil {
			t.Fatalf("%s: not acked: %v", f.name, err)
		}
		if ack.Payload != nil {
			t.Errorf("%s: ack carries a message: %s", f.name, ack.Payload)
		}
		urls = append(urls, d.ResponseURL)
	}
	// A click on a confirmation button, from another workspace.
	prompt := w.run(modID, "kick "+meetingID+" bob")
	w.answers(prompt, 1)
	click := w.slack.ClickButton(slackfake.ButtonClick{TeamID: "T0EVIL", UserID: modID, ChannelID: channelID,
		ActionID: slackapp.ActionConfirm, ResponseURL: prompt.ResponseURL})
	if _, err := w.slack.WaitAck(w.ctx(), click.EnvelopeID); err != nil {
		t.Fatalf("foreign click not acked: %v", err)
	}
	urls = append(urls, click.ResponseURL)

	// The bot's own workspace still gets its command run and answered;
	// the foreign envelopes were dispatched before it.
	mustContain(t, "own mute-all", shown(t, w.answer(modID, "mute-all "+meetingID)), "muted")
	if n := w.rtk.RequestCount(rtkfake.RouteMuteAll); n != 1 {
		t.Errorf("mute-all requests = %d, want 1 (the bot's own workspace's)", n)
	}
	if n := w.rtk.RequestCount(rtkfake.RouteKick); n != 0 {
		t.Errorf("kick requests = %d, want 0", n)
	}
	for _, u := range urls {
		if rs := w.slack.Responses(u); len(rs) != 0 {
			t.Errorf("a foreign envelope was answered: %s", rs[0].Raw)
		}
	}
	if p := w.slack.Posted(); len(p) != 0 {
		t.Errorf("posted %d messages for foreign envelopes: %+v", len(p), p)
	}
	ignored := logLines(t, w.logs.String(), "ignoring an envelope from another workspace or app")
	if len(ignored) != len(foreign)+1 || ignored[0]["level"] != "WARN" || ignored[0]["team_id"] != "T0EVIL" {
		t.Errorf("%d warnings for %d foreign envelopes; first: %v", len(ignored), len(foreign)+1, ignored)
	}
	metrics := get(t, "http://"+w.app.HTTPAddr()+"/metrics")
	for _, want := range []string{
		`rtkbot_envelopes_ignored_total{reason="other_team"} 3`,
		`rtkbot_envelopes_ignored_total{reason="other_app"} 1`,
		`rtkbot_envelopes_ignored_total{reason="other_enterprise"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	return readAll(t, resp)
}
