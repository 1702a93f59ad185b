package commands

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rtkbot/rtkbot/internal/meeting"
)

// TestRecoverInterrupted: after a crash mid-kick, the requester is told
// what RealtimeKit shows became of it: not kicked (still there since before
// the click), gone, back since the click, or unknown when the meeting
// cannot be read. Nothing is sent upstream but reads.
func TestRecoverInterrupted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	now := e.clock.Now()
	const broken = "99999999-9999-4999-8999-999999999999"
	listLive := e.rt.LiveParticipantsFn
	e.rt.LiveParticipantsFn = func(ctx context.Context, id string) ([]meeting.Participant, error) {
		if id == broken {
			return nil, fmt.Errorf("GET active-session: HTTP 502: %w", meeting.ErrUpstream)
		}
		return listLive(ctx, id)
	}
	// Everyone in the live meeting joined between t0 and t0+6m.
	afterAll, betweenBobAndCarol, beforeAll := t0.Add(25*time.Minute), t0.Add(3*time.Minute+30*time.Second), t0.Add(-time.Minute)
	gone := meeting.Participant{ID: "77777777-7777-4777-8777-777777777777", Name: "Zed"}
	conf := func(id, verb, mID, title string, claimed time.Time, targets ...meeting.Participant) Confirmation {
		return Confirmation{ID: id, TeamID: teamID, ChannelID: chanID, RequesterID: modID, Verb: verb,
			MeetingID: mID, MeetingTitle: title, Targets: targets, State: StateExecuting, ClaimedAt: claimed}
	}
	stuck := []Confirmation{
		conf("c1", "kick", meetingID, title, afterAll, participant(pBob), participant(pCarol)),
		conf("c2", "kick-all", otherMeeting, otherTitle, afterAll),
		conf("c3", "kick", otherMeeting, "", afterAll, participant(pDave)),
		conf("c4", "kick", meetingID, title, betweenBobAndCarol, participant(pBob), gone, participant(pCarol)),
		conf("c5", "kick-all", meetingID, title, afterAll),
		conf("c6", "kick-all", meetingID, title, beforeAll),
		conf("c7", "kick", broken, "", afterAll, participant(pChannel)),
	}
	stuck[1].ChannelID, stuck[1].RequesterID = "C2", "UMOD2"

	got := e.svc.RecoverInterrupted(t.Context(), stuck)

	notice := func(channel, user, ref, msg string) Notification {
		return Notification{TeamID: teamID, ChannelID: channel, UserID: user,
			Reply: Reply{Visibility: Ephemeral, Error: &ErrorView{Code: CodeInternal, Ref: ref, Message: msg}}}
	}
	const restart = " was interrupted by a restart of the bot. "
	check := func(id string) string {
		return " Check with /meeting status " + id + " and run it again if needed."
	}
	want := []Notification{
		notice(chanID, modID, "id1", "Your kick of Bob Smith and Carol Jones in “Weekly sync”"+restart+
			"It did not happen: Bob Smith and Carol Jones are still in the meeting, so nobody was kicked. Run the kick again if needed."),
		notice("C2", "UMOD2", "id2", "Your kick-all (ending the session for everyone) in “Board <meeting> & co”"+restart+
			"The session has ended since, so it took effect (or everyone left on their own)."),
		notice(chanID, modID, "id3", "Your kick of dave in meeting "+otherMeeting+restart+
			"RealtimeKit no longer shows dave in the meeting, so the kick took effect (or they left on their own)."),
		notice(chanID, modID, "id4", "Your kick of Bob Smith, Zed and Carol Jones in “Weekly sync”"+restart+
			"Still in the meeting, so not kicked: Bob Smith. No longer in the meeting: Zed. "+
			"Back in the meeting since you confirmed, so the bot cannot tell whether the kick reached them: Carol Jones."+check(meetingID)),
		notice(chanID, modID, "id5", "Your kick-all (ending the session for everyone) in “Weekly sync”"+restart+
			"It did not happen: 6 participants who were in the meeting when you confirmed are still in it, so nobody was kicked. Run it again if needed."),
		notice(chanID, modID, "id6", "Your kick-all (ending the session for everyone) in “Weekly sync”"+restart+
			"The session is running with people who joined after you confirmed, so the bot cannot tell whether it happened."+check(meetingID)),
		notice(chanID, modID, "id7", "Your kick of <!channel> in meeting "+broken+restart+
			"It may or may not have happened."+check(broken)),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("notifications mismatch (-want +got):\n%s", diff)
	}

	entry := func(c Confirmation, ref, detail string) AuditEntry {
		return AuditEntry{Time: now, TeamID: teamID, ChannelID: c.ChannelID, UserID: c.RequesterID, Verb: c.Verb,
			MeetingID: c.MeetingID, MeetingTitle: c.MeetingTitle, Targets: auditTargets(c.Targets), Outcome: OutcomeFailed,
			Detail: "interrupted by restart; " + detail, Ref: ref}
	}
	wantAudit := []AuditEntry{
		entry(stuck[0], "id1", "not executed: targets still in the meeting"),
		entry(stuck[1], "id2", "the session has ended"),
		entry(stuck[2], "id3", "targets no longer in the meeting"),
		entry(stuck[3], "id4", "still in the meeting: Bob Smith ("+pBob+"); no longer in the meeting: Zed ("+gone.ID+
			"); joined after the click: Carol Jones ("+pCarol+")"),
		entry(stuck[4], "id5", "not executed: 6 participants still in the meeting"),
		entry(stuck[5], "id6", "everyone live joined after the click"),
		entry(stuck[6], "id7", "RealtimeKit could not be checked"),
	}
	if diff := cmp.Diff(wantAudit, e.aud.Entries()); diff != "" {
		t.Errorf("audit mismatch (-want +got):\n%s", diff)
	}
	logs := e.logs.String()
	for _, s := range []string{`"ref":"id1"`, `"confirmation_id":"c1"`, `"ref":"id2"`, `"meeting_id":"` + otherMeeting + `"`,
		`"check_err":"GET active-session: HTTP 502: realtimekit upstream error"`} {
		if !strings.Contains(logs, s) {
			t.Errorf("logs lack %s:\n%s", s, logs)
		}
	}
	if m := e.rt.Mutations(); len(m) != 0 {
		t.Errorf("RealtimeKit mutations %+v, want none", m)
	}
	if got := e.svc.RecoverInterrupted(t.Context(), nil); len(got) != 0 {
		t.Errorf("nothing stuck: %+v", got)
	}
}

