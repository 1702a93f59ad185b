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

// TestRefusalsAreThrottled checks that a person refused the same verb again
// within a minute is told so every time, but only the first refusal is
// recorded; the rest are counted, and the next one recorded says how many.
func TestRefusalsAreThrottled(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	held := map[string]int{}
	e := newEnv(t, func(c *Config) {
		c.RefusalHeld = func(verb string) {
			mu.Lock()
			defer mu.Unlock()
			held[verb]++
		}
	})
	mute, kick := "mute "+meetingID+" bob", "kick "+meetingID+" bob"
	steps := []struct {
		advance time.Duration
		user    string
		text    string
	}{
		{0, userID, mute},                    // recorded
		{30 * time.Second, userID, mute},     // held
		{29 * time.Second, userID, mute},     // held: 59 s after the first
		{0, userID, kick},                    // another verb: recorded
		{0, "UUSER2", mute},                  // another person: recorded
		{time.Second, userID, mute},          // a minute after the first: recorded, with the two held
		{time.Second, userID, mute},          // held
		{2 * time.Minute, userID, mute},      // recorded, with one held
		{0, userID, "mute-all " + meetingID}, // another verb: recorded
	}
	for i, st := range steps {
		e.clock.Advance(st.advance)
		if got := errorOf(t, e.run(t.Context(), st.user, st.text)); got.Code != CodeForbidden {
			t.Errorf("step %d: %q answered %+v, want a refusal", i, st.text, got)
		}
	}
	var got []string
	for _, a := range e.aud.Entries() {
		if a.Outcome != OutcomeRefused {
			t.Errorf("audit entry %+v is not a refusal", a)
		}
		line := fmt.Sprintf("%s %s %s", a.Time.Sub(t0.Add(30*time.Minute)), a.UserID, a.Verb)
		if i := strings.Index(a.Detail, " (Refused"); i >= 0 {
			line += a.Detail[i:]
		}
		got = append(got, line)
	}
	want := []string{
		"0s UUSER1 mute",
		"59s UUSER1 kick",
		"59s UUSER2 mute",
		"1m0s UUSER1 mute (Refused 2 more time(s) since the previous refusal recorded, not recorded one by one.)",
		"3m1s UUSER1 mute (Refused 1 more time(s) since the previous refusal recorded, not recorded one by one.)",
		"3m1s UUSER1 mute-all",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("refusals recorded (-want +got):\n%s", diff)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(map[string]int{"mute": 3}, held); diff != "" {
		t.Errorf("refusals counted as held (-want +got):\n%s", diff)
	}
}

// TestRefusalFloodClaimsNoDeliveries checks that refused commands, which
// anyone can send, write no delivery claims to the database (they change
// nothing), while a redelivered copy is still answered once.
func TestRefusalFloodClaimsNoDeliveries(t *testing.T) {
	t.Parallel()
	se := newStoreEnv(t)
	req := func(user string, i int) Request {
		return Request{TeamID: teamID, ChannelID: chanID, UserID: user, Text: "mute " + meetingID + " bob",
			EnvelopeID: fmt.Sprint("env-", user, i), TriggerID: fmt.Sprint("trig-", user, i)}
	}
	for i := range 100 {
		if got := errorOf(t, se.svc.Handle(t.Context(), req(userID, i))); got.Code != CodeForbidden {
			t.Fatalf("refusal %d answered %+v", i, got)
		}
	}
	if claims := se.dels.Claims(); len(claims) != 0 {
		t.Errorf("100 refused commands claimed %d deliveries in the database, want none: %v", len(claims), claims[:min(4, len(claims))])
	}
	if got := se.svc.Handle(t.Context(), req(userID, 7)); got != nil {
		t.Errorf("a redelivered refused command was answered again: %s", describe(got))
	}
	if len(se.aud.Entries()) != 1 {
		t.Errorf("%d refusals recorded, want 1", len(se.aud.Entries()))
	}
	// A moderator's command is still claimed durably.
	se.svc.Handle(t.Context(), req(modID, 0))
	if diff := cmp.Diff([]string{"env:env-" + modID + "0", "trigger:trig-" + modID + "0"}, se.dels.Claims()); diff != "" {
		t.Errorf("a moderator's mute claimed (-want +got):\n%s", diff)
	}
}

// TestAuditCapsText checks that what an audit entry keeps is capped,
// whoever typed it: a refusal's typed targets and an action's meeting
// title and targets.
func TestAuditCapsText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Within the 4,000-character command cap, far beyond the audit's.
	huge := strings.Repeat("é", 1800) // 3.6 KB
	e.run(t.Context(), userID, "mute "+meetingID+" "+huge)
	e.clock.Advance(time.Minute)
	many := make([]string, 12)
	for i := range many {
		many[i] = fmt.Sprintf("%03d%s", i, strings.Repeat("x", 297))
	}
	e.run(t.Context(), userID, "mute "+meetingID+" "+strings.Join(many, " "))

	entries := e.aud.Entries()
	if len(entries) != 2 {
		t.Fatalf("%d audit entries, want 2", len(entries))
	}
	one := entries[0].Targets
	if len(one) != 1 || len(one[0]) > maxAuditField || !strings.HasSuffix(one[0], "é…") {
		t.Errorf("a 3.6 KB target was stored as %d target(s), the first %d bytes ending %q; want one of at most %d bytes ending with é…",
			len(one), len(one[0]), one[0][max(0, len(one[0])-8):], maxAuditField)
	}
	hundred := entries[1].Targets
	size := 0
	for _, s := range hundred {
		size += len(s)
	}
	if size > maxAuditTargets+50 || len(hundred) < 2 || hundred[len(hundred)-1] != fmt.Sprintf("… and %d more", len(many)-len(hundred)+1) ||
		!strings.HasPrefix(hundred[0], "000xxx") || !strings.HasSuffix(hundred[0], "x…") {
		t.Errorf("12 targets of 300 bytes were stored as %d targets, %d bytes: first %q, last %q", len(hundred), size, hundred[0], hundred[len(hundred)-1])
	}

	// An action: its title (RealtimeKit's) and targets are capped too.
	long := newEnv(t)
	session := liveSession()
	session.MeetingTitle = strings.Repeat("T", 30000)
	long.rt.ActiveSessionFn = func(_ context.Context, _ string) (meeting.Session, error) { return session, nil }
	long.run(t.Context(), modID, "mute-all "+meetingID)
	acts := long.aud.Entries()
	if len(acts) != 1 || acts[0].Outcome != OutcomeOK || len(acts[0].MeetingTitle) > maxAuditField || !strings.HasSuffix(acts[0].MeetingTitle, "T…") {
		t.Errorf("mute-all in a meeting with a 30 KB title recorded %+v", acts)
	}
}
