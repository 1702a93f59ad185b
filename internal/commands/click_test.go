package commands

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rtkbot/rtkbot/internal/meeting"
)

func TestConcurrentClicksKickOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := promptFor(t, e, "kick "+meetingID+" carol")
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		successes int
		conflicts int
	)
	for range 20 {
		wg.Go(func() {
			got := e.click(t.Context(), modID, id, true)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case len(got) == 2 && got[0].Action != nil:
				successes++
			case len(got) == 1 && got[0].Error != nil && got[0].Error.Code == CodeConflict:
				conflicts++
			default:
				t.Errorf("unexpected answer %s", describe(got))
			}
		})
	}
	wg.Wait()
	if successes != 1 || conflicts != 19 || e.kicks() != 1 {
		t.Errorf("%d successes, %d conflicts, %d kicks; want 1, 19, 1", successes, conflicts, e.kicks())
	}
}

func TestClickByAnotherUser(t *testing.T) {
	t.Parallel()
	for _, other := range []string{userID, "UMOD2"} { // a bystander, and another moderator
		t.Run(other, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *Config) { c.Moderators = []string{modID, "UMOD2"} })
			id := promptFor(t, e, "kick "+meetingID+" carol")
			for _, approve := range []bool{true, false} {
				got := e.click(t.Context(), other, id, approve)
				want := ErrorView{Code: CodeForbidden, Message: "Only the person who ran this command can confirm or cancel it."}
				if diff := cmp.Diff(want, errorOf(t, got)); diff != "" {
					t.Errorf("error mismatch (-want +got):\n%s", diff)
				}
				if got[0].ReplaceOriginal {
					t.Error("a stranger's click replaced the prompt")
				}
			}
			if n := e.kicks(); n != 0 {
				t.Fatalf("%d kicks after a stranger clicked", n)
			}
			// The second refusal, within the minute, is counted, not recorded.
			entries := e.aud.Entries()
			if len(entries) != 1 || entries[0].Outcome != OutcomeRefused || entries[0].UserID != other ||
				!cmp.Equal(entries[0].Targets, []string{"Carol Jones (" + pCarol + ")"}) {
				t.Errorf("audit = %+v, want one refusal of %s", entries, other)
			}
			// The prompt is still the requester's to confirm.
			if got := e.click(t.Context(), modID, id, true); len(got) != 2 || got[0].Action == nil {
				t.Errorf("requester's click after a stranger's: %s", describe(got))
			}
			if n := e.kicks(); n != 1 {
				t.Errorf("%d kicks, want 1", n)
			}
		})
	}
}

func TestClickFromAnotherWorkspace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := promptFor(t, e, "kick "+meetingID+" carol")
	got := e.svc.Click(t.Context(), Click{TeamID: "T2", ChannelID: chanID, UserID: modID, ConfirmationID: id, Approve: true})
	if ev := errorOf(t, got); ev.Code != CodeForbidden {
		t.Errorf("got %+v, want forbidden", ev)
	}
	if n := e.kicks(); n != 0 {
		t.Errorf("%d kicks", n)
	}
}

func TestKickCancelled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := promptFor(t, e, "kick "+meetingID+" carol")
	got := e.click(t.Context(), modID, id, false)
	want := []Reply{{Visibility: Ephemeral, ReplaceOriginal: true, Notice: &NoticeView{Text: "Cancelled: nobody was kicked from “Weekly sync”."}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replies mismatch (-want +got):\n%s", diff)
	}
	// Confirming after cancelling does nothing.
	after := errorOf(t, e.click(t.Context(), modID, id, true))
	if diff := cmp.Diff(ErrorView{Code: CodeConflict, Message: "This confirmation was already cancelled; nothing more was done."}, after); diff != "" {
		t.Errorf("error mismatch (-want +got):\n%s", diff)
	}
	if n := e.kicks(); n != 0 {
		t.Errorf("%d kicks after cancel", n)
	}
	if entries := e.aud.Entries(); len(entries) != 0 {
		t.Errorf("audit %+v, want nothing (nothing was executed)", entries)
	}
}

func TestKickExpired(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ttl     time.Duration
		wait    time.Duration
		expired bool
		message string
	}{
		{name: "just in time", wait: DefaultConfirmTTL - time.Second},
		{name: "default lifetime", wait: DefaultConfirmTTL, expired: true,
			message: "This confirmation expired (they last 10 minutes), so nothing was done. Run /meeting kick again."},
		{name: "configured lifetime", ttl: 90 * time.Second, wait: 2 * time.Minute, expired: true,
			message: "This confirmation expired (they last 90 seconds), so nothing was done. Run /meeting kick again."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *Config) { c.ConfirmTTL = tt.ttl })
			id := promptFor(t, e, "kick "+meetingID+" carol")
			e.clock.Advance(tt.wait)
			got := e.click(t.Context(), modID, id, true)
			if !tt.expired {
				if len(got) != 2 || e.kicks() != 1 {
					t.Errorf("got %s and %d kicks, want the kick done", describe(got), e.kicks())
				}
				return
			}
			if diff := cmp.Diff(ErrorView{Code: CodeExpired, Message: tt.message}, errorOf(t, got)); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if !got[0].ReplaceOriginal {
				t.Error("the expired prompt was not replaced")
			}
			if n := e.kicks(); n != 0 {
				t.Errorf("%d kicks after expiry", n)
			}
		})
	}
}