// TestKickCutOffByShutdownIsLeftToRecovery: a confirmed kick whose call
// the shutdown cut off may or may not have happened, and the process
// stopping will not tell anyone; the confirmation stays executing, so that
// crash recovery (which asks RealtimeKit) finds it and tells the
// requester. It used to be finished as failed: recovery never saw it, the
// click taken over by the next process found it handled and said nothing,
// and the requester heard nothing at all.
func TestKickCutOffByShutdownIsLeftToRecovery(t *testing.T) {
	t.Parallel()
	se := newStoreEnv(t)
	id := se.deliver(t.Context(), "kick "+meetingID+" carol", "E0", "T0")[0].Confirm.ID
	ctx, shutdown := context.WithCancel(t.Context())
	se.rt.KickFn = func(ctx context.Context, _ string, _ meeting.Targets) ([]meeting.Affected, error) {
		shutdown() // the deadline passes while the call is in flight
		<-ctx.Done()
		return nil, ctx.Err()
	}
	se.svc.Click(ctx, Click{TeamID: teamID, ChannelID: chanID, UserID: modID, ConfirmationID: id, Approve: true,
		EnvelopeID: "E1", TriggerID: "T1"})

	c, err := se.svc.confirms.Get(t.Context(), id)
	if err != nil || c.State != StateExecuting {
		t.Fatalf("confirmation after the cut-off kick: %s (%v), want still executing, for crash recovery", c.State, err)
	}
	// The next process's click finds it in hand and says nothing; crash
	// recovery tells the requester what RealtimeKit shows.
	if got := se.svc.Click(t.Context(), Click{TeamID: teamID, ChannelID: chanID, UserID: modID, ConfirmationID: id,
		Approve: true, EnvelopeID: "E1", TriggerID: "T1", Recovered: true}); len(got) != 0 {
		t.Errorf("recovered click: %s, want no answer (crash recovery speaks)", describe(got))
	}
	told := se.svc.RecoverInterrupted(t.Context(), []Confirmation{c})
	if len(told) != 1 || told[0].UserID != modID || told[0].Reply.Error == nil ||
		!strings.Contains(told[0].Reply.Error.Message, "Your kick of Carol Jones in “Weekly sync” was interrupted by a restart of the bot.") {
		t.Errorf("crash recovery told %+v, want the requester told of the interrupted kick", told)
	}
	if n := mutationsOf("Kick")(se); n != 1 {
		t.Errorf("%d kicks, want the 1 cut off", n)
	}
}
