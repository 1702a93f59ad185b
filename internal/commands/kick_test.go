package commands

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rtkbot/rtkbot/internal/meeting"
)

// promptFor runs a kick command as modID and returns the confirmation ID.
func promptFor(t *testing.T, e *env, text string) string {
	t.Helper()
	got := e.run(t.Context(), modID, text)
	if len(got) != 1 || got[0].Confirm == nil {
		t.Fatalf("%s: want a confirmation, got %s", text, describe(got))
	}
	return got[0].Confirm.ID
}

func (e *env) click(ctx context.Context, user, id string, approve bool) []Reply {
	return e.svc.Click(ctx, Click{TeamID: teamID, ChannelID: chanID, UserID: user, ConfirmationID: id, Approve: approve})
}

func (e *env) kicks() int {
	n := 0
	for _, c := range e.rt.Mutations() {
		if c.Method == "Kick" || c.Method == "KickAll" {
			n++
		}
	}
	return n
}

func TestKickConfirmed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := promptFor(t, e, "kick "+meetingID+` "bob smith" dave`)
	if n := e.kicks(); n != 0 {
		t.Fatalf("%d kicks before confirming", n)
	}
	got := e.click(t.Context(), modID, id, true)
	view := ActionView{Verb: "kick", RequesterID: modID, MeetingID: meetingID, MeetingTitle: title, Affected: affected(pBob, pDave)}
	// The channel post is the result; the prompt goes, so the requester
	// does not see the result twice.
	want := []Reply{
		{Visibility: InChannel, Action: &view},
		{Visibility: Ephemeral, DeleteOriginal: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replies mismatch (-want +got):\n%s", diff)
	}
	wantCalls := []rtCall{{Method: "Kick", MeetingID: meetingID, Targets: meeting.Targets{ParticipantIDs: []string{pBob, pDave}}}}
	if diff := cmp.Diff(wantCalls, e.rt.Mutations()); diff != "" {
		t.Errorf("calls mismatch (-want +got):\n%s", diff)
	}
	wantAudit := []AuditEntry{{Time: e.clock.Now(), TeamID: teamID, ChannelID: chanID, UserID: modID, Verb: "kick", MeetingID: meetingID,
		MeetingTitle: title, Targets: []string{"Bob Smith (" + pBob + ")", "dave (" + pDave + ")"}, Outcome: OutcomeOK, Detail: "kicked 2 participant(s)"}}
	if diff := cmp.Diff(wantAudit, e.aud.Entries()); diff != "" {
		t.Errorf("audit mismatch (-want +got):\n%s", diff)
	}
	c, err := e.svc.confirms.Get(t.Context(), id)
	if err != nil || c.State != StateDone || c.Outcome != OutcomeOK {
		t.Errorf("stored confirmation = %+v, %v; want done, ok", c, err)
	}

	// A second click does nothing but say so, without touching the result.
	again := e.click(t.Context(), modID, id, true)
	wantAgain := ErrorView{Code: CodeConflict, Message: "This confirmation was already confirmed; nothing more was done."}
	if diff := cmp.Diff(wantAgain, errorOf(t, again)); diff != "" {
		t.Errorf("second click mismatch (-want +got):\n%s", diff)
	}
	if again[0].ReplaceOriginal {
		t.Error("the second click replaced the result")
	}
	if n := e.kicks(); n != 1 {
		t.Errorf("%d kicks, want 1", n)
	}
}

func TestKickAllConfirmed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := promptFor(t, e, "kick-all "+meetingID)
	got := e.click(t.Context(), modID, id, true)
	view := ActionView{Verb: "kick-all", RequesterID: modID, MeetingID: meetingID, MeetingTitle: title, Count: 6}
	want := []Reply{{Visibility: InChannel, Action: &view}, {Visibility: Ephemeral, DeleteOriginal: true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replies mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]rtCall{{Method: "KickAll", MeetingID: meetingID}}, e.rt.Mutations()); diff != "" {
		t.Errorf("calls mismatch (-want +got):\n%s", diff)
	}
}
