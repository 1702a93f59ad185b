package commands

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rtkbot/rtkbot/internal/meeting"
)

// mutatingCommands change something when run by a moderator in a channel
// linked to meetingID (unlink removes that link).
var mutatingCommands = []struct {
	text    string
	effects func(se *storeEnv) int // how many times it took effect
}{
	{"mute carol", mutationsOf("Mute")},
	{"mute-all", mutationsOf("MuteAll")},
	{`poll "q" "a" "b"`, mutationsOf("CreatePoll")},
	{"kick carol", confirmationsStored},
	{"kick-all", confirmationsStored},
	{"link " + meetingID, linkAudits("link")},
	{"unlink", linkAudits("unlink")},
}

func mutationsOf(method string) func(se *storeEnv) int {
	return func(se *storeEnv) int {
		n := 0
		for _, c := range se.rt.Mutations() {
			if c.Method == method {
				n++
			}
		}
		return n
	}
}

func confirmationsStored(se *storeEnv) int {
	return se.svc.confirms.(*MemoryConfirmations).Len()
}

func linkAudits(verb string) func(se *storeEnv) int {
	return func(se *storeEnv) int {
		n := 0
		for _, e := range se.aud.Entries() {
			if e.Verb == verb && e.Outcome == OutcomeOK {
				n++
			}
		}
		return n
	}
}

func (se *storeEnv) deliver(ctx context.Context, text, envelope, trigger string) []Reply {
	return se.svc.Handle(ctx, Request{TeamID: teamID, ChannelID: chanID, UserID: modID, Text: text, EnvelopeID: envelope, TriggerID: trigger})
}