func TestClickUnknownConfirmation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	got := e.click(t.Context(), modID, "from-before-a-restart", true)
	want := ErrorView{Code: CodeExpired, Message: "This confirmation is no longer valid (it expired, or the bot restarted since). Run the command again."}
	if diff := cmp.Diff(want, errorOf(t, got)); diff != "" {
		t.Errorf("error mismatch (-want +got):\n%s", diff)
	}
	if !got[0].ReplaceOriginal {
		t.Error("the stale prompt was not replaced")
	}
}

// TestClickRechecksAuthorization: a moderator removed from the group between
// prompt and click is refused, and the prompt is not consumed.
func TestClickRechecksAuthorization(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.Moderators, c.ModeratorGroups = nil, []string{"SMODS"} })
	got := e.svc.Handle(t.Context(), Request{TeamID: teamID, ChannelID: chanID, UserID: "UGRP1", Text: "kick " + meetingID + " carol"})
	if len(got) != 1 || got[0].Confirm == nil {
		t.Fatalf("want a prompt, got %s", describe(got))
	}
	id := got[0].Confirm.ID
	e.dir.set(func(d *fakeDir) { d.groups["SMODS"] = nil })
	e.clock.Advance(DefaultGroupCacheTTL)
	ev := errorOf(t, e.click(t.Context(), "UGRP1", id, true))
	if ev.Code != CodeForbidden {
		t.Errorf("got %+v, want forbidden", ev)
	}
	if n := e.kicks(); n != 0 {
		t.Errorf("%d kicks by a former moderator", n)
	}
	if c, _ := e.svc.confirms.Get(t.Context(), id); c.State != StatePending {
		t.Errorf("state = %s, want the prompt still pending", c.State)
	}
	entries := e.aud.Entries()
	if len(entries) != 1 || entries[0].Outcome != OutcomeRefused || !cmp.Equal(entries[0].Targets, []string{"Carol Jones (" + pCarol + ")"}) {
		t.Errorf("audit = %+v, want one refusal naming the target", entries)
	}
}

func TestKickFailsAtClick(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want ErrorView
	}{
		{name: "participant left", err: fmt.Errorf("POST kick: HTTP 404: %w", meeting.ErrParticipantNotFound),
			want: ErrorView{Code: CodeNotFound, Message: "Carol Jones left the meeting before the kick went through. Run /meeting status " +
				meetingID + " to see who is live, then try again."}},
		{name: "timeout", err: fmt.Errorf("POST kick: %w", context.DeadlineExceeded),
			want: ErrorView{Code: CodeTimeout, Message: "RealtimeKit did not answer in time, so the kick may or may not have happened. Check with /meeting status " +
				meetingID + " before trying again."}},
		{name: "internal", err: fmt.Errorf("POST kick: HTTP 502: %w", meeting.ErrUpstream),
			want: ErrorView{Code: CodeInternal, Ref: "id2", Message: "Something went wrong on our side: internal error (ref id2). The kick may or may not have happened; check with /meeting status " +
				meetingID + "."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.rt.KickFn = func(context.Context, string, meeting.Targets) ([]meeting.Affected, error) { return nil, tt.err }
			id := promptFor(t, e, "kick "+meetingID+" carol")
			got := e.click(t.Context(), modID, id, true)
			if diff := cmp.Diff(tt.want, errorOf(t, got)); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if !got[0].ReplaceOriginal {
				t.Error("the used prompt was not replaced")
			}
			wantAudit := []AuditEntry{{Time: e.clock.Now(), TeamID: teamID, ChannelID: chanID, UserID: modID, Verb: "kick", MeetingID: meetingID,
				MeetingTitle: title, Targets: []string{"Carol Jones (" + pCarol + ")"}, Outcome: OutcomeFailed, Detail: tt.want.Message, Ref: tt.want.Ref}}
			if diff := cmp.Diff(wantAudit, e.aud.Entries()); diff != "" {
				t.Errorf("audit mismatch (-want +got):\n%s", diff)
			}
			if c, _ := e.svc.confirms.Get(t.Context(), id); c.State != StateDone || c.Outcome != OutcomeFailed {
				t.Errorf("stored %s/%s, want done/failed", c.State, c.Outcome)
			}
		})
	}
}

func TestRedeliveredClick(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := promptFor(t, e, "kick "+meetingID+" carol")
	c := Click{TeamID: teamID, ChannelID: chanID, UserID: modID, ConfirmationID: id, Approve: true, EnvelopeID: "env-9"}
	if got := e.svc.Click(t.Context(), c); len(got) != 2 {
		t.Fatalf("first delivery: %s", describe(got))
	}
	if got := e.svc.Click(t.Context(), c); len(got) != 0 {
		t.Errorf("redelivery answered %s, want nothing", describe(got))
	}
	if n := e.kicks(); n != 1 {
		t.Errorf("%d kicks, want 1", n)
	}
}

func TestHumanDuration(t *testing.T) {
	t.Parallel()
	tests := map[time.Duration]string{
		10 * time.Minute: "10 minutes", time.Minute: "1 minute", time.Hour: "1 hour", 2 * time.Hour: "2 hours",
		90 * time.Second: "90 seconds", 1500 * time.Millisecond: "2 seconds",
	}
	for d, want := range tests {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
