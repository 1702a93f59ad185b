package slackapp

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/slackapp/slackfake"
)

// memInbox is the Inbox in memory, with the store's semantics (the store's
// own tests check those against SQLite and Postgres). silenced replicas'
// heartbeats are dropped, as if their process had hung or died.
type memInbox struct {
	mu       sync.Mutex
	rows     map[string]*memRow
	beats    map[string]time.Time
	silenced map[string]bool
	writes   int
	calls    []string       // each WriteInbox call: "+ID…" added, "-ID…" marked answered
	scans    map[string]int // OrphanedInbox calls by replica
	err      error
}

type memRow struct {
	item      InboxItem
	writtenAt time.Time
	done      bool
}

func newMemInbox() *memInbox {
	return &memInbox{rows: map[string]*memRow{}, beats: map[string]time.Time{}, silenced: map[string]bool{}}
}

func (m *memInbox) WriteInbox(_ context.Context, add []InboxItem, done []string, now time.Time) ([]bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return nil, m.err
	}
	m.writes++
	var call []string
	for _, it := range add {
		call = append(call, "+"+it.ID)
	}
	for _, id := range done {
		call = append(call, "-"+id)
	}
	m.calls = append(m.calls, strings.Join(call, " "))
	fresh := make([]bool, len(add))
	for i, it := range add {
		if _, ok := m.rows[it.ID]; !ok {
			m.rows[it.ID] = &memRow{item: it, writtenAt: time.Now()}
			fresh[i] = true
		}
	}
	for _, id := range done {
		if r, ok := m.rows[id]; ok {
			r.done = true
		}
	}
	return fresh, nil
}

func (m *memInbox) Heartbeat(_ context.Context, replica string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.silenced[replica] {
		m.beats[replica] = now
	}
	return nil
}

func (m *memInbox) RetireReplica(_ context.Context, replica string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.beats, replica)
	return nil
}

func (m *memInbox) OrphanedInbox(_ context.Context, self string, aliveAfter, receivedAfter time.Time, limit int) ([]InboxItem, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.scans == nil {
		m.scans = make(map[string]int)
	}
	m.scans[self]++
	var out []InboxItem
	for _, r := range m.rows {
		seen, ok := m.beats[r.item.Owner]
		if !r.done && r.item.Owner != self && r.item.ReceivedAt.After(receivedAfter) && (!ok || !seen.After(aliveAfter)) {
			out = append(out, r.item)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ReceivedAt.Before(out[j].ReceivedAt) })
	return out[:min(limit, len(out))], nil
}

func (m *memInbox) AdoptInbox(_ context.Context, id, from, to string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rows[id]
	if !ok || r.done || r.item.Owner != from {
		return false, nil
	}
	r.item.Owner = to
	return true, nil
}

func (m *memInbox) row(id string) (memRow, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rows[id]
	if !ok {
		return memRow{}, false
	}
	return *r, true
}

func (m *memInbox) silence(replica string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.silenced[replica] = true
	m.beats[replica] = time.Now().Add(-time.Hour)
}

// TestInboxRowIsWrittenBeforeTheAck: the command is in the inbox, with its
// response_url, before Slack sees the ack, and marked answered after.
func TestInboxRowIsWrittenBeforeTheAck(t *testing.T) {
	t.Parallel()
	inbox := newMemInbox()
	core := &coreStub{handle: func(context.Context, commands.Request) []commands.Reply {
		return []commands.Reply{noticeReply(commands.Ephemeral, "done")}
	}}
	hs := startListener(t, core, slackfake.Config{}, func(c *Config) { c.Inbox = inbox })
	d := hs.fake.SlashCommand(slackfake.SlashCommand{ChannelID: "C1", UserID: "U1", Text: "status"})
	ack, err := hs.fake.WaitAck(listenWaitCtx(t), d.EnvelopeID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hs.fake.WaitResponses(listenWaitCtx(t), d.ResponseURL, 1); err != nil {
		t.Fatal(err)
	}
	r, ok := inbox.row(d.EnvelopeID)
	if !ok {
		t.Fatal("the command is not in the inbox")
	}
	if !r.writtenAt.Before(ack.AckedAt) {
		t.Errorf("inbox row written at %v, after the ack was read at %v", r.writtenAt, ack.AckedAt)
	}
	if r.item.Owner != hs.l.id || !strings.Contains(string(r.item.Payload), d.ResponseURL) {
		t.Errorf("inbox row %+v: want owner %s and the response_url", r.item, hs.l.id)
	}
	waitUntil(t, "the row is marked answered", func() bool { r, _ := inbox.row(d.EnvelopeID); return r.done })
}

// TestInboxDownStillAnswers: with the database unreachable, commands are
// still acked and answered, and the log says they lack crash protection.
func TestInboxDownStillAnswers(t *testing.T) {
	t.Parallel()
	inbox := newMemInbox()
	inbox.err = errors.New("database is down")
	core := &coreStub{handle: func(context.Context, commands.Request) []commands.Reply {
		return []commands.Reply{noticeReply(commands.Ephemeral, "done")}
	}}
	hs := startListener(t, core, slackfake.Config{}, func(c *Config) { c.Inbox = inbox })
	d := hs.fake.SlashCommand(slackfake.SlashCommand{ChannelID: "C1", UserID: "U1", Text: "status"})
	if _, err := hs.fake.WaitResponses(listenWaitCtx(t), d.ResponseURL, 1); err != nil {
		t.Fatalf("no answer with the inbox down: %v", err)
	}
	if recs := hs.logs.records(t, "cannot record a delivery before acking it; answering it without crash protection"); len(recs) != 1 {
		t.Errorf("%d warnings about the inbox, want 1", len(recs))
	}
}

func (m *memInbox) writeCalls() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.calls)
}

// TestInboxWriterDefersAnsweredMarks: marking a delivery answered does
// not cost a commit of its own. The mark rides with the next delivery's
// commit, or is committed alone after the flush interval, or when the
// writer closes; nothing is lost.
func TestInboxWriterDefersAnsweredMarks(t *testing.T) {
	t.Parallel()
	accept := func(w *inboxWriter, id string) {
		t.Helper()
		if fresh, err := w.accept(InboxItem{ID: id, Owner: "me", Payload: []byte("{}"), ReceivedAt: time.Now()}); err != nil || !fresh {
			t.Fatalf("accept(%s) = (%v, %v), want (true, nil)", id, fresh, err)
		}
	}

	inbox := newMemInbox()
	w := newInboxWriter(inbox, slog.New(slog.DiscardHandler), time.Hour)
	accept(w, "E1")
	w.answered("E1")
	accept(w, "E2") // carries E1's mark
	w.answered("E2")
	w.close() // commits E2's mark
	if diff := cmp.Diff([]string{"+E1", "+E2 -E1", "-E2"}, inbox.writeCalls()); diff != "" {
		t.Errorf("WriteInbox calls (-want +got):\n%s", diff)
	}

	inbox = newMemInbox()
	w = newInboxWriter(inbox, slog.New(slog.DiscardHandler), time.Millisecond)
	defer w.close()
	accept(w, "E3")
	w.answered("E3")
	waitUntil(t, "E3's mark is committed alone", func() bool { return len(inbox.writeCalls()) == 2 })
	if diff := cmp.Diff([]string{"+E3", "-E3"}, inbox.writeCalls()); diff != "" {
		t.Errorf("WriteInbox calls (-want +got):\n%s", diff)
	}
}
