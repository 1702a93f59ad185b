package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rtkbot/rtkbot/internal/config"
	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
)

// TestRedeliveredCommandIsAnsweredOnce: Slack sends an envelope again
// (its ack was lost); the copy is acked and nothing else happens, for
// reads as for changes.
func TestRedeliveredCommandIsAnsweredOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for i, text := range []string{"status " + meetingID, "mute " + meetingID + " carol"} {
		d := w.run(modID, text)
		w.answers(d, 1)
		if err := w.slack.Redeliver(d.EnvelopeID); err != nil {
			t.Fatal(err)
		}
		acks, err := w.slack.WaitAcks(w.ctx(), 2*(i+1))
		if err != nil {
			t.Fatalf("%s: the copy was not acked: %v", text, err)
		}
		if last := acks[len(acks)-1]; last.EnvelopeID != d.EnvelopeID || last.RetryAttempt != 1 {
			t.Fatalf("%s: last ack %+v, want the copy's", text, last)
		}
		// The copy is dropped once this is logged: any answer to it
		// would come from a run this proves did not start.
		waitForLog(t, w, "ignoring a copy of a delivery already accepted", i+1)
		if n := len(w.slack.Responses(d.ResponseURL)); n != 1 {
			t.Errorf("%s: %d answers, want 1", text, n)
		}
	}
	if n := w.rtk.RequestCount(rtkfake.RouteMute); n != 1 {
		t.Errorf("%d mute requests, want 1", n)
	}
}

// waitForLog waits until the bot has logged msg n times.
func waitForLog(t *testing.T, w *world, msg string, n int) {
	t.Helper()
	ctx := w.ctx()
	for strings.Count(w.logs.String(), `"msg":"`+msg+`"`) < n {
		select {
		case <-ctx.Done():
			t.Fatalf("the bot never logged %q %d times", msg, n)
		case <-time.After(5 * time.Millisecond): // polls the log; asserts nothing
		}
	}
}

// interruptedWorld is a bot whose first RealtimeKit request on route hangs,
// with a shutdown grace too short to wait for it: stopping it mid-command
// leaves the command accepted and unanswered, as a crash would.
func interruptedWorld(t *testing.T, route string) *world {
	w := newWorld(t, func(c *config.Config) { c.ShutdownTimeout = 300 * time.Millisecond })
	w.rtk.SetFault(route, rtkfake.Fault{Hang: true, Times: 1})
	return w
}

// stopMidCommand runs the command, waits until it is acked and its
// request on route reached RealtimeKit, and stops the bot.
func (w *world) stopMidCommand(user, text, route string) string {
	w.t.Helper()
	d := w.run(user, text)
	if _, err := w.slack.WaitAck(w.ctx(), d.EnvelopeID); err != nil {
		w.t.Fatalf("no ack: %v", err)
	}
	if err := w.rtk.WaitForRequests(w.ctx(), route, 1); err != nil {
		w.t.Fatalf("the command never reached RealtimeKit's %s: %v", route, err)
	}
	w.stopApp()
	if n := len(w.slack.Responses(d.ResponseURL)); n != 0 {
		w.t.Fatalf("the interrupted command was answered %d times before the restart", n)
	}
	return d.ResponseURL
}

// TestRestartAnswersAnAcceptedRead: a status acked but not answered when
// the bot stopped is answered by the next bot on the same database.
func TestRestartAnswersAnAcceptedRead(t *testing.T) {
	t.Parallel()
	w := interruptedWorld(t, rtkfake.RouteActiveSession)
	url := w.stopMidCommand(userID, "status "+meetingID, rtkfake.RouteActiveSession)
	w.startApp()
	rs, err := w.slack.WaitResponses(w.ctx(), url, 1)
	if err != nil {
		t.Fatalf("the restarted bot did not answer: %v", err)
	}
	mustContain(t, "status card", shown(t, rs[0]), "Weekly All-Hands", "LIVE")
	mustContain(t, "logs", w.logs.String(), "answering a command accepted by a replica that stopped before answering it")
}

