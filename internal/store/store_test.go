package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/store"
)

func TestSQLite(t *testing.T) {
	t.Parallel()
	testStore(t, sqliteBackend)
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	scratchPostgres(t) // skip the whole suite at once when there is no server
	testStore(t, postgresBackend)
}

// testStore is the behaviour every Store implementation must have.
func testStore(t *testing.T, b backend) {
	tests := []struct {
		name string
		run  func(t *testing.T, b backend)
	}{
		{"ChannelLinks", testChannelLinks},
		{"ConfirmationRoundTrip", testConfirmationRoundTrip},
		{"ConfirmationLifecycle", testConfirmationLifecycle},
		{"ConfirmationNotFound", testConfirmationNotFound},
		{"ConfirmationSurvivesRestart", testConfirmationSurvivesRestart},
		{"ConcurrentClaims", testConcurrentClaims},
		{"ExecutingAfterCrash", testExecutingAfterCrash},
		{"PruneConfirmations", testPruneConfirmations},
		{"Audit", testAudit},
		{"AdmitRefusal", testAdmitRefusal},
		{"ClaimDelivery", testClaimDelivery},
		{"ConcurrentClaimDelivery", testConcurrentClaimDelivery},
		{"Inbox", testInbox},
		{"ConcurrentAdopt", testConcurrentAdopt},
		{"MigrationsIdempotent", testMigrationsIdempotent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, b)
		})
	}
}

func testChannelLinks(t *testing.T, b backend) {
	ctx := t.Context()
	now := t0
	s := openStore(t, b.newDatabase(t), store.WithClock(func() time.Time { return now }))

	if _, err := s.ChannelLink(ctx, "T1", "C1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ChannelLink before linking: got %v, want ErrNotFound", err)
	}
	if err := s.LinkChannel(ctx, "T1", "C1", "m-1", "Standup", "U1"); err != nil {
		t.Fatalf("LinkChannel: %v", err)
	}
	// The same channel ID in another workspace is another channel.
	if err := s.LinkChannel(ctx, "T2", "C1", "m-other", "", "U9"); err != nil {
		t.Fatalf("LinkChannel: %v", err)
	}
	first := commands.ChannelLink{MeetingID: "m-1", MeetingTitle: "Standup", LinkedBy: "U1", LinkedAt: t0}
	got, err := s.ChannelLink(ctx, "T1", "C1")
	if err != nil {
		t.Fatalf("ChannelLink: %v", err)
	}
	if diff := cmp.Diff(first, got); diff != "" {
		t.Errorf("ChannelLink (-want +got):\n%s", diff)
	}

	// Linking again replaces the link.
	now = t0.Add(time.Hour)
	if err := s.LinkChannel(ctx, "T1", "C1", "m-2", "Retro", "U2"); err != nil {
		t.Fatalf("LinkChannel again: %v", err)
	}
	second := commands.ChannelLink{MeetingID: "m-2", MeetingTitle: "Retro", LinkedBy: "U2", LinkedAt: now}
	if got, err := s.ChannelLink(ctx, "T1", "C1"); err != nil || cmp.Diff(second, got) != "" {
		t.Errorf("ChannelLink after relinking: got (%+v, %v), want %+v", got, err, second)
	}

	got, err = s.UnlinkChannel(ctx, "T1", "C1")
	if err != nil {
		t.Fatalf("UnlinkChannel: %v", err)
	}
	if diff := cmp.Diff(second, got); diff != "" {
		t.Errorf("UnlinkChannel returned (-want +got):\n%s", diff)
	}
	if _, err := s.ChannelLink(ctx, "T1", "C1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ChannelLink after unlinking: got %v, want ErrNotFound", err)
	}
	if _, err := s.UnlinkChannel(ctx, "T1", "C1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UnlinkChannel again: got %v, want ErrNotFound", err)
	}
	if got, err := s.ChannelLink(ctx, "T2", "C1"); err != nil || got.MeetingID != "m-other" {
		t.Errorf("the other workspace's link: got (%+v, %v), want meeting m-other", got, err)
	}
	if err := s.LinkChannel(ctx, "T1", "C1", "", "", "U1"); err == nil {
		t.Error("LinkChannel without a meeting ID: got no error")
	}
}

