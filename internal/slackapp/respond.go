// respond.go holds what follows a command's run: calling the core under
// its deadline (execute), rendering and posting the replies to the
// envelope's response_url with a bounded retry, and the references that tie
// an internal error to its log line. Getting a command onto a worker is in
// workers.go.

package slackapp

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/rtkbot/rtkbot/internal/commands"
)

// A response_url accepts five messages within 30 minutes. A command posts
// at most maxPostsPerEnvelope messages and each is tried at most twice, so
// even a run of 5xx answers that Slack had in fact accepted stays within
// the five uses.
const (
	maxPostsPerEnvelope = 2
	postAttempts        = 2
	retryPause          = 250 * time.Millisecond
	maxErrorBody        = 512
)

const (
	// postTimeout bounds one reply's response_url post. It runs on its
	// own context so a command that used its whole deadline can still
	// say so.
	postTimeout = 10 * time.Second
)

// responseMessage is the JSON body of a response_url post (and of a slash
// command's ack payload). It carries only the fields Slack documents for
// those, where slack.Msg would also send empty metadata and friends.
type responseMessage struct {
	ResponseType    string        `json:"response_type,omitempty"`
	ReplaceOriginal bool          `json:"replace_original,omitempty"`
	DeleteOriginal  bool          `json:"delete_original,omitempty"`
	Text            string        `json:"text,omitempty"`
	Blocks          *slack.Blocks `json:"blocks,omitempty"`
}

// newResponseMessage converts a rendered message into its wire form.
func newResponseMessage(m slack.Msg) responseMessage {
	out := responseMessage{
		ResponseType:    m.ResponseType,
		ReplaceOriginal: m.ReplaceOriginal,
		DeleteOriginal:  m.DeleteOriginal,
		Text:            m.Text,
	}
	if len(m.Blocks.BlockSet) > 0 {
		b := m.Blocks
		out.Blocks = &b
	}
	return out
}

// responder posts messages to response_urls.
type responder struct {
	client *http.Client
	// pause is how long to wait before the retry; tests shorten it.
	pause time.Duration
}

// responseError is a failed response_url post. It names the URL only by
// its redacted form: the path of a response_url is a bearer credential.
type responseError struct {
	url       string // redacted
	status    int    // 0: no HTTP answer
	detail    string
	retryable bool
	err       error
}

func (e *responseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "post to response_url %s", e.url)
	if e.status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.status)
	}
	if e.detail != "" {
		fmt.Fprintf(&b, ": %s", e.detail)
	}
	if e.err != nil {
		fmt.Fprintf(&b, ": %v", e.err)
	}
	return b.String()
}

func (e *responseError) Unwrap() error { return e.err }

// post sends msg to responseURL, retrying once after a transport error or
// a 5xx answer. A 4xx answer (expired or used-up URL, invalid blocks) is
// final.
func (r *responder) post(ctx context.Context, responseURL string, msg responseMessage) error {
	body, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("encode response message: %w", err)
	}
	for attempt := 1; ; attempt++ {
		err = r.postOnce(ctx, responseURL, body)
		var re *responseError
		if err == nil || attempt >= postAttempts || !errors.As(err, &re) || !re.retryable {
			return err
		}
		t := time.NewTimer(r.pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

func (r *responder) postOnce(ctx context.Context, responseURL string, body []byte) error {
	safe := redactURL(responseURL)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(body))
	if err != nil {
		// NewRequest's errors quote the URL; keep only the redacted form.
		return &responseError{url: safe, detail: "invalid URL"}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := r.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error's text contains the full URL
		}
		return &responseError{url: safe, err: err, retryable: ctx.Err() == nil}
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_, _ = io.Copy(io.Discard, resp.Body) // let the connection be reused
	if resp.StatusCode >= 300 {
		return &responseError{
			url:       safe,
			status:    resp.StatusCode,
			detail:    slackError(text),
			retryable: resp.StatusCode >= 500,
		}
	}
	// Slack answers some refusals (invalid_blocks, no_text) with 200 and
	// {"ok":false,"error":...}.
	var ok struct {
		OK    *bool  `json:"ok"`
		Error string `json:"error"`
	}
	if json.Unmarshal(text, &ok) == nil && ok.OK != nil && !*ok.OK {
		return &responseError{url: safe, status: resp.StatusCode, detail: ok.Error}
	}
	return nil
}

// slackError extracts Slack's error code from an answer body, which is
// either {"ok":false,"error":"expired_url"} or the bare code.
func slackError(body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return e.Error
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 100 {
		s = s[:100] + "…"
	}
	return s
}

// redactURL keeps a response_url's origin and first path segment
// ("https://hooks.slack.com/commands/…"): enough to tell commands from
// actions in a log, without the credential that the rest of the path is.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "[unparseable URL]"
	}
	first, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	return u.Scheme + "://" + u.Host + "/" + first + "/…"
}

// execute calls the core under the command deadline. A panic becomes an
// internal error with a reference, and a command that ran out of time
// without a word gets a timeout message: the user never meets silence.
func (l *Listener) execute(work context.Context, log *slog.Logger, call func(context.Context) []commands.Reply) (replies []commands.Reply) {
	ctx, cancel := context.WithTimeout(work, l.cfg.CommandTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			ref := newRef()
			log.Error("command panicked", "ref", ref, "panic", p, "stack", string(debug.Stack()))
			replies = []commands.Reply{{Error: &commands.ErrorView{Code: commands.CodeInternal, Ref: ref}}}
		}
	}()
	replies = call(ctx)
	if len(replies) == 0 && ctx.Err() != nil {
		log.Warn("command ended at its deadline without a reply", "timeout", l.cfg.CommandTimeout)
		replies = []commands.Reply{{Error: &commands.ErrorView{Code: commands.CodeTimeout}}}
	}
	return replies
}

// postReplies renders and posts replies in order, each on a fresh
// postTimeout so a command that used its whole deadline can still report.
func (l *Listener) postReplies(work context.Context, log *slog.Logger, responseURL string, replies []commands.Reply) {
	if len(replies) > maxPostsPerEnvelope {
		log.Error("command produced more replies than a response_url takes; dropping the rest",
			"replies", len(replies), "max", maxPostsPerEnvelope)
		replies = replies[:maxPostsPerEnvelope]
	}
	if len(replies) > 0 && responseURL == "" {
		log.Error("envelope has no response_url; replies dropped", "replies", len(replies))
		return
	}
	var unposted *commands.Reply // the first reply that could not be posted
	for _, r := range replies {
		if r.DeleteOriginal && unposted != nil {
			// The prompt was to go because an earlier reply (a kick's
			// channel post) shows the result; that reply never arrived, so
			// it takes the prompt's place instead, for the requester alone.
			log.Warn("showing an undelivered reply in place of the message it was to delete")
			r = *unposted
			r.Visibility, r.ReplaceOriginal = commands.Ephemeral, true
		}
		msg := newResponseMessage(Render(r))
		msg.ReplaceOriginal = msg.ReplaceOriginal || r.ReplaceOriginal
		ctx, cancel := context.WithTimeout(work, postTimeout)
		err := l.resp.post(ctx, responseURL, msg)
		cancel()
		if err != nil {
			args := []any{"err", err}
			if r.Error != nil && r.Error.Ref != "" {
				args = append(args, "ref", r.Error.Ref)
			}
			log.Error("cannot post reply", args...)
			if unposted == nil {
				unposted = &r
			}
		}
	}
}

// newRef returns a short random reference that ties a user-facing
// internal error to its log line, shaped like the core's references
// (10 lower-case base32 characters) so people see one kind.
func newRef() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))[:10]
}
