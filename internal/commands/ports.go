package commands

import (
	"context"
	"time"
)

// The ports below are what the core needs from the bot's database. The
// store package satisfies AuditLog and Deliveries as it stands; Links is
// shaped for the core (a found flag instead of the store's ErrNotFound), so
// the app adapts the store to it in a few lines.

// ChannelLink is the meeting a chat channel is bound to, so that commands
// there may leave the meeting out.
type ChannelLink struct {
	MeetingID    string
	MeetingTitle string // as RealtimeKit had it when the link was made
	LinkedBy     string // Slack user ID
	LinkedAt     time.Time
}

// Links keeps the links between channels and meetings. Errors are the
// database's; a channel without a link is not an error.
type Links interface {
	// Link binds the channel to the meeting, replacing any earlier link.
	Link(ctx context.Context, teamID, channelID, meetingID, meetingTitle, byUserID string) error
	// Linked returns the channel's link; found is false if it has none.
	Linked(ctx context.Context, teamID, channelID string) (link ChannelLink, found bool, err error)
	// Unlink removes the channel's link and returns what it was; found is
	// false if there was none (and nothing changed).
	Unlink(ctx context.Context, teamID, channelID string) (link ChannelLink, found bool, err error)
}

// AuditLog reads the audit trail back, for the audit verb. Writing goes
// through Auditor.
type AuditLog interface {
	// RecentAudit returns up to n entries about the meeting in the team,
	// newest first: refusals (OutcomeRefused) only if refusals is true,
	// everything else always. Errors: the database's, or n < 1.
	RecentAudit(ctx context.Context, teamID, meetingID string, n int, refusals bool) ([]AuditEntry, error)
}

// Refusals decides which refusals are recorded, so that refused commands,
// which anyone can send, cannot flood the audit trail. Shared by replicas
// (the store implements it), it throttles them together.
type Refusals interface {
	// AdmitRefusal counts a refusal of verb to userID in teamID at now
	// and reports whether to record it: yes for the first, and for the
	// first once window has passed since the last one recorded. When it
	// says yes, held is how many were counted and not recorded since that
	// last one. Errors: the database's.
	AdmitRefusal(ctx context.Context, teamID, userID, verb string, now time.Time, window time.Duration) (record bool, held int, err error)
}

// Deliveries remembers which deliveries (Slack envelopes, trigger IDs) have
// been acted on, across restarts and replicas. It is what makes a
// redelivered or resent command run once.
type Deliveries interface {
	// ClaimDelivery records key and reports whether this is its first claim
	// by anyone; only the first claimant may act. Errors: the database's,
	// or an empty key.
	ClaimDelivery(ctx context.Context, key string, now time.Time) (first bool, err error)
	// FinishDelivery records that the delivery claimed under key has run
	// to its end with a known result (audited, its answer about to be
	// posted); a key never claimed is left alone. FinishedDelivery returns
	// that result; finished is false until FinishDelivery. Errors: the
	// database's, or an empty key.
	FinishDelivery(ctx context.Context, key string, r DeliveryResult, now time.Time) error
	FinishedDelivery(ctx context.Context, key string) (r DeliveryResult, finished bool, err error)
}

// DeliveryResult is how a delivery claimed durably ended, as far as the bot
// knows: a replica taking the delivery over tells its requester exactly
// that. A change whose fate is unknown (cut off mid-call) has none.
type DeliveryResult struct {
	// Outcome is OutcomeOK, OutcomeRefused, OutcomeInvalid, OutcomeFailed
	// (nothing was changed) or OutcomePending (a confirmation was asked for).
	Outcome Outcome
	// Code and Message are the error the requester was shown, if any.
	Code    ErrorCode
	Message string
}
