package app_test

import (
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
		time.Sleep(200 * time.Millisecond) // an answer to the copy would be posted by now
		if n := len(w.slack.Responses(d.ResponseURL)); n != 1 {
			t.Errorf("%s: %d answers, want 1", text, n)
		}
	}
	if n := w.rtk.RequestCount(rtkfake.RouteMute); n != 1 {
		t.Errorf("%d mute requests, want 1", n)
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
	deadline := time.Now().Add(5 * time.Second)
	for w.rtk.RequestCount(route) == 0 {
		if time.Now().After(deadline) {
			w.t.Fatalf("the command never reached RealtimeKit's %s", route)
		}
		time.Sleep(10 * time.Millisecond)
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
// reached RealtimeKit is not sent again; its requester is told it may or
// may not have happened, and the audit log says so.
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
	time.Sleep(200 * time.Millisecond)
	if n := w.rtk.RequestCount(rtkfake.RouteMute); n != 1 {
		t.Errorf("%d mute requests, want 1: the interrupted one, not sent again", n)
	}
	audit := shown(t, w.answer(modID, "audit "+meetingID))
	mustContain(t, "audit list", audit, "interrupted by restart")
	if n := strings.Count(audit, "interrupted by restart"); n != 1 {
		t.Errorf("audit list shows the interruption %d times, want 1:\n%s", n, audit)
	}
}
