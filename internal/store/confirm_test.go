package store_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/meeting"
)

// t0 is the tests' "now", to the microsecond as the stores keep it.
var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)

const ttl = 10 * time.Minute

func confirmation(id string) commands.Confirmation {
	return commands.Confirmation{
		ID:           id,
		TeamID:       "T1",
		ChannelID:    "C1",
		RequesterID:  "U1",
		Verb:         "kick",
		MeetingID:    "bbb-meeting",
		MeetingTitle: "Standup <&>",
		Targets: []meeting.Participant{
			{ID: "p-1", CustomParticipantID: "cust-1", Name: "Bob", Preset: "group_call_participant", JoinedAt: t0.Add(-time.Hour).Add(123 * time.Nanosecond)},
			{ID: "p-2", Name: "Zoë \"quoted\""},
		},
		LiveCount: 7,
		CreatedAt: t0,
		ExpiresAt: t0.Add(ttl),
		State:     commands.StatePending,
	}
}

// The confirmation the claim-and-die helper leaves executing.
var crashClaimTime = t0.Add(time.Minute)

func crashConfirmation() commands.Confirmation { return confirmation("crashed") }

func with(c commands.Confirmation, state commands.ConfirmationState, outcome commands.Outcome) commands.Confirmation {
	c.State, c.Outcome = state, outcome
	return c
}

func testConfirmationRoundTrip(t *testing.T, b backend) {
	ctx := t.Context()
	s := openStore(t, b.newDatabase(t))
	want := confirmation("c1")
	if err := s.Put(ctx, want); err != nil {
		t.Fatalf("Put: %v", err)
	}
	got, err := s.Get(ctx, "c1")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Get after Put (-want +got):\n%s", diff)
	}

	// No targets (kick-all), no state given, times with nanoseconds: the
	// state defaults to pending and times are kept to the microsecond.
	bare := commands.Confirmation{ID: "c2", Verb: "kick-all", CreatedAt: t0.Add(999 * time.Nanosecond), ExpiresAt: t0.Add(ttl + 1500*time.Nanosecond)}
	if err := s.Put(ctx, bare); err != nil {
		t.Fatalf("Put without targets: %v", err)
	}
	wantBare := bare
	wantBare.State, wantBare.CreatedAt, wantBare.ExpiresAt = commands.StatePending, t0, t0.Add(ttl+time.Microsecond)
	got, err = s.Get(ctx, "c2")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if diff := cmp.Diff(wantBare, got); diff != "" {
		t.Errorf("Get after Put without targets (-want +got):\n%s", diff)
	}

	dup := confirmation("c1")
	dup.RequesterID = "U-other"
	if err := s.Put(ctx, dup); err == nil {
		t.Error("Put of an ID already used: got no error")
	}
	if got, _ := s.Get(ctx, "c1"); got.RequesterID != want.RequesterID {
		t.Errorf("after a rejected Put, RequesterID = %q, want %q", got.RequesterID, want.RequesterID)
	}
	if err := s.Put(ctx, confirmation("")); err == nil {
		t.Error("Put with an empty ID: got no error")
	}
}

// step is one call on a ConfirmationStore in a lifecycle scenario.
type step struct {
	op      string        // "claim", "finish" or "cancel"
	at      time.Duration // claim: now = CreatedAt + at
	outcome commands.Outcome
	wantErr error
	// want is the confirmation Get returns afterwards.
	wantState   commands.ConfirmationState
	wantOutcome commands.Outcome
}

// stepResult is what a step did, comparable between stores.
type stepResult struct {
	Err      string
	Returned *commands.Confirmation // from a successful Claim or Cancel
	After    commands.Confirmation
}

