package slackapp

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/metrics"
	"github.com/rtkbot/rtkbot/internal/secret"
	"github.com/rtkbot/rtkbot/internal/slackapp/slackfake"
)

// waitGuard bounds every wait in these tests. It is a failure guard only:
// nothing waits for it to pass.
const waitGuard = 15 * time.Second

// coreStub is the command core, played by function fields. It counts
// calls so tests can check that nothing reached the core.
type coreStub struct {
	handle func(context.Context, commands.Request) []commands.Reply
	click  func(context.Context, commands.Click) []commands.Reply
	calls  atomic.Int64
}

func (h *coreStub) Handle(ctx context.Context, r commands.Request) []commands.Reply {
	h.calls.Add(1)
	if h.handle == nil {
		return nil
	}
	return h.handle(ctx, r)
}

func (h *coreStub) Click(ctx context.Context, c commands.Click) []commands.Reply {
	h.calls.Add(1)
	if h.click == nil {
		return nil
	}
	return h.click(ctx, c)
}

// listenerHarness is a Listener running against a fake Slack.
type listenerHarness struct {
	fake    *slackfake.Server
	l       *Listener
	metrics *metrics.Metrics
	logs    *syncLog
	cancel  context.CancelFunc
	done    chan error
	stopped atomic.Bool
}

// startListener runs a Listener for h against a fresh fake Slack; adjust, if set,
// changes the listener's config before it is built.
func startListener(t testing.TB, h Handler, fakeCfg slackfake.Config, adjust func(*Config)) *listenerHarness {
	t.Helper()
	fake := slackfake.NewTestServer(t, fakeCfg)
	logs := &syncLog{}
	m := metrics.New()
	cfg := Config{
		AppToken:        secret.String(fake.AppToken()),
		BotToken:        secret.String(fake.BotToken()),
		APIURL:          fake.APIURL(),
		Handler:         h,
		ShutdownTimeout: waitGuard,
		Metrics:         m,
		Logger:          slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if adjust != nil {
		adjust(&cfg)
	}
	l, err := NewListener(cfg)
	if err != nil {
		t.Fatalf("NewListener: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	hs := &listenerHarness{fake: fake, l: l, metrics: m, logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { hs.done <- l.Run(ctx) }()
	t.Cleanup(func() {
		if !hs.stopped.Load() {
			hs.stop(t)
		}
	})
	return hs
}

// stop cancels Run's context and returns what Run returned.
func (hs *listenerHarness) stop(t testing.TB) error {
	t.Helper()
	hs.stopped.Store(true)
	hs.cancel()
	select {
	case err := <-hs.done:
		return err
	case <-time.After(2 * waitGuard):
		t.Fatal("Run did not return after its context was cancelled")
		return nil
	}
}

// listenWaitCtx is a context for one wait, failing the test at waitGuard.
func listenWaitCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), waitGuard)
	t.Cleanup(cancel)
	return ctx
}

// waitUntil polls cond, for state the fake cannot signal (the listener's
// own flags and metrics).
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitGuard)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// metricValue reads a counter or gauge without labels from m.
func metricValue(t testing.TB, m *metrics.Metrics, name string) float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatalf("gather metrics: %v", err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, mt := range f.GetMetric() {
			switch {
			case mt.GetCounter() != nil:
				return mt.GetCounter().GetValue()
			case mt.GetGauge() != nil:
				return mt.GetGauge().GetValue()
			}
		}
	}
	return 0
}

// ackCount reads how many acks of an envelope type the histogram saw.
func ackCount(t testing.TB, m *metrics.Metrics, typ string) uint64 {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatalf("gather metrics: %v", err)
	}
	for _, f := range families {
		if f.GetName() != "rtkbot_ack_latency_seconds" {
			continue
		}
		for _, mt := range f.GetMetric() {
			for _, lp := range mt.GetLabel() {
				if lp.GetName() == "type" && lp.GetValue() == typ {
					return mt.GetHistogram().GetSampleCount()
				}
			}
		}
	}
	return 0
}

// userView is a message as the user sees it.
type userView struct {
	ResponseType    string
	ReplaceOriginal bool
	DeleteOriginal  bool
	Text            string
	Blocks          string // compact JSON
	ViaAck          bool
}

func viewOfResponse(t testing.TB, r slackfake.Response) userView {
	t.Helper()
	return userView{
		ResponseType:    r.ResponseType,
		ReplaceOriginal: r.ReplaceOriginal,
		DeleteOriginal:  r.DeleteOriginal,
		Text:            r.Text,
		Blocks:          compactRaw(t, r.Blocks),
		ViaAck:          r.ViaAck,
	}
}

// viewOfMsg is what a reply should look like once posted.
func viewOfMsg(t testing.TB, m slack.Msg) userView {
	t.Helper()
	b, err := json.Marshal(m.Blocks)
	if err != nil {
		t.Fatalf("marshal blocks: %v", err)
	}
	return userView{
		ResponseType:    m.ResponseType,
		ReplaceOriginal: m.ReplaceOriginal,
		DeleteOriginal:  m.DeleteOriginal,
		Text:            m.Text,
		Blocks:          compactRaw(t, b),
	}
}

func compactRaw(t testing.TB, raw []byte) string {
	t.Helper()
	if len(raw) == 0 || string(raw) == "null" || string(raw) == "[]" {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		t.Fatalf("compact %s: %v", raw, err)
	}
	return buf.String()
}

// syncLog collects JSON log lines safely across goroutines.
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncLog) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// records returns the log lines whose msg is msg, decoded.
func (b *syncLog) records(t testing.TB, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// noticeReply is a reply with a short text.
func noticeReply(v commands.Visibility, text string) commands.Reply {
	return commands.Reply{Visibility: v, Notice: &commands.NoticeView{Text: text}}
}
