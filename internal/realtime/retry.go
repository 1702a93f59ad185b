package realtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudflare/cloudflare-go/v6/option"
	"github.com/rtkbot/rtkbot/internal/meeting"
	"golang.org/x/time/rate"
)

// maxRetryWait is the longest a single retry waits for. A Retry-After longer
// than this is not waited out: the caller gets a meeting.RateLimitError at once
// and can tell its user when to try again, instead of hanging.
const maxRetryWait = 10 * time.Second

// maxErrorBody bounds how much of an error response is kept for messages.
const maxErrorBody = 64 << 10

// MaxResponseBody bounds a success response's body. The largest answer the
// bot asks for is a page of 100 participants, tens of kilobytes; without a
// bound, a broken or hostile upstream answering with a 200 MiB title made
// the JSON decoder allocate over a gigabyte.
const MaxResponseBody = 4 << 20

// policy says when a request may be sent again.
type policy int

const (
	// idempotent requests (reads, kick, mute, kick-all, mute-all) are
	// retried on 429, 5xx and transport errors: sending them twice has the
	// same effect as sending them once.
	idempotent policy = iota
	// once requests (create poll) are retried only when the upstream
	// certainly did not act on them: on a 429, or when the request never
	// left this process. A retry after a timeout could create a second
	// poll in a live meeting.
	once
)

// call is one client method's exchange with RealtimeKit, possibly several
// HTTP attempts. The middleware fills it in; classify reads it to build the
// error, because the SDK turns non-JSON error bodies into parse errors and
// drops the headers.
type call struct {
	route     route
	policy    policy
	meetingID string

	attempts   int
	status     int    // status of the last response; 0 if none arrived
	body       []byte // body of the last error response (status >= 400)
	retryAfter time.Duration
}

// opts returns the per-request options that route the request through c's
// limiter and retry loop, recording into x.
func (c *Client) opts(x *call) []option.RequestOption {
	return []option.RequestOption{option.WithMiddleware(func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		return c.roundTrip(x, req, next)
	})}
}

// roundTrip sends req, waiting on the shared rate limiter before every
// attempt, and retries as x.policy allows. It returns the last response
// (error statuses included, for the SDK to wrap) or the last transport error.
func (c *Client) roundTrip(x *call, req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	ctx := req.Context()
	// The outcome of the previous attempt, answered if the next one cannot
	// be made in time.
	var lastRes *http.Response
	var lastErr error
	for {
		if err := c.wait(ctx, x); err != nil {
			if x.attempts > 0 && ctx.Err() == nil {
				return lastRes, lastErr
			}
			return nil, err
		}
		r, err := attemptRequest(req, x.attempts)
		if err != nil {
			return nil, err
		}
		var tr *sendTrace
		if x.policy == once {
			tr = &sendTrace{}
			r = r.WithContext(httptrace.WithClientTrace(r.Context(), tr.clientTrace()))
		}
		x.attempts++
		start := time.Now()
		res, err := next(r)
		elapsed := time.Since(start)

		if err != nil {
			x.status = 0
			c.report(x.route, 0, elapsed)
			if ctx.Err() != nil || !retryTransport(x, tr, err) ||
				!c.sleep(ctx, x, c.backoff(x.attempts), elapsed, 0, err) {
				return nil, err
			}
			lastRes, lastErr = nil, err
			continue
		}

		x.status = res.StatusCode
		c.report(x.route, res.StatusCode, elapsed)
		if res.StatusCode < 400 {
			res.Body = &cappedBody{rc: res.Body, left: MaxResponseBody}
			return res, nil
		}
		x.body = readErrorBody(res)
		var wait time.Duration
		switch {
		case res.StatusCode == http.StatusTooManyRequests:
			var ok bool
			if wait, ok = retryAfter(res.Header, c.now()); !ok {
				wait = c.backoff(x.attempts)
			}
			x.retryAfter = wait
			if wait > maxRetryWait {
				return res, nil
			}
		case res.StatusCode >= 500 && x.policy == idempotent:
			wait = c.backoff(x.attempts)
		default:
			return res, nil
		}
		if !c.sleep(ctx, x, wait, elapsed, res.StatusCode, nil) {
			return res, nil
		}
		lastRes, lastErr = res, nil
	}
}

