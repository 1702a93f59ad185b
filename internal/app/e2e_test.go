package app_test

import (
	"io"

	"encoding/json"
	"fmt"
	"github.com/rtkbot/rtkbot/internal/config"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
	"github.com/rtkbot/rtkbot/internal/slackapp"
	"github.com/rtkbot/rtkbot/internal/slackapp/slackfake"
)

func TestStatusPostsACardToTheChannel(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.answer(userID, "status "+meetingID)
	if r.Ephemeral() {
		t.Errorf("status answer is ephemeral; want it in the channel")
	}
	got := shown(t, r)
	mustContain(t, "status card", got, "Weekly All-Hands", "LIVE", "Bob Smith", "Bobby Tables", "Alice Chen", "&lt;!channel&gt;")
	if strings.Contains(string(r.Raw), "<!channel>") {
		t.Errorf("a participant named <!channel> reached Slack unescaped:\n%s", r.Raw)
	}
}

func TestStatusWithoutSessionIsEphemeral(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.answer(userID, "status "+idleID)
	if !r.Ephemeral() {
		t.Error("no-session answer went to the channel")
	}
	mustContain(t, "answer", strings.ToLower(shown(t, r)), "no meeting in progress")
}

func TestMuteSendsOneRequestAndAnnouncesIt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.answer(modID, `mute `+meetingID+` "bob smith" carol`)
	if r.Ephemeral() {
		t.Error("mute result is ephemeral; want it in the channel")
	}
	mustContain(t, "mute result", shown(t, r), "<@"+modID+">", "muted", "Bob Smith", "Carol Díaz", "Weekly All-Hands")

	reqs := w.rtk.RequestsFor(rtkfake.RouteMute)
	if len(reqs) != 1 {
		t.Fatalf("mute requests = %d, want 1", len(reqs))
	}
	var body struct {
		ParticipantIDs       []string `json:"participant_ids"`
		CustomParticipantIDs []string `json:"custom_participant_ids"`
	}
	if err := reqs[0].DecodeBody(&body); err != nil {
		t.Fatal(err)
	}
	if strings.Join(body.ParticipantIDs, ",") != bobID+","+carolID || body.CustomParticipantIDs == nil || len(body.CustomParticipantIDs) != 0 {
		t.Errorf("mute body = %+v, want participant_ids [bob carol] and custom_participant_ids []", body)
	}
}