func testAudit(t *testing.T, b backend) {
	ctx := t.Context()
	s := openStore(t, b.newDatabase(t))
	entry := func(d time.Duration, meetingID, detail string) commands.AuditEntry {
		return commands.AuditEntry{
			Time: t0.Add(d), TeamID: "T1", ChannelID: "C1", UserID: "U1", Verb: "kick",
			MeetingID: meetingID, MeetingTitle: "Standup", Outcome: commands.OutcomeOK, Detail: detail,
		}
	}
	e1 := entry(0, "m-1", "first")
	e1.Targets = []string{"Bob (p-1)", "Zoë <&> (p-2)"}
	e2 := entry(time.Second, "m-1", "second")
	e2.Outcome, e2.Ref = commands.OutcomeFailed, "ref123"
	e3 := entry(2*time.Second, "m-1", "third")
	e4 := entry(2*time.Second, "m-1", "fourth, same time as the third") // recorded after it
	e5 := entry(3*time.Second, "m-1", "fifth")
	other := entry(4*time.Second, "m-2", "other meeting")
	otherTeam := entry(4*time.Second, "m-1", "other team")
	otherTeam.TeamID = "T2"
	// Refusals, newer than every action: left out unless asked for.
	var refused []commands.AuditEntry
	for i := range 3 {
		r := entry(5*time.Second+time.Duration(i)*time.Millisecond, "m-1", fmt.Sprint("refusal ", i))
		r.Outcome, r.UserID = commands.OutcomeRefused, "U0NOTMOD"
		refused = append(refused, r)
	}
	for _, e := range append([]commands.AuditEntry{e1, e2, e3, e4, other, otherTeam, e5}, refused...) {
		if err := s.RecordAudit(ctx, e); err != nil {
			t.Fatalf("RecordAudit: %v", err)
		}
	}
	tests := []struct {
		name              string
		teamID, meetingID string
		n                 int
		refusals          bool
		want              []commands.AuditEntry
	}{
		{"last 3", "T1", "m-1", 3, false, []commands.AuditEntry{e5, e4, e3}},
		{"more than there are", "T1", "m-1", 100, false, []commands.AuditEntry{e5, e4, e3, e2, e1}},
		{"last 4 with refusals", "T1", "m-1", 4, true, []commands.AuditEntry{refused[2], refused[1], refused[0], e5}},
		{"other meeting", "T1", "m-2", 10, false, []commands.AuditEntry{other}},
		{"other team", "T2", "m-1", 10, false, []commands.AuditEntry{otherTeam}},
		{"no entries", "T1", "m-none", 10, true, nil},
	}
	for _, tt := range tests {
		got, err := s.RecentAudit(ctx, tt.teamID, tt.meetingID, tt.n, tt.refusals)
		if err != nil {
			t.Fatalf("%s: RecentAudit: %v", tt.name, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: RecentAudit (-want +got):\n%s", tt.name, diff)
		}
	}
	if _, err := s.RecentAudit(ctx, "T1", "m-1", 0, false); err == nil {
		t.Error("RecentAudit with n = 0: got no error")
	}

	n, err := s.PruneAudit(ctx, t0.Add(2*time.Second))
	if err != nil || n != 2 {
		t.Errorf("PruneAudit: got (%d, %v), want (2, nil)", n, err)
	}
	got, err := s.RecentAudit(ctx, "T1", "m-1", 100, false)
	if err != nil {
		t.Fatalf("RecentAudit: %v", err)
	}
	if diff := cmp.Diff([]commands.AuditEntry{e5, e4, e3}, got); diff != "" {
		t.Errorf("RecentAudit after pruning (-want +got):\n%s", diff)
	}
}

func testAdmitRefusal(t *testing.T, b backend) {
	ctx := t.Context()
	stores := replicas(t, b, b.newDatabase(t), 2)
	steps := []struct {
		replica    int
		user, verb string
		at         time.Duration
		record     bool
		held       int
	}{
		{0, "U1", "kick", 0, true, 0},
		{1, "U1", "kick", time.Second, false, 0}, // another replica, same minute
		{0, "U1", "kick", 59 * time.Second, false, 0},
		{1, "U1", "mute", 59 * time.Second, true, 0}, // another verb
		{0, "U2", "kick", 59 * time.Second, true, 0}, // another person
		{1, "U1", "kick", time.Minute, true, 2},      // a minute after the last recorded: the two held are told
		{0, "U1", "kick", time.Minute + 1, false, 0},
		{0, "U1", "kick", time.Hour, true, 1},
	}
	for i, st := range steps {
		record, held, err := stores[st.replica].AdmitRefusal(ctx, "T1", st.user, st.verb, t0.Add(st.at), time.Minute)
		if err != nil || record != st.record || held != st.held {
			t.Errorf("step %d: AdmitRefusal(%s, %s) = (%v, %d, %v), want (%v, %d, nil)", i, st.user, st.verb, record, held, err, st.record, st.held)
		}
	}
	// One row per person and verb, however many refusals: pruning
	// those last recorded before t0+1m forgets U1's mute and U2's kick.
	if n, err := stores[0].PruneRefusals(ctx, t0.Add(time.Minute)); err != nil || n != 2 {
		t.Errorf("PruneRefusals = (%d, %v), want (2, nil)", n, err)
	}
	if record, _, err := stores[1].AdmitRefusal(ctx, "T1", "U2", "kick", t0.Add(time.Hour), time.Minute); err != nil || !record {
		t.Errorf("AdmitRefusal after pruning = (%v, %v), want (true, nil)", record, err)
	}

	// A burst on both replicas at once: exactly one is recorded.
	var wg sync.WaitGroup
	var mu sync.Mutex
	recorded := 0
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			record, _, err := stores[i%2].AdmitRefusal(ctx, "T1", "U3", "mute-all", t0.Add(2*time.Hour), time.Minute)
			if err != nil {
				t.Errorf("AdmitRefusal: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if record {
				recorded++
			}
		}()
	}
	wg.Wait()
	if recorded != 1 {
		t.Errorf("a burst of 20 refusals on two replicas recorded %d, want 1", recorded)
	}
	if _, held, err := stores[0].AdmitRefusal(ctx, "T1", "U3", "mute-all", t0.Add(3*time.Hour), time.Minute); err != nil || held != 19 {
		t.Errorf("after the burst: AdmitRefusal = (held %d, %v), want (19, nil)", held, err)
	}
}

