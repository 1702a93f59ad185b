package slackfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Slack's limits on a response_url.
const (
	ResponseURLUses     = 5
	ResponseURLLifetime = 30 * time.Minute
)

// maxBody bounds request bodies the fake reads.
const maxBody = 1 << 20

// responseURL is one envelope's response_url; guarded by Server.mu.
type responseURL struct {
	envelopeID string
	created    time.Time // Config.Now
	uses       int
	responses  []Response
	// Where its messages appear: the envelope's channel, and the user who
	// sees the ephemeral ones.
	channel, user string
	// original is the message replace_original and delete_original act
	// on: the clicked message for a button click (click), else the last
	// message sent through this URL.
	original string
	click    bool
}

// newResponseURLLocked makes a fresh response_url; s.mu must be held.
func (s *Server) newResponseURLLocked(envelopeID string) (id, u string) {
	id = randomHex(12)
	s.responseURLs[id] = &responseURL{envelopeID: envelopeID, created: s.cfg.Now()}
	return id, s.http.URL + "/response/" + id
}

// responseID extracts the ID from a response_url (or accepts a bare ID).
func responseID(u string) string {
	_, id, found := strings.Cut(u, "/response/")
	if !found {
		return u
	}
	return id
}

// responseBody is what a response_url accepts.
type responseBody struct {
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	Attachments     json.RawMessage `json:"attachments"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal flexBool        `json:"replace_original"`
	DeleteOriginal  flexBool        `json:"delete_original"`
}

// flexBool accepts true and "true": Slack takes both for these flags.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	switch strings.Trim(string(data), `"`) {
	case "true":
		*b = true
	case "false", "", "null":
		*b = false
	default:
		return fmt.Errorf("not a boolean: %s", data)
	}
	return nil
}

func (r responseBody) hasContent() bool {
	return r.Text != "" || present(r.Blocks) || present(r.Attachments)
}

// present reports whether a raw JSON value is there and not null or empty.
func present(raw json.RawMessage) bool {
	v := string(bytes.TrimSpace(raw))
	return v != "" && v != "null" && v != "[]"
}

func (r responseBody) toResponse(raw json.RawMessage) Response {
	out := Response{
		ResponseType:    r.ResponseType,
		ReplaceOriginal: bool(r.ReplaceOriginal),
		DeleteOriginal:  bool(r.DeleteOriginal),
		Text:            r.Text,
		Raw:             raw,
	}
	if present(r.Blocks) {
		out.Blocks = r.Blocks
	}
	return out
}

// handleResponseURL serves POST /response/{id} as Slack's response_url:
// five messages within 30 minutes, then 404.
func (s *Server) handleResponseURL(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"ok": false, "error": "invalid_method"})
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": "invalid_payload"})
		return
	}
	var body responseBody
	if err := json.Unmarshal(raw, &body); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": "invalid_payload"})
		return
	}
	id := r.PathValue("id")

	s.mu.Lock()
	defer s.mu.Unlock()
	ru := s.responseURLs[id]
	now := s.cfg.Now()
	status, code := http.StatusOK, ""
	switch {
	case ru == nil:
		status, code = http.StatusNotFound, "no_service"
	case now.Sub(ru.created) > ResponseURLLifetime:
		status, code = http.StatusNotFound, "expired_url"
	case ru.uses >= ResponseURLUses:
		status, code = http.StatusNotFound, "used_url"
	case !body.hasContent() && !bool(body.DeleteOriginal):
		status, code = http.StatusBadRequest, "no_text"
	}
	if code == "" && present(body.Blocks) {
		if msgs := validateBlocks(body.Blocks); len(msgs) > 0 {
			s.log.Warn("slackfake: response_url got invalid blocks", "problems", msgs)
			status, code = http.StatusBadRequest, "invalid_blocks"
		}
	}
	if code != "" {
		s.log.Debug("slackfake: response_url refused", "error", code)
		writeJSON(w, status, map[string]any{"ok": false, "error": code})
		return
	}
	if s.toHold > 0 {
		s.toHold--
		s.held++
		s.notifyLocked()
		s.mu.Unlock()
		s.hold(r.Context())
		s.mu.Lock() // for the deferred Unlock
		return
	}
	ru.uses++
	resp := body.toResponse(raw)
	resp.At = now
	resp.TS = s.showLocked(ru, resp, false)
	ru.responses = append(ru.responses, resp)
	s.notifyLocked()
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// HoldResponses makes the next n messages posted to any response_url
// hang, unrecorded and unanswered, until their sender gives up or the
// server closes: an answer lost with the process that was posting it.
func (s *Server) HoldResponses(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.toHold += n
}

// WaitHeldResponses waits until n messages have been held (HoldResponses).
func (s *Server) WaitHeldResponses(ctx context.Context, n int) error {
	return s.waitFor(ctx, fmt.Sprintf("%d held responses", n), func() bool { return s.held >= n })
}

// hold returns when ctx ends or the server closes.
func (s *Server) hold(ctx context.Context) {
	for {
		s.mu.Lock()
		closed, ch := s.closed, s.changed
		s.mu.Unlock()
		if closed {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
	}
}

// ackResponseLocked shows a slash command's ack payload to the user if it
// is a message; s.mu must be held.
func (s *Server) ackResponseLocked(e *envelope, payload json.RawMessage) {
	var body responseBody
	if json.Unmarshal(payload, &body) != nil || !body.hasContent() {
		return // an empty payload, as @slack/socket-mode sends, is a bare ack
	}
	ru := s.responseURLs[e.responseID]
	if ru == nil {
		return
	}
	resp := body.toResponse(payload)
	resp.ViaAck = true
	resp.At = s.cfg.Now()
	resp.TS = s.showLocked(ru, resp, true)
	ru.responses = append(ru.responses, resp)
}

// Responses returns the messages sent through a response_url (full URL
// or ID), including a slash command's ack message, in order.
func (s *Server) Responses(responseURL string) []Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ru := s.responseURLs[responseID(responseURL)]; ru != nil {
		return append([]Response(nil), ru.responses...)
	}
	return nil
}

// WaitResponses waits until n messages have been sent through a
// response_url and returns them all.
func (s *Server) WaitResponses(ctx context.Context, responseURL string, n int) ([]Response, error) {
	id := responseID(responseURL)
	var out []Response
	err := s.waitFor(ctx, fmt.Sprintf("%d responses on response_url", n), func() bool {
		ru := s.responseURLs[id]
		if ru == nil || len(ru.responses) < n {
			return false
		}
		out = append([]Response(nil), ru.responses...)
		return true
	})
	return out, err
}

// ResponseURLUses is how many of its five uses a response_url has spent.
func (s *Server) ResponseURLUses(responseURL string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ru := s.responseURLs[responseID(responseURL)]; ru != nil {
		return ru.uses
	}
	return 0
}
