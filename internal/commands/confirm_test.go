package commands

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rtkbot/rtkbot/internal/meeting"
)

func newConfirmation(id string, created time.Time) Confirmation {
	return Confirmation{
		ID: id, TeamID: teamID, ChannelID: chanID, RequesterID: modID, Verb: "kick", MeetingID: meetingID, MeetingTitle: title,
		Targets: []meeting.Participant{participant(pCarol)}, LiveCount: 6,
		CreatedAt: created, ExpiresAt: created.Add(10 * time.Minute), State: StatePending,
	}
}

func TestMemoryConfirmationsLifecycle(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	m := NewMemoryConfirmations()
	c := newConfirmation("c1", t0)
	if err := m.Put(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := m.Put(ctx, c); err == nil {
		t.Error("Put accepted a duplicate ID")
	}
	got, err := m.Get(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("Get mismatch (-want +got):\n%s", diff)
	}
	got.Targets[0].Name = "changed" // callers' copies are theirs
	if again, _ := m.Get(ctx, "c1"); again.Targets[0].Name != "Carol Jones" {
		t.Error("Get shares its Targets with the caller")
	}

	if _, err := m.Claim(ctx, "c1", t0.Add(10*time.Minute)); !errors.Is(err, ErrConfirmationExpired) {
		t.Errorf("Claim at expiry: %v, want ErrConfirmationExpired", err)
	}
	claimed, err := m.Claim(ctx, "c1", t0.Add(time.Minute))
	if err != nil || claimed.State != StateExecuting {
		t.Fatalf("Claim = %+v, %v", claimed, err)
	}
	if _, err := m.Claim(ctx, "c1", t0.Add(time.Minute)); !errors.Is(err, ErrAlreadyHandled) {
		t.Errorf("second Claim: %v, want ErrAlreadyHandled", err)
	}
	if _, err := m.Cancel(ctx, "c1"); !errors.Is(err, ErrAlreadyHandled) {
		t.Errorf("Cancel while executing: %v, want ErrAlreadyHandled", err)
	}
	if err := m.Finish(ctx, "c1", OutcomeOK); err != nil {
		t.Fatal(err)
	}
	if err := m.Finish(ctx, "c1", OutcomeOK); !errors.Is(err, ErrAlreadyHandled) {
		t.Errorf("second Finish: %v, want ErrAlreadyHandled", err)
	}
	if done, _ := m.Get(ctx, "c1"); done.State != StateDone || done.Outcome != OutcomeOK {
		t.Errorf("after Finish: %s/%s", done.State, done.Outcome)
	}

	for _, op := range []func() error{
		func() error { _, err := m.Get(ctx, "nope"); return err },
		func() error { _, err := m.Claim(ctx, "nope", t0); return err },
		func() error { _, err := m.Cancel(ctx, "nope"); return err },
		func() error { return m.Finish(ctx, "nope", OutcomeOK) },
	} {
		if err := op(); !errors.Is(err, ErrConfirmationNotFound) {
			t.Errorf("unknown ID: %v, want ErrConfirmationNotFound", err)
		}
	}
}

func TestMemoryConfirmationsCancel(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	m := NewMemoryConfirmations()
	if err := m.Put(ctx, newConfirmation("c1", t0)); err != nil {
		t.Fatal(err)
	}
	c, err := m.Cancel(ctx, "c1")
	if err != nil || c.State != StateCancelled || c.Outcome != OutcomeCancelled {
		t.Fatalf("Cancel = %+v, %v", c, err)
	}
	if _, err := m.Claim(ctx, "c1", t0); !errors.Is(err, ErrAlreadyHandled) {
		t.Errorf("Claim after Cancel: %v, want ErrAlreadyHandled", err)
	}
}

func TestMemoryConfirmationsPrune(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	m := NewMemoryConfirmations()
	for _, c := range []Confirmation{newConfirmation("old", t0), newConfirmation("recent", t0.Add(time.Hour))} {
		if err := m.Put(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	// "old" expired at t0+10m; it is kept for an hour after that, for late
	// clicks to be told it expired.
	if err := m.Put(ctx, newConfirmation("new", t0.Add(70*time.Minute+time.Second))); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Get(ctx, "old"); !errors.Is(err, ErrConfirmationNotFound) {
		t.Errorf("old confirmation not pruned: %v", err)
	}
	if _, err := m.Get(ctx, "recent"); err != nil {
		t.Errorf("recent confirmation pruned: %v", err)
	}
	if n := m.Len(); n != 2 {
		t.Errorf("Len = %d, want 2", n)
	}
}

func TestMemoryConfirmationsClaimOnce(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	m := NewMemoryConfirmations()
	if err := m.Put(ctx, newConfirmation("c1", t0)); err != nil {
		t.Fatal(err)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for range 100 {
		wg.Go(func() {
			if _, err := m.Claim(ctx, "c1", t0); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if !errors.Is(err, ErrAlreadyHandled) {
				t.Errorf("Claim: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d claims won, want 1", wins)
	}
}