func TestMuteAllAllowUnmute(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.answer(modID, "mute-all "+meetingID+" --allow-unmute")
	mustContain(t, "mute-all result", strings.ToLower(shown(t, r)), "muted", "unmute")
	reqs := w.rtk.RequestsFor(rtkfake.RouteMuteAll)
	if len(reqs) != 1 {
		t.Fatalf("mute-all requests = %d, want 1", len(reqs))
	}
	if got := string(reqs[0].Body); !strings.Contains(got, `"allow_unmute":true`) {
		t.Errorf("mute-all body = %s, want allow_unmute true", got)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, cmd := range []string{
		"mute " + meetingID + " carol --dry-run",
		"mute-all " + meetingID + " --dry-run",
		"kick " + meetingID + " carol --dry-run",
		"kick-all " + meetingID + " --dry-run",
		`poll ` + meetingID + ` "Lunch?" "Pizza" "Sushi" --dry-run`,
	} {
		r := w.answer(modID, cmd)
		mustContain(t, cmd, strings.ToLower(shown(t, r)), "dry run")
	}
	if n := w.mutations(); n != 0 {
		t.Errorf("dry runs sent %d mutating requests, want 0", n)
	}
}

func TestKickAsksThenKicksOnceOnDoubleClick(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cmd := w.run(modID, `kick `+meetingID+` "Bob Smith"`)
	prompt := w.answers(cmd, 1)[0]
	if !prompt.Ephemeral() {
		t.Error("the confirmation prompt went to the channel")
	}
	mustContain(t, "prompt", shown(t, prompt), "Bob Smith", bobID, "Kick 1", "Cancel")
	if n := w.mutations(); n != 0 {
		t.Fatalf("asking for confirmation sent %d mutating requests", n)
	}

	// Two clicks race; whichever is handled first kicks, the other is told
	// it was already handled.
	a := w.click(modID, cmd.ResponseURL, slackapp.ActionConfirm)
	b := w.click(modID, cmd.ResponseURL, slackapp.ActionConfirm)
	winner, loser := a, b
	if strings.Contains(strings.ToLower(shown(t, w.answers(a, 1)[0])), "already") {
		winner, loser = b, a
	}
	mustContain(t, "second click's answer", strings.ToLower(shown(t, w.answers(loser, 1)[0])), "already")
	res := w.answers(winner, 2)
	if res[0].Ephemeral() {
		t.Error("the kick is not announced in the channel")
	}
	mustContain(t, "in-channel result", shown(t, res[0]), "<@"+modID+">", "Bob Smith", "Weekly All-Hands")
	if !res[1].DeleteOriginal {
		t.Error("the prompt is not deleted after the kick")
	}
	if n := w.rtk.RequestCount(rtkfake.RouteKick); n != 1 {
		t.Errorf("kick requests = %d after a double click, want 1", n)
	}
	for _, p := range w.rtk.LiveParticipants(meetingID) {
		if p.UserID == bobID {
			t.Error("Bob is still in the meeting")
		}
	}
}

// A confirmed kick's result reaches the moderator once: the prompt goes,
// and the channel, everyone's record, says who kicked whom.
func TestConfirmedKickIsShownOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cmd := w.run(modID, `kick `+meetingID+` "Bob Smith"`)
	w.answers(cmd, 1)
	if screen := w.slack.Screen(channelID, modID); len(screen) != 1 || !strings.Contains(screenText(t, screen[0]), "Kick 1") {
		t.Fatalf("before confirming, the moderator sees %q; want the prompt alone", screenTexts(t, screen))
	}
	w.answers(w.click(modID, cmd.ResponseURL, slackapp.ActionConfirm), 2)
	mustSeeOnce(t, w, "kick", "<@"+modID+"> kicked Bob Smith from *Weekly All-Hands*")
}

// mustSeeOnce checks that the moderator's screen in the channel is one
// message, in the channel (so everyone else sees it too), holding want.
func mustSeeOnce(t *testing.T, w *world, what, want string) {
	t.Helper()
	screen := w.slack.Screen(channelID, modID)
	if len(screen) != 1 || screen[0].Ephemeral || !strings.Contains(screenText(t, screen[0]), want) {
		t.Errorf("after confirming a %s, the moderator sees %q; want one channel message saying %q", what, screenTexts(t, screen), want)
	}
	if others := w.slack.Screen(channelID, userID); len(others) != 1 || !strings.Contains(screenText(t, others[0]), want) {
		t.Errorf("after confirming a %s, the channel sees %q; want %q", what, screenTexts(t, others), want)
	}
}

func screenText(t *testing.T, m slackfake.Message) string {
	t.Helper()
	return shown(t, slackfake.Response{Text: m.Text, Blocks: m.Blocks})
}

func screenTexts(t *testing.T, ms []slackfake.Message) []string {
	t.Helper()
	var out []string
	for _, m := range ms {
		out = append(out, screenText(t, m))
	}
	return out
}

func TestKickPromptIsTheRequestersOnly(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cmd := w.run(modID, "kick "+meetingID+" carol")
	w.answers(cmd, 1)

	other := w.answers(w.click(otherMod, cmd.ResponseURL, slackapp.ActionConfirm), 1)[0]
	if !other.Ephemeral() {
		t.Error("the refusal went to the channel")
	}
	if n := w.rtk.RequestCount(rtkfake.RouteKick); n != 0 {
		t.Fatalf("someone else's click kicked (%d requests)", n)
	}
	w.answers(w.click(modID, cmd.ResponseURL, slackapp.ActionConfirm), 2)
	if n := w.rtk.RequestCount(rtkfake.RouteKick); n != 1 {
		t.Errorf("kick requests = %d after the requester confirmed, want 1", n)
	}
}

func TestKickCancelledDoesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cmd := w.run(modID, "kick-all "+meetingID)
	prompt := w.answers(cmd, 1)[0]
	mustContain(t, "kick-all prompt", shown(t, prompt), "Weekly All-Hands")
	r := w.answers(w.click(modID, cmd.ResponseURL, slackapp.ActionCancel), 1)[0]
	if !r.ReplaceOriginal {
		t.Error("cancelling does not replace the prompt")
	}
	mustContain(t, "cancel answer", strings.ToLower(shown(t, r)), "cancel")
	if n := w.mutations(); n != 0 {
		t.Errorf("cancel sent %d mutating requests", n)
	}
	if !w.rtk.SessionActive(meetingID) {
		t.Error("the session ended")
	}
}

func TestKickPromptExpires(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cmd := w.run(modID, "kick "+meetingID+" carol")
	w.answers(cmd, 1)
	w.clock.Advance(10*time.Minute + time.Second)
	r := w.answers(w.click(modID, cmd.ResponseURL, slackapp.ActionConfirm), 1)[0]
	mustContain(t, "expired answer", strings.ToLower(shown(t, r)), "expired", "nothing was done", "again")
	if n := w.mutations(); n != 0 {
		t.Errorf("an expired prompt sent %d mutating requests", n)
	}
}

func TestKickAllEndsTheSession(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cmd := w.run(modID, "kick-all "+meetingID)
	w.answers(cmd, 1)
	w.answers(w.click(modID, cmd.ResponseURL, slackapp.ActionConfirm), 2)
	mustSeeOnce(t, w, "kick-all", "<@"+modID+"> kicked everyone from *Weekly All-Hands*")
	if w.rtk.SessionActive(meetingID) {
		t.Error("the session is still active after kick-all")
	}
	r := w.answer(userID, "status "+meetingID)
	mustContain(t, "status after kick-all", strings.ToLower(shown(t, r)), "no meeting in progress")
}

func TestPollCreatesOnePollAndPostsACard(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.answer(modID, `poll `+meetingID+` “Ship on Friday?” "Yes" "No" --anonymous`)
	if r.Ephemeral() {
		t.Error("the poll card is ephemeral")
	}
	mustContain(t, "poll card", shown(t, r), "Ship on Friday?", "Yes", "No", "<@"+modID+">")
	polls := w.rtk.Polls(meetingID)
	if len(polls) != 1 || polls[0].Question != "Ship on Friday?" || !polls[0].Anonymous || strings.Join(polls[0].Options, "|") != "Yes|No" {
		t.Errorf("polls in the meeting = %+v", polls)
	}
	mustContain(t, "poll card", shown(t, r), polls[0].ID)
}

func TestPollLimitsAreCheckedBeforeRealtimeKit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.answer(modID, `poll `+meetingID+` "Lunch?" "Pizza"`)
	if !r.Ephemeral() {
		t.Error("the error went to the channel")
	}
	mustContain(t, "poll error", strings.ToLower(shown(t, r)), "option")
	if n := w.mutations(); n != 0 {
		t.Errorf("an invalid poll sent %d requests", n)
	}
}

func TestNonModeratorIsRefusedWithoutUpstreamCalls(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(c *config.Config) { c.AuditChannel = "C0AUDIT" })
	for _, cmd := range []string{"mute " + meetingID + " bob", "mute-all " + meetingID, "kick " + meetingID + " bob", "kick-all " + meetingID, `poll ` + meetingID + ` "Q?" "a" "b"`} {
		r := w.answer(userID, cmd)
		if !r.Ephemeral() {
			t.Errorf("%s: the refusal went to the channel", cmd)
		}
		mustContain(t, cmd, strings.ToLower(shown(t, r)), "moderator")
	}
	if n := w.mutations(); n != 0 {
		t.Errorf("refused commands sent %d mutating requests", n)
	}
	posted, err := w.slack.WaitPosted(w.ctx(), 5)
	if err != nil {
		t.Fatalf("audit channel got %d posts, want 5: %v", len(w.slack.Posted()), err)
	}
	for _, p := range posted {
		if p.Channel != "C0AUDIT" || !strings.Contains(p.Text+string(p.Blocks), userID) {
			t.Errorf("audit post = %+v", p)
		}
	}
}

