package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rtkbot/rtkbot/internal/store"
)

func item(id, owner string, at time.Duration) store.InboxItem {
	return store.InboxItem{ID: id, Owner: owner, Payload: []byte(`{"text":"` + id + `"}`), ReceivedAt: t0.Add(at)}
}

// testInbox walks the life of accepted deliveries: written before the ack,
// deduplicated by envelope ID, answered, and, when their replica dies,
// found and adopted by exactly one other.
func testInbox(t *testing.T, b backend) {
	ctx := t.Context()
	stores := replicas(t, b, b.newDatabase(t), 2)
	a, c := stores[0], stores[1]

	for _, r := range []string{"A", "B"} {
		if err := a.Heartbeat(ctx, r, t0); err != nil {
			t.Fatalf("Heartbeat(%s): %v", r, err)
		}
	}
	fresh, err := a.WriteInbox(ctx, []store.InboxItem{
		item("E1", "A", 0), item("E2", "A", time.Millisecond), item("E1", "A", 0), item("E3", "B", 2*time.Millisecond),
	}, nil, t0)
	if err != nil {
		t.Fatalf("WriteInbox: %v", err)
	}
	if diff := cmp.Diff([]bool{true, true, false, true}, fresh); diff != "" {
		t.Errorf("WriteInbox fresh (-want +got):\n%s", diff)
	}
	// Slack redelivers E1 to the other replica: not new there either.
	fresh, err = c.WriteInbox(ctx, []store.InboxItem{item("E1", "B", time.Second)}, []string{"E3"}, t0.Add(time.Second))
	if err != nil || len(fresh) != 1 || fresh[0] {
		t.Errorf("WriteInbox of a redelivered ID = (%v, %v), want ([false], nil)", fresh, err)
	}

	// Both replicas alive: nothing is orphaned.
	orphans := func(s store.Store, self string, now time.Time) []string {
		t.Helper()
		got, err := s.OrphanedInbox(ctx, self, now.Add(-15*time.Second), now.Add(-30*time.Minute), 100)
		if err != nil {
			t.Fatalf("OrphanedInbox: %v", err)
		}
		var ids []string
		for _, it := range got {
			ids = append(ids, it.ID+"@"+it.Owner)
		}
		return ids
	}
	if got := orphans(c, "B", t0.Add(5*time.Second)); len(got) != 0 {
		t.Errorf("orphans while A is alive: %v, want none", got)
	}
	// B beats on; A stops. After 15 s, A's unanswered rows are orphans for
	// B, oldest first; B's own answered row E3 is not.
	later := t0.Add(20 * time.Second)
	if err := c.Heartbeat(ctx, "B", later); err != nil {
		t.Fatalf("Heartbeat: %v", err)
	}
	if diff := cmp.Diff([]string{"E1@A", "E2@A"}, orphans(c, "B", later)); diff != "" {
		t.Errorf("orphans after A went quiet (-want +got):\n%s", diff)
	}
	// Nobody adopts their own rows.
	if got := orphans(a, "A", later); len(got) != 0 {
		t.Errorf("A's own rows listed as orphans for A: %v", got)
	}
	got, err := c.OrphanedInbox(ctx, "B", later.Add(-15*time.Second), later.Add(-30*time.Minute), 1)
	if err != nil || len(got) != 1 || !cmp.Equal(got[0], item("E1", "A", 0)) {
		t.Errorf("OrphanedInbox(limit 1) = (%+v, %v), want E1 as written", got, err)
	}

	if ok, err := c.AdoptInbox(ctx, "E1", "A", "B"); err != nil || !ok {
		t.Fatalf("AdoptInbox(E1) = (%v, %v), want (true, nil)", ok, err)
	}
	if ok, err := a.AdoptInbox(ctx, "E1", "A", "C"); err != nil || ok {
		t.Errorf("second AdoptInbox(E1 from A) = (%v, %v), want (false, nil)", ok, err)
	}
	// B answers E1; E2 stays A's orphan. An answered row cannot be adopted.
	if _, err := c.WriteInbox(ctx, nil, []string{"E1"}, later); err != nil {
		t.Fatalf("WriteInbox(done E1): %v", err)
	}
	if diff := cmp.Diff([]string{"E2@A"}, orphans(c, "B", later)); diff != "" {
		t.Errorf("orphans after adopting and answering E1 (-want +got):\n%s", diff)
	}
	if ok, err := c.AdoptInbox(ctx, "E1", "B", "C"); err != nil || ok {
		t.Errorf("AdoptInbox of an answered row = (%v, %v), want (false, nil)", ok, err)
	}

	// A retiring replica's rows are orphans at once, heartbeat or not.
	if _, err := c.WriteInbox(ctx, []store.InboxItem{item("E4", "C", 30*time.Second)}, nil, later); err != nil {
		t.Fatalf("WriteInbox: %v", err)
	}
	now := t0.Add(31 * time.Second)
	if err := c.Heartbeat(ctx, "C", now); err != nil {
		t.Fatalf("Heartbeat: %v", err)
	}
	if diff := cmp.Diff([]string{"E2@A"}, orphans(c, "B", now)); diff != "" {
		t.Errorf("orphans while C beats (-want +got):\n%s", diff)
	}
	if err := c.RetireReplica(ctx, "C"); err != nil {
		t.Fatalf("RetireReplica: %v", err)
	}
	if diff := cmp.Diff([]string{"E2@A", "E4@C"}, orphans(c, "B", now)); diff != "" {
		t.Errorf("orphans after C retired (-want +got):\n%s", diff)
	}
	// Rows older than the response_url's life are not worth answering.
	if diff := cmp.Diff([]string{"E4@C"}, orphans(c, "B", t0.Add(30*time.Minute+10*time.Millisecond))); diff != "" {
		t.Errorf("orphans 30 min on (-want +got):\n%s", diff)
	}

	n, err := a.PruneInbox(ctx, t0.Add(10*time.Second))
	if err != nil || n != 3 {
		t.Errorf("PruneInbox = (%d, %v), want (3, nil): E1, E2 and E3, not E4", n, err)
	}
	// A pruned ID is forgotten.
	if fresh, err := a.WriteInbox(ctx, []store.InboxItem{item("E1", "A", time.Hour)}, nil, t0.Add(time.Hour)); err != nil || !fresh[0] {
		t.Errorf("WriteInbox of a pruned ID = (%v, %v), want ([true], nil)", fresh, err)
	}

	for _, bad := range []store.InboxItem{{Owner: "A", Payload: []byte("x")}, {ID: "X", Payload: []byte("x")}, {ID: "X", Owner: "A"}} {
		if _, err := a.WriteInbox(ctx, []store.InboxItem{item("ok", "A", 0), bad}, nil, t0); err == nil {
			t.Errorf("WriteInbox(%+v): got no error", bad)
		}
	}
	if fresh, err := a.WriteInbox(ctx, []store.InboxItem{item("ok", "A", 0)}, nil, t0); err != nil || !fresh[0] {
		t.Errorf("WriteInbox after a refused batch = (%v, %v): the refused batch wrote something", fresh, err)
	}
	if err := a.Heartbeat(ctx, "", t0); err == nil {
		t.Error("Heartbeat with an empty ID: got no error")
	}
}

