package realtime

import (
	"errors"
	"fmt"
	"time"
)

// Errors a caller can act on. Match them with errors.Is; the wrapping error
// (an *APIError) keeps the upstream status and message for logs.
var (
	// ErrNoActiveSession: the meeting exists but nobody is in it now (404 on
	// active-session and its sub-resources).
	ErrNoActiveSession = errors.New("no active session")
	// ErrMeetingNotFound: no meeting with that ID in this app.
	ErrMeetingNotFound = errors.New("meeting not found")
	// ErrParticipantNotFound: a kick or mute target is not in the session.
	ErrParticipantNotFound = errors.New("participant not found")
	// ErrUnauthorized: the API token is missing, invalid, or lacks the
	// "Realtime Admin" permission (401/403).
	ErrUnauthorized = errors.New("cloudflare API token rejected: it needs the Realtime Admin permission")
	// ErrUpstream: RealtimeKit failed (5xx, or transport errors) after retries.
	ErrUpstream = errors.New("realtimekit upstream error")
)

// APIError is a non-success answer from the API, keeping what RealtimeKit or
// Cloudflare said. Unwrap yields the matching sentinel above, if any.
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

// RateLimitError is a 429 that outlasted the retries (or the caller's
// deadline). RetryAfter is the wait the upstream asked for.
type RateLimitError struct {
	RetryAfter time.Duration
	Route      string
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%s: rate limited, retry after %s", e.Route, e.RetryAfter)
}