func testClaimDelivery(t *testing.T, b backend) {
	ctx := t.Context()
	stores := replicas(t, b, b.newDatabase(t), 2)
	steps := []struct {
		replica int
		key     string
		at      time.Duration
		want    bool
	}{
		{0, "cmd:E1", 0, true},
		{0, "cmd:E1", time.Second, false},       // Slack redelivers
		{1, "cmd:E1", 2 * time.Second, false},   // to another replica
		{1, "trigger:T1", time.Hour, true},      // another delivery
		{0, "trigger:T1", time.Hour + 1, false}, // its duplicate
	}
	for i, st := range steps {
		got, err := stores[st.replica].ClaimDelivery(ctx, st.key, t0.Add(st.at))
		if err != nil || got != st.want {
			t.Errorf("step %d: ClaimDelivery(%q) = (%v, %v), want (%v, nil)", i, st.key, got, err, st.want)
		}
	}
	if _, err := stores[0].ClaimDelivery(ctx, "", t0); err == nil {
		t.Error("ClaimDelivery with an empty key: got no error")
	}

	// Finished, as seen by the other replica, with how it ended; a key
	// never claimed stays unknown rather than appearing finished, and a
	// second FinishDelivery does not rewrite the first.
	finished := func(key string) (commands.DeliveryResult, bool) {
		t.Helper()
		r, done, err := stores[1].FinishedDelivery(ctx, key)
		if err != nil {
			t.Fatalf("FinishedDelivery(%q): %v", key, err)
		}
		return r, done
	}
	if _, done := finished("cmd:E1"); done {
		t.Error("cmd:E1 finished before FinishDelivery")
	}
	refused := commands.DeliveryResult{Outcome: commands.OutcomeRefused, Code: commands.CodeForbidden,
		Message: "Only moderators can mute participants. *Ask* one of <@U0MOD>."}
	for _, k := range []string{"cmd:E1", "cmd:never-claimed"} {
		if err := stores[0].FinishDelivery(ctx, k, refused, t0.Add(time.Second)); err != nil {
			t.Errorf("FinishDelivery(%q): %v", k, err)
		}
	}
	if err := stores[0].FinishDelivery(ctx, "cmd:E1", commands.DeliveryResult{Outcome: commands.OutcomeOK}, t0.Add(2*time.Second)); err != nil {
		t.Errorf("FinishDelivery(cmd:E1) again: %v", err)
	}
	if r, done := finished("cmd:E1"); !done || r != refused {
		t.Errorf("FinishedDelivery(cmd:E1) = (%+v, %v), want (%+v, true)", r, done, refused)
	}
	if _, done := finished("trigger:T1"); done {
		t.Error("trigger:T1 finished, never having been")
	}
	if _, done := finished("cmd:never-claimed"); done {
		t.Error("cmd:never-claimed finished, never having been claimed")
	}
	if err := stores[0].FinishDelivery(ctx, "", refused, t0); err == nil {
		t.Error("FinishDelivery with an empty key: got no error")
	}

	n, err := stores[0].PruneDeliveries(ctx, t0.Add(30*time.Minute))
	if err != nil || n != 1 {
		t.Errorf("PruneDeliveries: got (%d, %v), want (1, nil)", n, err)
	}
	// A pruned key is forgotten; a kept one is not.
	if first, err := stores[1].ClaimDelivery(ctx, "cmd:E1", t0.Add(2*time.Hour)); err != nil || !first {
		t.Errorf("ClaimDelivery of a pruned key = (%v, %v), want (true, nil)", first, err)
	}
	if first, err := stores[1].ClaimDelivery(ctx, "trigger:T1", t0.Add(2*time.Hour)); err != nil || first {
		t.Errorf("ClaimDelivery of a kept key = (%v, %v), want (false, nil)", first, err)
	}
}