// testConcurrentAdopt: every replica tries to adopt every orphan at once;
// each orphan goes to exactly one.
func testConcurrentAdopt(t *testing.T, b backend) {
	ctx := t.Context()
	stores := replicas(t, b, b.newDatabase(t), 4)
	const orphans = 20
	var add []store.InboxItem
	for i := range orphans {
		add = append(add, item(fmt.Sprintf("E%d", i), "dead", time.Duration(i)))
	}
	if _, err := stores[0].WriteInbox(ctx, add, nil, t0); err != nil {
		t.Fatalf("WriteInbox: %v", err)
	}
	won := make([][]bool, len(stores)*3)
	errs := make([]error, len(won))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range won {
		wg.Go(func() {
			<-start
			won[i] = make([]bool, orphans)
			for j, it := range add {
				ok, err := stores[i%len(stores)].AdoptInbox(ctx, it.ID, "dead", fmt.Sprintf("r%d", i))
				if err != nil {
					errs[i] = err
					return
				}
				won[i][j] = ok
			}
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("AdoptInbox: %v", err)
	}
	for j := range orphans {
		n := 0
		for i := range won {
			if won[i][j] {
				n++
			}
		}
		if n != 1 {
			t.Errorf("orphan E%d adopted %d times, want exactly 1", j, n)
		}
	}
}
