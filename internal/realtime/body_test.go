package realtime_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rtkbot/rtkbot/internal/meeting"
	"github.com/rtkbot/rtkbot/internal/realtime"
	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
)

// countingTransport counts the bytes the client reads from response bodies.
type countingTransport struct {
	read atomic.Int64
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	res.Body = &countingBody{ReadCloser: res.Body, n: &c.read}
	return res, nil
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// A success answer larger than MaxResponseBody (here a meeting whose title
// alone is over the cap) is refused as an upstream error after reading just
// past the cap, instead of being read and decoded whole.
func TestOversizedSuccessBodyIsRefused(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	huge := rtkfake.Meeting{ID: "0f0e0d0c-0b0a-4909-8807-060504030201", Title: strings.Repeat("a", realtime.MaxResponseBody+1<<20)}
	f.AddMeeting(huge)
	tr := &countingTransport{}
	c := newClient(t, f, func(cfg *realtime.Config) { cfg.HTTPClient = &http.Client{Transport: tr} })

	_, err := c.Meeting(t.Context(), huge.ID)
	if !errors.Is(err, meeting.ErrUpstream) {
		t.Fatalf("Meeting with a %d-byte title: err = %v, want ErrUpstream", len(huge.Title), err)
	}
	if !strings.Contains(err.Error(), "response body larger than") {
		t.Errorf("the error does not say the answer was too large: %v", err)
	}
	if got, limit := tr.read.Load(), int64(realtime.MaxResponseBody+1); got > limit {
		t.Errorf("the client read %d bytes of the answer, want at most %d", got, limit)
	}

	// A normal answer through the same client still works.
	if m, err := c.Meeting(t.Context(), idleMeeting); err != nil || m.Title != "Retro" {
		t.Errorf("Meeting(%s) = %+v, %v; want the Retro meeting", idleMeeting, m, err)
	}
}