// attemptRequest returns the request for attempt n (0-based): req itself
// first, then clones with a fresh copy of the body.
func attemptRequest(req *http.Request, n int) (*http.Request, error) {
	if n == 0 || req.Body == nil {
		return req, nil
	}
	if req.GetBody == nil {
		return nil, errors.New("cannot resend a request body without GetBody")
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Body = body
	return r, nil
}

// minAttemptBudget is the least time sleep leaves for a retry's attempt.
const minAttemptBudget = 250 * time.Millisecond

// retryTransport reports whether a transport error may be retried.
func retryTransport(x *call, tr *sendTrace, err error) bool {
	if x.policy == idempotent {
		return true
	}
	return notSent(tr, err)
}

// sleep waits d before the next attempt, if another attempt is allowed and
// the wait and an attempt end before ctx's deadline. It reports whether to
// try again. When the retries are used up or there is no time left it
// returns false at once, so the caller gets the upstream's answer now
// instead of a deadline error later.
//
// The next attempt is budgeted at twice the last one (took), and at least
// minAttemptBudget: one attempt's time says little about the next on a
// loaded machine, and a retry cut off by the deadline loses the answer
// already in hand.
func (c *Client) sleep(ctx context.Context, x *call, d, took time.Duration, status int, err error) bool {
	if x.attempts > c.maxRetries {
		return false
	}
	budget := max(2*took, minAttemptBudget)
	if deadline, ok := ctx.Deadline(); ok && time.Now().Add(d+budget).After(deadline) {
		return false
	}
	attrs := []slog.Attr{
		slog.String("route", x.route.name), slog.String("meeting_id", x.meetingID),
		slog.Int("attempt", x.attempts), slog.Int("status", status), slog.Duration("wait", d),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", c.scrub(err.Error())))
	}
	c.log.LogAttrs(ctx, slog.LevelWarn, "realtimekit: retrying", attrs...)
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// wait takes a token from the shared limiter, waiting for it if need be. If the
// token comes later than ctx's deadline it returns a meeting.RateLimitError at
// once instead of waiting in vain.
func (c *Client) wait(ctx context.Context, x *call) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r, now := c.limiter.reserve()
	if !r.OK() {
		return &meeting.RateLimitError{Route: x.route.String()}
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	// The deadline is on the real clock, the bucket on c.now.
	if deadline, ok := ctx.Deadline(); ok && time.Now().Add(d).After(deadline) {
		c.limiter.cancel(r)
		return &meeting.RateLimitError{RetryAfter: d, Route: x.route.String()}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		c.limiter.cancel(r)
		return ctx.Err()
	}
}

// limiter is a rate.Limiter that sees the clock readings in order.
// rate.Limiter takes the time from its caller and, given one older than the
// last it saw, moves its clock back, so the next caller is credited the same
// interval twice (golang/go#56287): under a burst of concurrent calls,
// requests got out early. Reading the clock under our own lock keeps the
// readings monotonic.
type limiter struct {
	mu  sync.Mutex
	l   *rate.Limiter
	now func() time.Time
}

func newLimiter(r rate.Limit, burst int, now func() time.Time) *limiter {
	return &limiter{l: rate.NewLimiter(r, burst), now: now}
}

// reserve takes one token and returns when it was taken.
func (l *limiter) reserve() (*rate.Reservation, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	return l.l.ReserveN(now, 1), now
}

// cancel gives back a reservation's token, if it is not yet due.
func (l *limiter) cancel(r *rate.Reservation) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r.CancelAt(l.now())
}

// backoff is the wait before retry number n (1-based): RetryDelay doubled
// per retry, capped at 8×, with "equal jitter" so that clients which failed
// together do not retry together.
func (c *Client) backoff(n int) time.Duration {
	d := c.retryDelay << min(max(n-1, 0), 3)
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}

func (c *Client) report(r route, status int, d time.Duration) {
	if c.onRequest != nil {
		c.onRequest(r.name, status, d)
	}
}

// readErrorBody reads (a bounded prefix of) an error response's body and
// puts it back, so both our error mapping and the SDK can read it.
func readErrorBody(res *http.Response) []byte {
	b, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
	_, _ = io.Copy(io.Discard, res.Body) // let the connection be reused
	_ = res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// errBodyTooLarge is what reading a success body past MaxResponseBody
// returns; the caller sees an meeting.ErrUpstream.
var errBodyTooLarge = fmt.Errorf("response body larger than %d bytes", MaxResponseBody)

// cappedBody reads at most left bytes of a body, then fails with
// errBodyTooLarge instead of reading on. Unlike io.LimitReader it does not
// pass a cut-off body for a whole one.
type cappedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, errBodyTooLarge
	}
	// Read one byte past the cap, to tell a body of exactly the cap from a
	// longer one.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n + int(b.left), errBodyTooLarge
	}
	return n, err
}

// Close closes the body without draining it: after an oversized answer the
// connection is not worth reusing.
func (b *cappedBody) Close() error { return b.rc.Close() }

// retryAfter parses a Retry-After header: delay-seconds or an HTTP-date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// sendTrace records how far net/http got with a request.
type sendTrace struct {
	getConn      atomic.Bool
	wroteHeaders atomic.Bool
}

func (t *sendTrace) clientTrace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn:      func(string) { t.getConn.Store(true) },
		WroteHeaders: func() { t.wroteHeaders.Store(true) },
	}
}

// notSent reports whether err proves that the upstream cannot have received
// the request: it failed while resolving or dialing, or net/http never
// finished writing its headers (a server does not act on half a request).
// Anything else — a timeout while waiting for the answer, a reset
// connection — may have reached the server.
func notSent(tr *sendTrace, err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	// The trace only proves something if net/http ran it (a custom
	// transport might not): GetConn is its first callback.
	return tr != nil && tr.getConn.Load() && !tr.wroteHeaders.Load()
}
