package slackfake

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// guard bounds every wait in these tests; it only fires on failure.
const guard = 15 * time.Second

func waitCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), guard)
	t.Cleanup(cancel)
	return ctx
}

// newAPI is slack-go's Web API client bound to the fake, as the bot
// builds it.
func newAPI(s *Server, botToken string) *slack.Client {
	return slack.New(botToken,
		slack.OptionAppLevelToken(s.AppToken()),
		slack.OptionAPIURL(s.APIURL()))
}

// client is a running slack-go Socket Mode client.
type client struct {
	sm     *socketmode.Client
	events chan socketmode.Event // every event but connection chatter
	done   chan error            // RunContext's result
}

// startClient runs slack-go's socketmode client against s until the test
// ends. Envelopes are not acked automatically.
func startClient(t testing.TB, s *Server, appToken string, opts ...socketmode.Option) *client {
	t.Helper()
	api := slack.New(s.BotToken(),
		slack.OptionAppLevelToken(appToken),
		slack.OptionAPIURL(s.APIURL()))
	c := &client{
		sm:     socketmode.New(api, opts...),
		events: make(chan socketmode.Event, 1024),
		done:   make(chan error, 1),
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { c.done <- c.sm.RunContext(ctx) })
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-c.sm.Events:
				select {
				case c.events <- evt:
				case <-ctx.Done():
					return
				}
			}
		}
	})
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return c
}

// next returns the next event of type typ, skipping others.
func (c *client) next(t testing.TB, typ socketmode.EventType) socketmode.Event {
	t.Helper()
	timeout := time.After(guard)
	for {
		select {
		case evt := <-c.events:
			if evt.Type == typ {
				return evt
			}
		case err := <-c.done:
			t.Fatalf("socket mode client stopped while waiting for %s: %v", typ, err)
		case <-timeout:
			t.Fatalf("no %s event within %s", typ, guard)
		}
	}
}

// ack acks a received envelope, failing the test on error.
func (c *client) ack(t testing.TB, evt socketmode.Event, payload ...any) {
	t.Helper()
	if err := c.sm.Ack(*evt.Request, payload...); err != nil {
		t.Fatalf("ack %s: %v", evt.Request.EnvelopeID, err)
	}
}

// fakeClock is an injectable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