func runStep(ctx context.Context, s commands.ConfirmationStore, id string, st step) stepResult {
	var res stepResult
	var err error
	switch st.op {
	case "claim":
		var c commands.Confirmation
		if c, err = s.Claim(ctx, id, t0.Add(st.at)); err == nil {
			res.Returned = &c
		}
	case "finish":
		err = s.Finish(ctx, id, st.outcome)
	case "cancel":
		var c commands.Confirmation
		if c, err = s.Cancel(ctx, id); err == nil {
			res.Returned = &c
		}
	default:
		panic("unknown op " + st.op)
	}
	res.Err = errorKind(err)
	res.After, _ = s.Get(ctx, id)
	return res
}

// errorKind names the sentinel err matches, so results compare across
// stores whose messages differ.
func errorKind(err error) string {
	for _, sentinel := range []error{commands.ErrConfirmationNotFound, commands.ErrAlreadyHandled, commands.ErrConfirmationExpired} {
		if errors.Is(err, sentinel) {
			return sentinel.Error()
		}
	}
	if err != nil {
		return "unexpected: " + err.Error()
	}
	return ""
}

// testConfirmationLifecycle runs each scenario against the store and
// against commands.MemoryConfirmations, the reference behaviour: both must
// give the wanted results, hence the same ones.
func testConfirmationLifecycle(t *testing.T, b backend) {
	claim := func(at time.Duration, wantErr error, state commands.ConfirmationState) step {
		return step{op: "claim", at: at, wantErr: wantErr, wantState: state}
	}
	var (
		pending   = commands.StatePending
		executing = commands.StateExecuting
		done      = commands.StateDone
		cancelled = commands.StateCancelled
	)
	tests := []struct {
		name  string
		steps []step
	}{
		{"claim then finish", []step{
			claim(time.Minute, nil, executing),
			{op: "finish", outcome: commands.OutcomeOK, wantState: done, wantOutcome: commands.OutcomeOK},
		}},
		{"double click", []step{
			claim(time.Minute, nil, executing),
			claim(time.Minute, commands.ErrAlreadyHandled, executing),
		}},
		{"claim a microsecond before expiry", []step{claim(ttl-time.Microsecond, nil, executing)}},
		{"claim at expiry", []step{claim(ttl, commands.ErrConfirmationExpired, pending)}},
		{"claim after expiry, then cancel", []step{
			claim(ttl+time.Second, commands.ErrConfirmationExpired, pending),
			{op: "cancel", wantState: cancelled, wantOutcome: commands.OutcomeCancelled},
		}},
		{"cancel, then claim and cancel again", []step{
			{op: "cancel", wantState: cancelled, wantOutcome: commands.OutcomeCancelled},
			{op: "claim", at: time.Minute, wantErr: commands.ErrAlreadyHandled, wantState: cancelled, wantOutcome: commands.OutcomeCancelled},
			{op: "cancel", wantErr: commands.ErrAlreadyHandled, wantState: cancelled, wantOutcome: commands.OutcomeCancelled},
		}},
		{"cancel while executing", []step{
			claim(time.Minute, nil, executing),
			{op: "cancel", wantErr: commands.ErrAlreadyHandled, wantState: executing},
		}},
		{"finish before claim", []step{{op: "finish", outcome: commands.OutcomeOK, wantErr: commands.ErrAlreadyHandled, wantState: pending}}},
		{"finish twice", []step{
			claim(time.Minute, nil, executing),
			{op: "finish", outcome: commands.OutcomeFailed, wantState: done, wantOutcome: commands.OutcomeFailed},
			{op: "finish", outcome: commands.OutcomeOK, wantErr: commands.ErrAlreadyHandled, wantState: done, wantOutcome: commands.OutcomeFailed},
		}},
	}
	s := openStore(t, b.newDatabase(t))
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			id := fmt.Sprintf("lifecycle-%d", i)
			mem := commands.NewMemoryConfirmations()
			for _, cs := range []commands.ConfirmationStore{mem, s} {
				if err := cs.Put(ctx, confirmation(id)); err != nil {
					t.Fatalf("Put: %v", err)
				}
			}
			var claimedAt time.Time // kept through Finish, never set by Cancel
			for j, st := range tt.steps {
				if st.op == "claim" && st.wantErr == nil {
					claimedAt = t0.Add(st.at)
				}
				after := with(confirmation(id), st.wantState, st.wantOutcome)
				after.ClaimedAt = claimedAt
				want := stepResult{Err: errorKind(st.wantErr), After: after}
				if st.wantErr == nil && st.op != "finish" {
					want.Returned = &want.After
				}
				ref := runStep(ctx, mem, id, st)
				if diff := cmp.Diff(want, ref); diff != "" {
					t.Fatalf("step %d (%s), MemoryConfirmations (-want +got):\n%s", j, st.op, diff)
				}
				got := runStep(ctx, s, id, st)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("step %d (%s) (-want +got):\n%s", j, st.op, diff)
				}
			}
		})
	}
}