// TestDuplicateCommands: a command redelivered with the same envelope, or
// resent with the same trigger_id, takes effect once; the copy gets no
// answer and is not counted in metrics.
func TestDuplicateCommands(t *testing.T) {
	t.Parallel()
	for _, mc := range mutatingCommands {
		t.Run(mc.text, func(t *testing.T) {
			t.Parallel()
			var observed int
			se := newStoreEnv(t, func(c *Config) { c.Observe = func(string, Outcome, time.Duration) { observed++ } })
			linkedTo(meetingID, title)(se)
			ctx := t.Context()
			first := se.deliver(ctx, mc.text, "E1", "T1")
			if len(first) == 0 || first[0].Error != nil {
				t.Fatalf("first delivery: %s", describe(first))
			}
			if got := se.deliver(ctx, mc.text, "E1", "T1"); len(got) != 0 {
				t.Errorf("redelivered envelope answered %s", describe(got))
			}
			if got := se.deliver(ctx, mc.text, "E2", "T1"); len(got) != 0 {
				t.Errorf("resent trigger answered %s", describe(got))
			}
			if n := mc.effects(se); n != 1 {
				t.Errorf("took effect %d times, want 1", n)
			}
			if observed != 1 {
				t.Errorf("observed %d times, want 1", observed)
			}
			want := []string{"env:E1", "trigger:T1", "env:E1", "env:E2", "trigger:T1"}
			if diff := cmp.Diff(want, se.dels.Claims()); diff != "" {
				t.Errorf("claims mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDuplicateAcrossReplicas: two services sharing the deliveries store
// (replicas sharing a database) get the same envelope at once; it runs on
// exactly one of them.
func TestDuplicateAcrossReplicas(t *testing.T) {
	t.Parallel()
	a := newStoreEnv(t)
	shared := a.dels
	b := newStoreEnv(t, func(c *Config) { c.Realtime, c.Deliveries = a.rt, shared })
	for _, se := range []*storeEnv{a, b} {
		linkedTo(meetingID, title)(se)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		answered int
	)
	for i := range 10 {
		se := []*storeEnv{a, b}[i%2]
		wg.Go(func() {
			got := se.deliver(t.Context(), "mute carol", "E1", "T1")
			mu.Lock()
			defer mu.Unlock()
			if len(got) > 0 {
				answered++
			}
		})
	}
	wg.Wait()
	if answered != 1 {
		t.Errorf("%d answers, want 1", answered)
	}
	if n := mutationsOf("Mute")(a); n != 1 {
		t.Errorf("%d mutes, want 1", n)
	}
}

// TestReadsAreNotClaimed: what changes nothing costs no database write;
// a redelivery to the same process is still dropped, in memory.
func TestReadsAreNotClaimed(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"status", "help", "link", "audit", "mute carol --dry-run", "kick-all --dry-run", "kick carol --help", "bogus"} {
		t.Run(text, func(t *testing.T) {
			t.Parallel()
			se := newStoreEnv(t)
			linkedTo(meetingID, title)(se)
			if got := se.deliver(t.Context(), text, "E1", "T1"); len(got) == 0 {
				t.Fatal("no answer")
			}
			if got := se.deliver(t.Context(), text, "E1", "T1"); len(got) != 0 {
				t.Errorf("redelivery answered %s", describe(got))
			}
			if claims := se.dels.Claims(); len(claims) != 0 {
				t.Errorf("claims %q, want none", claims)
			}
			if m := se.rt.Mutations(); len(m) != 0 {
				t.Errorf("mutations %+v", m)
			}
		})
	}
}

// TestInMemoryTriggerDedup: without Deliveries, a resent trigger_id is
// still caught by the process.
func TestInMemoryTriggerDedup(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := Request{TeamID: teamID, ChannelID: chanID, UserID: modID, Text: "mute-all " + meetingID, EnvelopeID: "E1", TriggerID: "T1"}
	e.svc.Handle(t.Context(), r)
	r.EnvelopeID = "E2"
	if got := e.svc.Handle(t.Context(), r); len(got) != 0 {
		t.Errorf("resent trigger answered %s", describe(got))
	}
	if n := len(e.rt.Mutations()); n != 1 {
		t.Errorf("%d mutations, want 1", n)
	}
}

// TestClaimFailsClosed: when the deliveries store is down, a mutating
// command does nothing upstream or in storage, and says so.
func TestClaimFailsClosed(t *testing.T) {
	t.Parallel()
	for _, mc := range mutatingCommands {
		t.Run(mc.text, func(t *testing.T) {
			t.Parallel()
			se := newStoreEnv(t)
			linkedTo(meetingID, title)(se)
			se.dels.setErr(errDBDown)
			got := errorOf(t, se.deliver(t.Context(), mc.text, "E1", "T1"))
			want := ErrorView{Code: CodeInternal, Ref: "id1", Message: "Something went wrong on our side: internal error (ref id1). Nothing was changed."}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if n := mc.effects(se); n != 0 {
				t.Errorf("took effect %d times, want 0", n)
			}
			if calls := se.rt.Calls(); len(calls) != 0 {
				t.Errorf("RealtimeKit calls %+v, want none", calls)
			}
			if l, ok := se.links.get(); !ok || l.MeetingID != meetingID || l.LinkedBy != "UOTHERMOD" {
				t.Errorf("link changed to %+v, %t", l, ok)
			}
		})
	}
}

func (se *storeEnv) clickAs(ctx context.Context, id, envelope, trigger string) []Reply {
	return se.svc.Click(ctx, Click{TeamID: teamID, ChannelID: chanID, UserID: modID, ConfirmationID: id, Approve: true,
		EnvelopeID: envelope, TriggerID: trigger})
}

// TestDuplicateClicks: a Confirm click redelivered, resent, or clicked
// twice kicks once.
func TestDuplicateClicks(t *testing.T) {
	t.Parallel()
	se := newStoreEnv(t)
	ctx := t.Context()
	prompt := se.deliver(ctx, "kick "+meetingID+" carol", "E0", "T0")
	if len(prompt) != 1 || prompt[0].Confirm == nil {
		t.Fatalf("no prompt: %s", describe(prompt))
	}
	id := prompt[0].Confirm.ID

	first := se.clickAs(ctx, id, "E1", "T1")
	if diff := cmp.Diff([]string{"kick " + meetingID, "delete original"}, kinds(first)); diff != "" {
		t.Fatalf("first click mismatch (-want +got):\n%s", diff)
	}
	if got := se.clickAs(ctx, id, "E1", "T1"); len(got) != 0 {
		t.Errorf("redelivered click answered %s", describe(got))
	}
	if got := se.clickAs(ctx, id, "E2", "T1"); len(got) != 0 {
		t.Errorf("resent click answered %s", describe(got))
	}
	// A second, real click (new envelope, new trigger) is told it is done;
	// the confirmation's own claim keeps it from kicking again.
	again := errorOf(t, se.clickAs(ctx, id, "E3", "T3"))
	if again.Code != CodeConflict {
		t.Errorf("second click: %+v, want a conflict", again)
	}
	if n := mutationsOf("Kick")(se); n != 1 {
		t.Errorf("%d kicks, want 1", n)
	}
}

// TestClickClaimFailsClosed: with the deliveries store down a Confirm click
// kicks no one and leaves the prompt usable for when it is back.
func TestClickClaimFailsClosed(t *testing.T) {
	t.Parallel()
	se := newStoreEnv(t)
	ctx := t.Context()
	id := se.deliver(ctx, "kick-all "+meetingID, "E0", "T0")[0].Confirm.ID
	se.dels.setErr(errDBDown)
	got := errorOf(t, se.clickAs(ctx, id, "E1", "T1"))
	want := ErrorView{Code: CodeInternal, Ref: "id2", Message: "Something went wrong on our side: internal error (ref id2). Nothing was changed."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("error mismatch (-want +got):\n%s", diff)
	}
	if n := mutationsOf("KickAll")(se); n != 0 {
		t.Fatalf("%d kicks while the store was down", n)
	}
	if c, _ := se.svc.confirms.Get(ctx, id); c.State != StatePending {
		t.Errorf("confirmation %s, want still pending", c.State)
	}
	se.dels.setErr(nil)
	if got := se.clickAs(ctx, id, "E2", "T2"); len(got) != 2 || got[0].Action == nil {
		t.Errorf("click after recovery: %s", describe(got))
	}
	if n := mutationsOf("KickAll")(se); n != 1 {
		t.Errorf("%d kicks, want 1", n)
	}
}

// TestRecoveredCommands: a command taken over from a process that died
// runs as usual if that process had not claimed it, and otherwise takes no
// effect again and tells the requester it may or may not have happened.
func TestRecoveredCommands(t *testing.T) {
	t.Parallel()
	for _, mc := range mutatingCommands {
		t.Run(mc.text, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			recovered := func(se *storeEnv, envelope, trigger string) []Reply {
				return se.svc.Handle(ctx, Request{TeamID: teamID, ChannelID: chanID, UserID: modID, Text: mc.text,
					EnvelopeID: envelope, TriggerID: trigger, Recovered: true})
			}

			// Died before claiming: nothing happened, so it runs now.
			se := newStoreEnv(t)
			linkedTo(meetingID, title)(se)
			if got := recovered(se, "E1", "T1"); len(got) == 0 || got[0].Error != nil {
				t.Fatalf("unclaimed recovered command: %s", describe(got))
			}
			if n := mc.effects(se); n != 1 {
				t.Errorf("unclaimed recovered command took effect %d times, want 1", n)
			}

			// Died after claiming: it may have taken effect; not again.
			se = newStoreEnv(t)
			linkedTo(meetingID, title)(se)
			for _, k := range []string{"env:E1", "trigger:T1"} {
				if _, err := se.dels.ClaimDelivery(ctx, k, se.clock.Now()); err != nil {
					t.Fatal(err)
				}
			}
			before := mc.effects(se)
			got := errorOf(t, recovered(se, "E1", "T1"))
			verb := strings.Fields(mc.text)[0]
			want := ErrorView{Code: CodeInternal, Ref: "id1", Message: "Your /meeting " + verb +
				" was interrupted by a restart of the bot before it answered, so it may or may not have taken effect. " +
				"Check with /meeting status " + meetingID + " and run it again if needed."}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("claimed recovered command (-want +got):\n%s", diff)
			}
			if n := mc.effects(se) - before; n != 0 {
				t.Errorf("claimed recovered command took effect %d more times, want 0", n)
			}
			if calls := se.rt.Calls(); len(calls) != 0 {
				t.Errorf("RealtimeKit calls %+v, want none", calls)
			}
			var interrupted []AuditEntry
			for _, e := range se.aud.Entries() {
				if e.Detail == "interrupted by restart" {
					interrupted = append(interrupted, e)
				}
			}
			if len(interrupted) != 1 || interrupted[0].Outcome != OutcomeFailed || interrupted[0].Verb != verb ||
				interrupted[0].MeetingID != meetingID || interrupted[0].Ref != "id1" {
				t.Errorf("audit of the interruption: %+v, want one failed %s entry for %s with ref id1", interrupted, verb, meetingID)
			}

			// Died after finishing (it may even have answered): said so,
			// not run again, not audited again.
			se = newStoreEnv(t)
			linkedTo(meetingID, title)(se)
			se.svc.Handle(ctx, Request{TeamID: teamID, ChannelID: chanID, UserID: modID, Text: mc.text, EnvelopeID: "E1", TriggerID: "T1"})
			before, audited, calls := mc.effects(se), len(se.aud.Entries()), len(se.rt.Calls())
			got2 := recovered(se, "E1", "T1")
			wantNotice := "Your /meeting " + verb + " was carried out just before a restart of the bot; /meeting audit shows what it did."
			if verb == "kick" || verb == "kick-all" { // it only asked for a confirmation
				wantNotice = "Your /meeting " + verb + " asked for your confirmation just before a restart of the bot, and nothing has been done yet. " +
					"If you do not see its Confirm button, run it again."
			}
			if len(got2) != 1 || got2[0].Notice == nil || got2[0].Notice.Text != wantNotice || got2[0].Visibility != Ephemeral {
				t.Errorf("finished recovered command: %s, want the ephemeral notice %q", describe(got2), wantNotice)
			}
			if n := mc.effects(se) - before; n != 0 {
				t.Errorf("finished recovered command took effect %d more times, want 0", n)
			}
			if n := len(se.aud.Entries()) - audited; n != 0 {
				t.Errorf("finished recovered command audited %d more times, want 0", n)
			}
			if n := len(se.rt.Calls()) - calls; n != 0 {
				t.Errorf("finished recovered command made %d RealtimeKit calls, want 0", n)
			}
		})
	}
}

// TestRecoveredReadsRun: a read taken over from a dead process is simply
// answered, even if it was started there.
func TestRecoveredReadsRun(t *testing.T) {
	t.Parallel()
	se := newStoreEnv(t)
	linkedTo(meetingID, title)(se)
	ctx := t.Context()
	se.deliver(ctx, "status", "E1", "T1") // the dead process got this far
	got := se.svc.Handle(ctx, Request{TeamID: teamID, ChannelID: chanID, UserID: modID, Text: "status",
		EnvelopeID: "E1", TriggerID: "T1", Recovered: true})
	if len(got) != 1 || got[0].Status == nil {
		t.Errorf("recovered status: %s, want a status card", describe(got))
	}
}

// TestRecoveredClicks: a click taken over from a dead process kicks once
// whatever that process had done: not yet claimed, claimed the click only,
// claimed the confirmation too (then crash recovery speaks, not the click),
// or finished it (then it said so, or should have).
func TestRecoveredClicks(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	recovered := func(se *storeEnv, id string) []Reply {
		return se.svc.Click(ctx, Click{TeamID: teamID, ChannelID: chanID, UserID: modID, ConfirmationID: id, Approve: true,
			EnvelopeID: "E1", TriggerID: "T1", Recovered: true})
	}
	for _, tc := range []struct {
		name      string
		died      func(se *storeEnv, id string) // what the dead process did
		wantReply bool
		wantKicks int
	}{
		{"before claiming", func(*storeEnv, string) {}, true, 1},
		{"after claiming the click", func(se *storeEnv, id string) {
			for _, k := range []string{"env:E1", "trigger:T1"} {
				_, _ = se.dels.ClaimDelivery(ctx, k, se.clock.Now())
			}
		}, true, 1},
		{"during the kick", func(se *storeEnv, id string) {
			_, _ = se.dels.ClaimDelivery(ctx, "env:E1", se.clock.Now())
			if _, err := se.svc.confirms.Claim(ctx, id, se.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}, false, 0},
		{"after the kick, before answering", func(se *storeEnv, id string) {
			_, _ = se.dels.ClaimDelivery(ctx, "env:E1", se.clock.Now())
			if _, err := se.svc.confirms.Claim(ctx, id, se.clock.Now()); err != nil {
				t.Fatal(err)
			}
			if err := se.svc.confirms.Finish(ctx, id, OutcomeOK); err != nil {
				t.Fatal(err)
			}
		}, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			se := newStoreEnv(t)
			id := se.deliver(ctx, "kick "+meetingID+" carol", "E0", "T0")[0].Confirm.ID
			tc.died(se, id)
			got := recovered(se, id)
			if tc.wantReply && (len(got) != 2 || got[0].Action == nil) {
				t.Errorf("recovered click: %s, want the kick's result", describe(got))
			}
			if !tc.wantReply && len(got) != 0 {
				t.Errorf("recovered click: %s, want no answer", describe(got))
			}
			if n := mutationsOf("Kick")(se); n != tc.wantKicks {
				t.Errorf("%d kicks, want %d", n, tc.wantKicks)
			}
		})
	}
}

// TestTakenOverCommandsSayHowTheyEnded: a command whose process died after
// running it but before its answer was recorded as posted is taken over
// by another replica (or the restarted process), which tells the
// requester exactly how it ended, without running or auditing it again:
// carried out, refused (checked and refused again), failed (nothing
// changed), not carried out (bad input). Only a change whose fate is unknown (its call cut off by the
// shutdown deadline or the command's, or a panic) is reported as "may or
// may not have taken effect", and audited as interrupted.
func TestTakenOverCommandsSayHowTheyEnded(t *testing.T) {
	t.Parallel()
	const restart = " just before a restart of the bot"
	const mayOrMayNot = "Your /meeting mute was interrupted by a restart of the bot before it answered, so it may or may not have taken effect. " +
		"Check with /meeting status " + meetingID + " and run it again if needed."
	for _, tc := range []struct {
		name string
		user string
		text string
		mute func(ctx context.Context, id string, t meeting.Targets) ([]meeting.Affected, error)
		// cut: the command's context ends while its call to RealtimeKit
		// is in flight (the shutdown deadline); panics: the call panics.
		cut, panics bool
		want        Reply // the taker-over's answer
		wantFirst   bool  // want's message ends with the first answer's
		interrupted bool  // the taker-over audits an interruption
	}{
		{name: "carried out", user: modID, text: "mute carol",
			want: Reply{Visibility: Ephemeral, Notice: &NoticeView{
				Text: "Your /meeting mute was carried out" + restart + "; /meeting audit shows what it did."}}},
		// A refusal is not claimed in the database (a flood of them would
		// fill it): the taker-over checks the requester again and refuses
		// again, word for word, its audit held back by the refusal throttle.
		{name: "refused", user: userID, text: "mute carol",
			want: Reply{Visibility: Ephemeral, Error: &ErrorView{Code: CodeForbidden}}, wantFirst: true},
		{name: "failed", user: modID, text: "mute carol",
			mute: func(context.Context, string, meeting.Targets) ([]meeting.Affected, error) {
				return nil, fmt.Errorf("POST active-session/mute: HTTP 401: %w", meeting.ErrUnauthorized)
			},
			want: Reply{Visibility: Ephemeral, Error: &ErrorView{Code: CodeUpstream,
				Message: "Your /meeting mute failed" + restart + ": "}}, wantFirst: true},
		{name: "not carried out", user: modID, text: "mute nobody-of-that-name",
			want: Reply{Visibility: Ephemeral, Error: &ErrorView{Code: CodeNotFound,
				Message: "Your /meeting mute was not carried out" + restart + ": "}}, wantFirst: true},
		{name: "cut off by the shutdown deadline", user: modID, text: "mute carol", cut: true,
			want:        Reply{Visibility: Ephemeral, Error: &ErrorView{Code: CodeInternal, Ref: "id1", Message: mayOrMayNot}},
			interrupted: true},
		{name: "cut off by the command deadline", user: modID, text: "mute carol",
			mute: func(context.Context, string, meeting.Targets) ([]meeting.Affected, error) {
				return nil, fmt.Errorf("POST active-session/mute: %w", context.DeadlineExceeded)
			},
			want:        Reply{Visibility: Ephemeral, Error: &ErrorView{Code: CodeInternal, Ref: "id1", Message: mayOrMayNot}},
			interrupted: true},
		{name: "panicked", user: modID, text: "mute carol", panics: true,
			mute:        func(context.Context, string, meeting.Targets) ([]meeting.Affected, error) { panic("boom") },
			want:        Reply{Visibility: Ephemeral, Error: &ErrorView{Code: CodeInternal, Ref: "id1", Message: mayOrMayNot}},
			interrupted: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			se := newStoreEnv(t)
			linkedTo(meetingID, title)(se)
			if tc.mute != nil {
				se.rt.MuteFn = tc.mute
			}
			req := Request{TeamID: teamID, ChannelID: chanID, UserID: tc.user, Text: tc.text, EnvelopeID: "E1", TriggerID: "T1"}

			// The first process runs it, and dies before its answer is
			// recorded as posted.
			ctx, cut := context.WithCancel(t.Context())
			if tc.cut {
				se.rt.MuteFn = func(ctx context.Context, _ string, _ meeting.Targets) ([]meeting.Affected, error) {
					cut()
					<-ctx.Done()
					return nil, ctx.Err()
				}
			}
			var first []Reply
			func() {
				defer func() {
					if p := recover(); (p != nil) != tc.panics {
						t.Fatalf("panic %v, want one: %t", p, tc.panics)
					}
				}()
				first = se.svc.Handle(ctx, req)
			}()
			cut()
			audited, calls := len(se.aud.Entries()), len(se.rt.Calls())

			// Another replica takes it over.
			req.Recovered = true
			got := se.svc.Handle(t.Context(), req)
			want := tc.want
			if tc.wantFirst {
				if len(first) != 1 || first[0].Error == nil {
					t.Fatalf("first answer: %s, want an error", describe(first))
				}
				ev := *want.Error
				ev.Message += first[0].Error.Message
				want.Error = &ev
			}
			if diff := cmp.Diff([]Reply{want}, got); diff != "" {
				t.Errorf("the taker-over's answer (-want +got):\n%s", diff)
			}
			if n := len(se.rt.Calls()) - calls; n != 0 {
				t.Errorf("the taker-over made %d RealtimeKit calls, want none", n)
			}
			var added []AuditEntry
			added = append(added, se.aud.Entries()[audited:]...)
			switch {
			case tc.interrupted && (len(added) != 1 || added[0].Detail != "interrupted by restart" || added[0].Outcome != OutcomeFailed):
				t.Errorf("the taker-over audited %+v, want one failed entry, interrupted by restart", added)
			case !tc.interrupted && len(added) != 0:
				t.Errorf("the taker-over audited %+v, want nothing more", added)
			}
		})
	}
}

// TestTakenOverChangeIsReportedWhateverTheCheckSaysNow: replica A carried
// out a moderator's mute and died before answering; replica B, where that
// person is no longer a moderator (or a group lookup fails after the
// restart), takes it over. B reports what A did, from the durable record,
// instead of refusing a change that was made.
func TestTakenOverChangeIsReportedWhateverTheCheckSaysNow(t *testing.T) {
	t.Parallel()
	se := newStoreEnv(t)
	linkedTo(meetingID, title)(se)
	req := Request{TeamID: teamID, ChannelID: chanID, UserID: modID, Text: "mute carol", EnvelopeID: "E1", TriggerID: "T1"}
	se.svc.Handle(t.Context(), req) // carried out; the answer is lost
	calls, audited := len(se.rt.Calls()), len(se.aud.Entries())

	b, err := New(Config{Realtime: se.rt, Directory: se.dir, Auditor: se.aud, Moderators: []string{"U0SOMEONEELSE"},
		Now: se.clock.Now, Links: se.links, AuditLog: se.log, Deliveries: se.dels})
	if err != nil {
		t.Fatal(err)
	}
	req.Recovered = true
	got := b.Handle(t.Context(), req)
	want := []Reply{{Visibility: Ephemeral, Notice: &NoticeView{
		Text: "Your /meeting mute was carried out just before a restart of the bot; /meeting audit shows what it did."}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replica B's answer (-want +got):\n%s", diff)
	}
	if n := len(se.rt.Calls()) - calls; n != 0 {
		t.Errorf("replica B made %d RealtimeKit calls, want none", n)
	}
	if n := len(se.aud.Entries()) - audited; n != 0 {
		t.Errorf("replica B audited %d more entries, want none", n)
	}
}
