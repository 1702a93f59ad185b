package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/rtkbot/rtkbot/internal/meeting"
)

// APIError is a non-success answer from the API, keeping what RealtimeKit or
// Cloudflare said. Unwrap yields the matching sentinel of package meeting
// (meeting.ErrMeetingNotFound, ...), if any.
type APIError struct {
	Status  int    // HTTP status
	Code    string // upstream error code, as text (numeric codes are formatted)
	Message string // upstream message, for logs
	Route   string // e.g. "POST active-session/kick"
	kind    error
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s: HTTP %d: %s", e.Route, e.Status, e.Message)
}

// Unwrap returns the sentinel that classifies e, or nil.
func (e *APIError) Unwrap() error { return e.kind }

// classify turns the outcome of a call into the error callers see: nil, a
// context error, a *meeting.RateLimitError, or an *APIError whose Unwrap yields
// the sentinel for its status and route. err is what the SDK returned; x holds
// the status and body of the last response, which the SDK does not always keep
// (it fails on non-JSON error bodies).
func (c *Client) classify(x *call, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var rl *meeting.RateLimitError
	if errors.As(err, &rl) {
		return rl
	}
	switch {
	case x.status == http.StatusTooManyRequests:
		return &meeting.RateLimitError{RetryAfter: x.retryAfter, Route: x.route.String()}
	case x.status >= 400:
		code, msg := upstreamMessage(x.status, x.body)
		return &APIError{
			Status:  x.status,
			Code:    code,
			Message: c.scrub(msg),
			Route:   x.route.String(),
			kind:    kindOf(x.route, x.status, code, msg),
		}
	case x.attempts == 0:
		// Refused before sending (e.g. the SDK rejected a parameter).
		return err
	case x.status == 0:
		// No response: the transport failed (after any retries).
		return &APIError{Route: x.route.String(), Message: c.scrub(err.Error()), kind: meeting.ErrUpstream}
	default:
		// A success status with a body we could not read.
		return &APIError{Status: x.status, Route: x.route.String(), Message: c.scrub(err.Error()), kind: meeting.ErrUpstream}
	}
}

// kindOf picks the sentinel for an error status on a route. 404s are told
// apart by route and, where one route can mean several things, by the
// upstream message: RealtimeKit says "No user found with id …" for a kick or
// mute target and "No active session found for meeting_id …" when nobody is
// in the meeting.
func kindOf(r route, status int, code, msg string) error {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return meeting.ErrUnauthorized
	case status >= 500:
		return meeting.ErrUpstream
	case status != http.StatusNotFound:
		return nil
	case code == cfNoRoute:
		// The gateway found no such endpoint: a wrong base URL, not a
		// missing meeting. Nothing the user can do about it.
		return nil
	}
	m := strings.ToLower(msg)
	switch r {
	case routeMeeting, routeMeetingParticipants:
		return meeting.ErrMeetingNotFound
	case routeActiveSession, routeSessionParticipants:
		// ActiveSession double-checks with GET meeting (see session.go).
		if mentionsMissingMeeting(m) {
			return meeting.ErrMeetingNotFound
		}
		return meeting.ErrNoActiveSession
	case routeKick, routeMute:
		switch {
		case strings.Contains(m, "user") || strings.Contains(m, "participant"):
			return meeting.ErrParticipantNotFound
		case strings.Contains(m, "session"):
			return meeting.ErrNoActiveSession
		case mentionsMissingMeeting(m):
			return meeting.ErrMeetingNotFound
		}
		return meeting.ErrParticipantNotFound
	default: // kick-all, mute-all, poll: the active session is what is missing
		if mentionsMissingMeeting(m) {
			return meeting.ErrMeetingNotFound
		}
		return meeting.ErrNoActiveSession
	}
}

// cfNoRoute is the Cloudflare gateway's error code for a path it cannot
// route ("Could not route to …").
const cfNoRoute = "7003"

// mentionsMissingMeeting reports whether a lower-cased 404 message is about
// the meeting itself rather than its session, e.g. "Meeting not found" or
// "No meeting found with id …", but not "No active session found for
// meeting_id …".
func mentionsMissingMeeting(m string) bool {
	return strings.Contains(m, "meeting") && !strings.Contains(m, "session")
}

// upstreamMessage reads code and message from an error body in either
// envelope: Cloudflare's {"errors":[{"code","message"}]} or RealtimeKit's
// {"error":{"code","message"}}. Bodies in neither shape (a proxy's HTML
// page) yield the status text and a short excerpt.
func upstreamMessage(status int, body []byte) (code, msg string) {
	var env struct {
		Errors []upstreamError `json:"errors"`
		Error  *upstreamError  `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil {
		if env.Error != nil && env.Error.Message != "" {
			return env.Error.code(), env.Error.Message
		}
		var codes, msgs []string
		for _, e := range env.Errors {
			if e.Message == "" {
				continue
			}
			codes = append(codes, e.code())
			msgs = append(msgs, e.Message)
		}
		if len(msgs) > 0 {
			return strings.Join(codes, ","), strings.Join(msgs, "; ")
		}
	}
	msg = http.StatusText(status)
	if excerpt := strings.TrimSpace(string(body)); excerpt != "" {
		const maxExcerpt = 200
		if len(excerpt) > maxExcerpt {
			excerpt = strings.ToValidUTF8(excerpt[:maxExcerpt], "") + "…"
		}
		msg += ": " + excerpt
	}
	return "", msg
}

// upstreamError is one error in either envelope. Codes are numbers in both
// APIs' documentation, but nothing guarantees it, so any JSON scalar is kept.
type upstreamError struct {
	Code    json.RawMessage `json:"code"`
	Message string          `json:"message"`
}

func (e upstreamError) code() string {
	var s string
	if json.Unmarshal(e.Code, &s) == nil {
		return s
	}
	return string(e.Code)
}

// scrub removes the API token from text that came from elsewhere (upstream
// messages, transport errors), in case anything ever echoes it.
func (c *Client) scrub(s string) string {
	if t := c.token.Reveal(); t != "" {
		s = strings.ReplaceAll(s, t, c.token.String())
	}
	return s
}
