package commands

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rtkbot/rtkbot/internal/realtime"
)

func TestRecoverInterrupted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	now := e.clock.Now()
	kick := newConfirmation("c1", now.Add(-5*time.Minute))
	kick.Targets = []realtime.Participant{participant(pBob), participant(pCarol)}
	kick.State = StateExecuting
	kickAll := Confirmation{ID: "c2", TeamID: teamID, ChannelID: "C2", RequesterID: "UMOD2", Verb: "kick-all",
		MeetingID: otherMeeting, MeetingTitle: otherTitle, LiveCount: 3, State: StateExecuting}
	untitled := Confirmation{ID: "c3", TeamID: teamID, ChannelID: chanID, RequesterID: modID, Verb: "kick",
		MeetingID: otherMeeting, Targets: []realtime.Participant{participant(pDave)}, State: StateExecuting}

	got := e.svc.RecoverInterrupted(t.Context(), []Confirmation{kick, kickAll, untitled})

	notice := func(channel, user, ref, msg string) Notification {
		return Notification{TeamID: teamID, ChannelID: channel, UserID: user,
			Reply: Reply{Visibility: Ephemeral, Error: &ErrorView{Code: CodeInternal, Ref: ref, Message: msg}}}
	}
	want := []Notification{
		notice(chanID, modID, "id1", "Your kick of Bob Smith and Carol Jones in “Weekly sync” was interrupted by a restart of the bot, "+
			"so it may or may not have happened. Check with /meeting status "+meetingID+" and run it again if needed."),
		notice("C2", "UMOD2", "id2", "Your kick-all (ending the session for everyone) in “Board <meeting> & co” was interrupted by a restart of the bot, "+
			"so it may or may not have happened. Check with /meeting status "+otherMeeting+" and run it again if needed."),
		notice(chanID, modID, "id3", "Your kick of dave in meeting "+otherMeeting+" was interrupted by a restart of the bot, "+
			"so it may or may not have happened. Check with /meeting status "+otherMeeting+" and run it again if needed."),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("notifications mismatch (-want +got):\n%s", diff)
	}

	wantAudit := []AuditEntry{
		{Time: now, TeamID: teamID, ChannelID: chanID, UserID: modID, Verb: "kick", MeetingID: meetingID, MeetingTitle: title,
			Targets: []string{"Bob Smith (" + pBob + ")", "Carol Jones (" + pCarol + ")"}, Outcome: OutcomeFailed,
			Detail: "interrupted by restart", Ref: "id1"},
		{Time: now, TeamID: teamID, ChannelID: "C2", UserID: "UMOD2", Verb: "kick-all", MeetingID: otherMeeting, MeetingTitle: otherTitle,
			Targets: []string{}, Outcome: OutcomeFailed, Detail: "interrupted by restart", Ref: "id2"},
		{Time: now, TeamID: teamID, ChannelID: chanID, UserID: modID, Verb: "kick", MeetingID: otherMeeting,
			Targets: []string{"dave (" + pDave + ")"}, Outcome: OutcomeFailed, Detail: "interrupted by restart", Ref: "id3"},
	}
	if diff := cmp.Diff(wantAudit, e.aud.Entries()); diff != "" {
		t.Errorf("audit mismatch (-want +got):\n%s", diff)
	}
	logs := e.logs.String()
	for _, s := range []string{`"ref":"id1"`, `"confirmation_id":"c1"`, `"ref":"id2"`, `"meeting_id":"` + otherMeeting + `"`} {
		if !strings.Contains(logs, s) {
			t.Errorf("logs lack %s:\n%s", s, logs)
		}
	}
	if m := e.rt.Calls(); len(m) != 0 {
		t.Errorf("RealtimeKit calls %+v, want none", m)
	}
	if got := e.svc.RecoverInterrupted(t.Context(), nil); len(got) != 0 {
		t.Errorf("nothing stuck: %+v", got)
	}
}