func testConfirmationNotFound(t *testing.T, b backend) {
	ctx := t.Context()
	s := openStore(t, b.newDatabase(t))
	if _, err := s.Get(ctx, "nope"); !errors.Is(err, commands.ErrConfirmationNotFound) {
		t.Errorf("Get: got %v, want ErrConfirmationNotFound", err)
	}
	if _, err := s.Claim(ctx, "nope", t0); !errors.Is(err, commands.ErrConfirmationNotFound) {
		t.Errorf("Claim: got %v, want ErrConfirmationNotFound", err)
	}
	if err := s.Finish(ctx, "nope", commands.OutcomeOK); !errors.Is(err, commands.ErrConfirmationNotFound) {
		t.Errorf("Finish: got %v, want ErrConfirmationNotFound", err)
	}
	if _, err := s.Cancel(ctx, "nope"); !errors.Is(err, commands.ErrConfirmationNotFound) {
		t.Errorf("Cancel: got %v, want ErrConfirmationNotFound", err)
	}
}

// testConfirmationSurvivesRestart: a prompt shown before a restart can be
// confirmed after it.
func testConfirmationSurvivesRestart(t *testing.T, b backend) {
	ctx := t.Context()
	dbURL := b.newDatabase(t)
	before := openStore(t, dbURL)
	if err := before.Put(ctx, confirmation("c1")); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if err := before.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	after := openStore(t, dbURL)
	got, err := after.Claim(ctx, "c1", t0.Add(time.Minute))
	if err != nil {
		t.Fatalf("Claim after restart: %v", err)
	}
	want := with(confirmation("c1"), commands.StateExecuting, "")
	want.ClaimedAt = t0.Add(time.Minute)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Claim after restart (-want +got):\n%s", diff)
	}
}

// testConcurrentClaims: 50 clicks at once on one prompt, spread over 5
// replicas (SQLite: goroutines on one handle), execute it once.
func testConcurrentClaims(t *testing.T, b backend) {
	ctx := t.Context()
	stores := replicas(t, b, b.newDatabase(t), 5)
	const clicks = 50
	for round := range 3 {
		id := fmt.Sprintf("race-%d", round)
		if err := stores[0].Put(ctx, confirmation(id)); err != nil {
			t.Fatalf("Put: %v", err)
		}
		start := make(chan struct{})
		errs := make([]error, clicks)
		var wg sync.WaitGroup
		for i := range clicks {
			wg.Go(func() {
				<-start
				_, errs[i] = stores[i%len(stores)].Claim(ctx, id, t0.Add(time.Minute))
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, commands.ErrAlreadyHandled):
				t.Errorf("round %d, click %d: %v, want nil or ErrAlreadyHandled", round, i, err)
			}
		}
		if won != 1 {
			t.Errorf("round %d: %d of %d concurrent claims succeeded, want exactly 1", round, won, clicks)
		}
	}
}

