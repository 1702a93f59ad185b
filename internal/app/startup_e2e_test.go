package app_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
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
