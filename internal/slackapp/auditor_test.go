package slackapp

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rtkbot/rtkbot/internal/commands"
)

const auditChannel = "C0AUDIT"

func auditEntry(verb string, outcome commands.Outcome, targets ...string) commands.AuditEntry {
	return commands.AuditEntry{
		Time:         time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC),
		TeamID:       "T0FAKE",
		ChannelID:    "C0STANDUP",
		UserID:       "U0ADA",
		Verb:         verb,
		MeetingID:    "bbb4c1de-0000-4000-8000-000000000001",
		MeetingTitle: "Standup <!channel>",
		Targets:      targets,
		Outcome:      outcome,
		Detail:       "kicked " + fmt.Sprint(len(targets)),
	}
}

// auditPost is an audit message as the channel shows it.
type auditPost struct {
	Method, Channel, Text, Blocks string
}

func wantAuditPost(t *testing.T, e commands.AuditEntry) auditPost {
	t.Helper()
	text, blocks := RenderAudit(e)
	raw, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	return auditPost{Method: "chat.postMessage", Channel: auditChannel, Text: text, Blocks: compactRaw(t, raw)}
}

func TestAuditorPostsEveryEntryInOrder(t *testing.T) {
	t.Parallel()
	fake, api := newFakeAPI(t)
	a := NewAuditor(api, auditChannel, nil)
	entries := []commands.AuditEntry{
		auditEntry("kick", commands.OutcomeOK, "Bob (p-1)", "Carol (p-2)"),
		auditEntry("mute-all", commands.OutcomeRefused),
	}

	for _, e := range entries {
		a.Record(t.Context(), e)
	}
	a.Close()

	var got, want []auditPost
	for _, p := range fake.Posted() {
		got = append(got, auditPost{Method: p.Method, Channel: p.Channel, Text: p.Text, Blocks: compactRaw(t, p.Blocks)})
	}
	for _, e := range entries {
		want = append(want, wantAuditPost(t, e))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit channel (-want +got):\n%s", diff)
	}
}

func TestAuditorWaitsOutARateLimit(t *testing.T) {
	t.Parallel()
	fake, api := newFakeAPI(t)
	fake.InjectRateLimit("chat.postMessage", time.Second, 1)
	a := NewAuditor(api, auditChannel, nil)
	e := auditEntry("kick-all", commands.OutcomeOK)

	a.Record(t.Context(), e)
	a.Close()

	posted := fake.Posted()
	if len(posted) != 1 {
		t.Fatalf("posted %d messages, want 1", len(posted))
	}
	if got, want := posted[0].Text, wantAuditPost(t, e).Text; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
	if got := fake.Calls("chat.postMessage"); got != 2 {
		t.Errorf("chat.postMessage calls = %d, want 2", got)
	}
}

func TestAuditorDropsRatherThanBlocks(t *testing.T) {
	t.Parallel()
	fake, api := newFakeAPI(t)
	// The first post waits out a one-second rate limit, holding the
	// worker while the queue fills.
	fake.InjectRateLimit("chat.postMessage", time.Second, 1)
	logs := &syncLog{}
	a := NewAuditor(api, auditChannel, slog.New(slog.NewJSONHandler(logs, nil)))
	a.Record(t.Context(), auditEntry("kick", commands.OutcomeOK, "first"))
	waitUntil(t, "the worker is on its first post", func() bool { return fake.Calls("chat.postMessage") == 1 })

	const extra = 20
	for i := range auditQueue + extra {
		a.Record(t.Context(), auditEntry("mute", commands.OutcomeOK, fmt.Sprint(i)))
	}
	a.Close()
	a.Record(t.Context(), auditEntry("kick", commands.OutcomeOK, "after close"))

	if got, want := len(fake.Posted()), 1+auditQueue; got != want {
		t.Errorf("posted %d, want %d (the first and a full queue)", got, want)
	}
	if got := len(logs.records(t, "audit queue full; entry dropped")); got != extra {
		t.Errorf("drop warnings = %d, want %d", got, extra)
	}
	if got := len(logs.records(t, "audit entry after shutdown; not posted")); got != 1 {
		t.Errorf("after-close warnings = %d, want 1", got)
	}
}