// TestRestartReportsAnInterruptedMute: a mute whose request may have
// reached RealtimeKit when the shutdown deadline cut it off is not sent
// again; its requester is told it may or may not have happened, and the
// audit log says so. (It used to be recorded as finished when the cut-off
// call returned before the database closed, and the restarted bot then
// said it "was carried out": 7 runs in 20 under load.)
func TestRestartReportsAnInterruptedMute(t *testing.T) {
	t.Parallel()
	w := interruptedWorld(t, rtkfake.RouteMute)
	url := w.stopMidCommand(modID, "mute "+meetingID+" carol", rtkfake.RouteMute)
	w.startApp()
	rs, err := w.slack.WaitResponses(w.ctx(), url, 1)
	if err != nil {
		t.Fatalf("the restarted bot did not answer: %v", err)
	}
	if !rs[0].Ephemeral() {
		t.Error("the interruption notice went to the whole channel")
	}
	mustContain(t, "notice", shown(t, rs[0]), "/meeting mute was interrupted by a restart", "may or may not have taken effect",
		"/meeting status "+meetingID)
	// The answer comes after the decision not to send it again.
	if n := w.rtk.RequestCount(rtkfake.RouteMute); n != 1 {
		t.Errorf("%d mute requests, want 1: the interrupted one, not sent again", n)
	}
	// Both bots audited it: the first, as the shutdown cut it off (it
	// had time to, before the database closed), the second, taking over.
	audit := shown(t, w.answer(modID, "audit "+meetingID))
	mustContain(t, "audit list", audit, "so the mute may or may not have happened", "interrupted by restart")
	if n := strings.Count(audit, "interrupted by restart"); n != 1 {
		t.Errorf("audit list shows the interruption %d times, want 1:\n%s", n, audit)
	}
	if strings.Contains(audit, "muted 1 participant") {
		t.Errorf("audit list shows the interrupted mute as done:\n%s", audit)
	}
}

// stopWhileAnswering runs the command and stops the bot while its answer
// is on its way to Slack (held there, never delivered), as a crash right
// after running it would: the command has run, and is not answered.
func (w *world) stopWhileAnswering(user, text string) string {
	w.t.Helper()
	w.slack.HoldResponses(1)
	d := w.run(user, text)
	if err := w.slack.WaitHeldResponses(w.ctx(), 1); err != nil {
		w.t.Fatalf("the command was never answered: %v", err)
	}
	w.stopApp()
	if n := len(w.slack.Responses(d.ResponseURL)); n != 0 {
		w.t.Fatalf("the command was answered %d times before the restart", n)
	}
	return d.ResponseURL
}

// TestRestartSaysHowATakenOverCommandEnded: a mutating command that had
// run to its end when its bot stopped, before its answer reached Slack,
// is answered by the restarted bot with exactly how it ended, and is
// neither run nor audited again. A refused or failed command used to be
// reported as "carried out".
func TestRestartSaysHowATakenOverCommandEnded(t *testing.T) {
	t.Parallel()
	const when = "just before a restart of the bot"
	for _, tc := range []struct {
		name      string
		user      string
		fault     *rtkfake.Fault // on the mute route
		want      []string       // in the restarted bot's answer
		wantMutes int
		wantAudit string // the one audit post, in the audit channel
	}{
		{name: "carried out", user: modID,
			want:      []string{"Your /meeting mute was carried out " + when + "; /meeting audit shows what it did."},
			wantMutes: 1, wantAudit: "muted 1 participant"},
		{name: "refused", user: userID,
			// Refusals are not claimed in the database: the restarted bot
			// checks the requester again, refuses again, and the refusal
			// throttle keeps the audit channel to the first refusal.
			want:      []string{"Not allowed", "Only moderators can run /meeting mute"},
			wantMutes: 0, wantAudit: "moderator"},
		{name: "failed", user: modID, fault: &rtkfake.Fault{Status: http.StatusUnauthorized, Times: 1},
			want:      []string{"Your /meeting mute failed " + when + ": RealtimeKit refused the bot's Cloudflare API token", "Nothing was changed."},
			wantMutes: 1, wantAudit: "RealtimeKit refused the bot's Cloudflare API token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, func(c *config.Config) {
				c.ShutdownTimeout = 300 * time.Millisecond
				c.AuditChannel = "C0AUDIT"
			})
			if tc.fault != nil {
				w.rtk.SetFault(rtkfake.RouteMute, *tc.fault)
			}
			url := w.stopWhileAnswering(tc.user, "mute "+meetingID+" carol")
			w.startApp()
			rs, err := w.slack.WaitResponses(w.ctx(), url, 1)
			if err != nil {
				t.Fatalf("the restarted bot did not answer: %v", err)
			}
			if !rs[0].Ephemeral() {
				t.Error("the answer went to the whole channel")
			}
			got := shown(t, rs[0])
			mustContain(t, "the restarted bot's answer", got, tc.want...)
			if strings.Contains(got, "may or may not") {
				t.Errorf("the answer says the outcome is unknown:\n%s", got)
			}
			if n := w.rtk.RequestCount(rtkfake.RouteMute); n != tc.wantMutes {
				t.Errorf("%d mute requests, want %d", n, tc.wantMutes)
			}
			w.stopApp() // flushes the audit channel
			var audit []string
			for _, p := range w.slack.Posted() {
				if p.Channel == "C0AUDIT" {
					audit = append(audit, p.Text+string(p.Blocks))
				}
			}
			if len(audit) != 1 || !strings.Contains(audit[0], tc.wantAudit) {
				t.Errorf("audit channel posts:\n%s\nwant one saying %q", strings.Join(audit, "\n"), tc.wantAudit)
			}
		})
	}
}
