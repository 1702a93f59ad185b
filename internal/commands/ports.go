package commands

import (
	"context"
	"time"

	"github.com/rtkbot/rtkbot/internal/meeting"
)

// The ports: every interface the core needs from outside, satisfied by the
// adapters (internal/realtime, internal/slackapp, internal/store) and wired
// in internal/app, plus the few types that only exist to cross them.

// Realtime is what the core needs from RealtimeKit. *realtime.Client
// satisfies it. Errors are those of package meeting (ErrNoActiveSession,
// ErrMeetingNotFound, ErrParticipantNotFound, ErrUnauthorized,
// *meeting.RateLimitError, ErrUpstream), possibly wrapped, or ctx errors.
type Realtime interface {
	Meeting(ctx context.Context, meetingID string) (meeting.Meeting, error)
	ActiveSession(ctx context.Context, meetingID string) (meeting.Session, error)
	LiveParticipants(ctx context.Context, meetingID string) ([]meeting.Participant, error)
	Kick(ctx context.Context, meetingID string, targets meeting.Targets) ([]meeting.Affected, error)
	Mute(ctx context.Context, meetingID string, targets meeting.Targets) ([]meeting.Affected, error)
	KickAll(ctx context.Context, meetingID string) (int, error)
	MuteAll(ctx context.Context, meetingID string, allowUnmute bool) (int, error)
	CreatePoll(ctx context.Context, meetingID, question string, options []string, anonymous, hideVotes bool) (meeting.Poll, error)
}

// User is a chat workspace member, as the directory knows them.
type User struct {
	ID          string
	Name        string // handle
	DisplayName string
	RealName    string
	Email       string
	IsAdmin     bool
	IsOwner     bool
}

// Directory looks people and groups up in the chat workspace. The Slack
// adapter implements it with users.info and usergroups.users.list.
type Directory interface {
	// User returns the workspace member with that ID.
	User(ctx context.Context, userID string) (User, error)
	// GroupMembers returns the user IDs in a user group.
	GroupMembers(ctx context.Context, groupID string) ([]string, error)
}

// Auditor receives every executed mutation and every refusal. Record must not
// block for long; failures are the auditor's to log.
type Auditor interface {
	Record(ctx context.Context, e AuditEntry)
}

// ConfirmationStore keeps confirmations between the prompt and the click.
// Claim is the exactly-once guarantee: of concurrent or repeated claims of
// one confirmation, exactly one succeeds. Implementations must be safe for
// concurrent use; a database one would do Claim as a conditional UPDATE.
type ConfirmationStore interface {
	// Put stores a new confirmation (State StatePending).
	Put(ctx context.Context, c Confirmation) error
	// Get returns the confirmation with that ID in whatever state, or
	// ErrConfirmationNotFound.
	Get(ctx context.Context, id string) (Confirmation, error)
	// Claim atomically moves a pending confirmation that has not expired at
	// now to StateExecuting and returns it. Errors: ErrConfirmationNotFound,
	// ErrAlreadyHandled (not pending), ErrConfirmationExpired (now is at or
	// past ExpiresAt; the confirmation stays pending, and unusable).
	Claim(ctx context.Context, id string, now time.Time) (Confirmation, error)
	// Finish moves an executing confirmation to StateDone with its outcome.
	// Errors: ErrConfirmationNotFound, ErrAlreadyHandled (not executing).
	Finish(ctx context.Context, id string, outcome Outcome) error
	// Cancel atomically moves a pending confirmation, expired or not, to
	// StateCancelled and returns it. Errors: ErrConfirmationNotFound,
	// ErrAlreadyHandled (not pending).
	Cancel(ctx context.Context, id string) (Confirmation, error)
}

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