// testConcurrentClaimDelivery: one envelope delivered to every replica at
// once (SQLite: goroutines on one handle) is claimed exactly once.
func testConcurrentClaimDelivery(t *testing.T, b backend) {
	ctx := t.Context()
	stores := replicas(t, b, b.newDatabase(t), 4)
	const perReplica = 10
	for round := range 3 {
		key := fmt.Sprintf("cmd:envelope-%d", round)
		start := make(chan struct{})
		firsts := make([]bool, len(stores)*perReplica)
		errs := make([]error, len(firsts))
		var wg sync.WaitGroup
		for i := range firsts {
			wg.Go(func() {
				<-start
				firsts[i], errs[i] = stores[i%len(stores)].ClaimDelivery(ctx, key, t0)
			})
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: ClaimDelivery: %v", round, err)
		}
		won := 0
		for _, f := range firsts {
			if f {
				won++
			}
		}
		if won != 1 {
			t.Errorf("round %d: %d of %d concurrent claims were first, want exactly 1", round, won, len(firsts))
		}
	}
}

// testMigrationsIdempotent: opening a database again applies nothing and
// keeps the data; on a shared database, replicas starting together all
// succeed and each migration is applied once.
func testMigrationsIdempotent(t *testing.T, b backend) {
	ctx := t.Context()
	dbURL := b.newDatabase(t)
	open := func() (store.Store, []int) {
		var logs logBuffer
		s, err := store.Open(ctx, dbURL, slog.New(slog.NewJSONHandler(&logs, nil)))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s, appliedVersions(t, logs.String())
	}
	s, applied := open()
	if len(applied) == 0 {
		t.Fatal("first Open of an empty database applied no migration")
	}
	if err := s.Put(ctx, confirmation("kept")); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s, again := open()
	defer func() { _ = s.Close() }()
	if len(again) != 0 {
		t.Errorf("second Open applied migrations %v, want none", again)
	}
	if _, err := s.Get(ctx, "kept"); err != nil {
		t.Errorf("Get after reopening: %v", err)
	}
	if !b.shared {
		return
	}

	fresh := b.newDatabase(t)
	var logs logBuffer
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			s, err := store.Open(ctx, fresh, slog.New(slog.NewJSONHandler(&logs, nil)))
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent Opens of a fresh database: %v", err)
	}
	if diff := cmp.Diff(applied, appliedVersions(t, logs.String())); diff != "" {
		t.Errorf("migrations applied by 4 concurrent Opens (-want +got):\n%s", diff)
	}
}

// appliedVersions returns the versions logged as applied, in log order.
func appliedVersions(t *testing.T, logs string) []int {
	t.Helper()
	var out []int
	for line := range strings.Lines(logs) {
		var rec struct {
			Msg     string
			Version int
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec.Msg == "applied schema migration" {
			out = append(out, rec.Version)
		}
	}
	return out
}