func TestUnknownAndAmbiguousNames(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	none := shown(t, w.answer(modID, "mute "+meetingID+" zelda"))
	mustContain(t, "no-match error", none, "zelda", "Alice Chen", "Bob Smith")
	amb := shown(t, w.answer(modID, "mute "+meetingID+" bo"))
	mustContain(t, "ambiguous error", amb, "Bob Smith", "Bobby Tables", bobID)
	if n := w.mutations(); n != 0 {
		t.Errorf("failed resolution sent %d mutating requests", n)
	}
}

func TestMentionResolvesByEmail(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.answer(modID, "mute "+meetingID+" <@U0BOB|bob>")
	reqs := w.rtk.RequestsFor(rtkfake.RouteMute)
	if len(reqs) != 1 || !strings.Contains(string(reqs[0].Body), bobID) {
		t.Errorf("mute of @bob sent %v", reqs)
	}
}

func TestHelpAndUnknownVerb(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	help := w.answer(userID, "help")
	if !help.Ephemeral() {
		t.Error("help went to the channel")
	}
	mustContain(t, "help", shown(t, help), "status", "mute-all", "kick-all", "poll")
	mustContain(t, "did you mean", shown(t, w.answer(userID, "stauts")), "status")
}

func TestUpstreamRateLimitSaysHowLongToWait(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.rtk.SetFault(rtkfake.RouteMuteAll, rtkfake.Fault{Status: http.StatusTooManyRequests, RetryAfter: 42 * time.Second})
	r := w.answer(modID, "mute-all "+meetingID)
	mustContain(t, "rate-limit answer", strings.ToLower(shown(t, r)), "42")
}

func TestUpstreamFailureGivesARefThatIsLogged(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.rtk.SetFault(rtkfake.RouteMuteAll, rtkfake.Fault{Status: http.StatusInternalServerError})
	got := shown(t, w.answer(modID, "mute-all "+meetingID))
	m := regexp.MustCompile(`internal error \(ref ([A-Za-z0-9]+)\)`).FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("answer has no internal error ref:\n%s", got)
	}
	if !strings.Contains(w.logs.String(), `"ref":"`+m[1]+`"`) {
		t.Errorf("ref %s is not in the logs", m[1])
	}
}

func TestTokensNeverReachTheLogs(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.rtk.SetFault(rtkfake.AllRoutes, rtkfake.Fault{Status: http.StatusForbidden})
	w.answer(modID, "status "+meetingID)
	for _, tok := range []string{"xapp-1-e2e-app-token", "xoxb-e2e-bot-token", "cf-e2e-api-token"} {
		if strings.Contains(w.logs.String(), tok) {
			t.Errorf("a token reached the logs: %s", tok)
		}
	}
}

func TestReconnectsOnRefreshRequested(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.slack.Disconnect("refresh_requested")
	if err := w.slack.WaitConnectionsOpened(w.ctx(), 2); err != nil {
		t.Fatalf("bot did not reconnect: %v", err)
	}
	mustContain(t, "status after reconnect", shown(t, w.answer(userID, "status "+meetingID)), "Weekly All-Hands")
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.answer(userID, "status "+meetingID)
	for path, want := range map[string]string{
		"/healthz": "ok",
		"/readyz":  "ready",
		"/metrics": `rtkbot_commands_total{outcome="ok",verb="status"} 1`,
	} {
		resp, err := http.Get("http://" + w.app.HTTPAddr() + path)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		_, _ = fmt.Fprint(&b, readAll(t, resp))
		if resp.StatusCode != http.StatusOK || !strings.Contains(b.String(), want) {
			t.Errorf("GET %s = %d, want 200 containing %q:\n%.2000s", path, resp.StatusCode, want, b.String())
		}
	}
}