// testExecutingAfterCrash: a process killed (SIGKILL) between claiming a
// confirmation and finishing it leaves it executing; a restarted replica
// finds it, and exactly one replica gets to report it.
func testExecutingAfterCrash(t *testing.T, b backend) {
	ctx := t.Context()
	dbURL := b.newDatabase(t)
	out, err := runHelperProcess(t, helperClaimAndDie, dbURL)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Exited() {
		t.Fatalf("helper: got %v (output %q), want it killed by a signal", err, out)
	}

	stores := replicas(t, b, dbURL, 2)
	s := stores[0]
	if err := s.Put(ctx, confirmation("later")); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if _, err := s.Claim(ctx, "later", crashClaimTime.Add(time.Minute)); err != nil {
		t.Fatalf("Claim: %v", err)
	}
	if err := s.Put(ctx, confirmation("pending")); err != nil {
		t.Fatalf("Put: %v", err)
	}
	crashed := with(crashConfirmation(), commands.StateExecuting, "")
	crashed.ClaimedAt = crashClaimTime
	later := with(confirmation("later"), commands.StateExecuting, "")
	later.ClaimedAt = crashClaimTime.Add(time.Minute)
	for _, tt := range []struct {
		name          string
		claimedBefore time.Time
		want          []commands.Confirmation
	}{
		{"before any claim", crashClaimTime, nil},
		{"after the crashed claim", crashClaimTime.Add(time.Second), []commands.Confirmation{crashed}},
		{"after both claims", crashClaimTime.Add(time.Hour), []commands.Confirmation{crashed, later}},
	} {
		got, err := s.ExecutingConfirmations(ctx, tt.claimedBefore)
		if err != nil {
			t.Fatalf("%s: ExecutingConfirmations: %v", tt.name, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: ExecutingConfirmations (-want +got):\n%s", tt.name, diff)
		}
	}

	// Both replicas try to resolve it: one wins and tells the user.
	errs := []error{
		stores[0].Finish(ctx, crashed.ID, commands.OutcomeFailed),
		stores[1].Finish(ctx, crashed.ID, commands.OutcomeFailed),
	}
	if errs[0] != nil || !errors.Is(errs[1], commands.ErrAlreadyHandled) {
		t.Errorf("Finish from two replicas: got %v, want [nil, ErrAlreadyHandled]", errs)
	}
	got, err := s.ExecutingConfirmations(ctx, crashClaimTime.Add(time.Hour))
	if err != nil {
		t.Fatalf("ExecutingConfirmations: %v", err)
	}
	if diff := cmp.Diff([]commands.Confirmation{later}, got); diff != "" {
		t.Errorf("ExecutingConfirmations after resolving the crashed one (-want +got):\n%s", diff)
	}
}

func testPruneConfirmations(t *testing.T, b backend) {
	ctx := t.Context()
	s := openStore(t, b.newDatabase(t))
	// Expiring at t0+ttl: old-pending, old-done, old-executing;
	// an hour later: fresh.
	for _, id := range []string{"old-pending", "old-done", "old-executing", "fresh"} {
		c := confirmation(id)
		if id == "fresh" {
			c.ExpiresAt = c.ExpiresAt.Add(time.Hour)
		}
		if err := s.Put(ctx, c); err != nil {
			t.Fatalf("Put: %v", err)
		}
	}
	for _, id := range []string{"old-done", "old-executing"} {
		if _, err := s.Claim(ctx, id, t0); err != nil {
			t.Fatalf("Claim: %v", err)
		}
	}
	if err := s.Finish(ctx, "old-done", commands.OutcomeOK); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	n, err := s.PruneConfirmations(ctx, t0.Add(ttl+time.Minute))
	if err != nil || n != 2 {
		t.Errorf("PruneConfirmations: got (%d, %v), want (2, nil)", n, err)
	}
	var kept []string
	for _, id := range []string{"old-pending", "old-done", "old-executing", "fresh"} {
		_, err := s.Get(ctx, id)
		switch {
		case err == nil:
			kept = append(kept, id)
		case !errors.Is(err, commands.ErrConfirmationNotFound):
			t.Errorf("Get %s: %v", id, err)
		}
	}
	if diff := cmp.Diff([]string{"old-executing", "fresh"}, kept); diff != "" {
		t.Errorf("kept after pruning (-want +got):\n%s", diff)
	}
}
