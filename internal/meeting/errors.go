package meeting

import (
	"errors"
	"fmt"
	"time"
)

// Errors a caller can act on. Match them with errors.Is; the adapter's
// wrapping error (a *realtime.APIError) keeps the upstream status and
// message for logs.
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

// RateLimitError is a 429 that outlasted the retries (or the caller's
// deadline). RetryAfter is the wait the upstream asked for.
type RateLimitError struct {
	RetryAfter time.Duration
	Route      string
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%s: rate limited, retry after %s", e.Route, e.RetryAfter)
}