// 200 concurrent commands while RealtimeKit has not answered any of them:
// every one is acked all the same (an ack waits for RealtimeKit at most the
// bounded wait for a worker, then says "busy", so it stays inside Slack's
// 3 s however slow RealtimeKit is), and once RealtimeKit answers, every one
// is answered, the commands that had a worker with the status card.
// Holding the upstream until the last ack proves the first point without
// timing anything.
func TestConcurrentCommandsAreAllAckedAndAnswered(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	gate := make(chan struct{})
	w.rtk.SetFault(rtkfake.AllRoutes, rtkfake.Fault{Until: gate, Latency: 200 * time.Millisecond})
	const n = 200
	ds := make([]struct{ env, url string }, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := w.run(userID, "status "+meetingID)
			ds[i].env, ds[i].url = d.EnvelopeID, d.ResponseURL
		}()
	}
	wg.Wait()
	var worst time.Duration
	for _, d := range ds {
		ack, err := w.slack.WaitAck(w.ctx(), d.env)
		if err != nil {
			t.Fatalf("envelope %s never acked while RealtimeKit was silent: %v", d.env, err)
		}
		worst = max(worst, ack.Latency())
	}
	if got := w.rtk.RequestCount(rtkfake.RouteActiveSession); got == 0 {
		t.Errorf("no RealtimeKit request was waiting when the last ack came; the test proves nothing")
	}
	close(gate)
	cards, busy := 0, 0
	for _, d := range ds {
		resps, err := w.slack.WaitResponses(w.ctx(), d.url, 1)
		if err != nil {
			t.Errorf("command never answered: %v", err)
			continue
		}
		switch text := string(resps[0].Raw); {
		case strings.Contains(text, "Weekly All-Hands"):
			cards++
		case strings.Contains(text, "The bot is busy"):
			busy++
		default:
			t.Errorf("answer = %.300q, want the status card or the busy answer", text)
		}
	}
	if cards == 0 {
		t.Error("no command got the status card once RealtimeKit answered")
	}
	t.Logf("slowest ack of %d: %s; %d status cards, %d busy", n, worst, cards, busy)
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, resp.Body); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var _ = json.Marshal

func TestLinkedChannelNeedsNoMeetingIDAndKeepsAnAuditLog(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	linked := w.answer(modID, "link "+meetingID)
	if linked.Ephemeral() {
		t.Error("linking is not announced in the channel")
	}
	mustContain(t, "link answer", shown(t, linked), "<@"+modID+">", "linked this channel", "Weekly All-Hands")

	mustContain(t, "status without an ID", shown(t, w.answer(userID, "status")), "Weekly All-Hands", "LIVE")
	w.answer(modID, "mute carol")
	w.answer(userID, "mute-all") // refused: not a moderator
	if n := w.rtk.RequestCount(rtkfake.RouteMute); n != 1 {
		t.Errorf("mute requests = %d, want 1", n)
	}

	audit := w.answer(modID, "audit")
	if !audit.Ephemeral() {
		t.Error("the audit log went to the channel")
	}
	mustContain(t, "audit log", shown(t, audit), "Audit log of", "`mute`", "Carol Díaz", "--refusals")
	if strings.Contains(shown(t, audit), "<@"+userID+">") {
		t.Errorf("the audit log shows a refusal without --refusals:\n%s", shown(t, audit))
	}
	withRefusals := w.answer(modID, "audit --refusals")
	mustContain(t, "audit log with refusals", shown(t, withRefusals), "`mute`", "Carol Díaz", "`mute-all`", "refused", "<@"+userID+">")

	mustContain(t, "unlink answer", shown(t, w.answer(modID, "unlink")), "unlinked this channel")
	mustContain(t, "status after unlink", shown(t, w.answer(userID, "status")), "Which meeting?")
}
