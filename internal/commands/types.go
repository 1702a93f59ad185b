package commands

import (
	"time"

	"github.com/rtkbot/rtkbot/internal/meeting"
)

// AuditEntry is one line of the audit trail.
type AuditEntry struct {
	Time         time.Time
	TeamID       string
	ChannelID    string
	UserID       string
	Verb         string
	MeetingID    string
	MeetingTitle string
	Targets      []string // display names with IDs, e.g. "Bob (p-123)"
	Outcome      Outcome
	Detail       string // what happened or why it was refused/failed
	Ref          string // error reference, when Outcome is OutcomeFailed
}

// Outcome classifies how a command ended, for audit and metrics.
type Outcome string

// Outcomes.
const (
	OutcomeOK        Outcome = "ok"
	OutcomeDryRun    Outcome = "dry_run"
	OutcomeRefused   Outcome = "refused"   // not authorized
	OutcomeInvalid   Outcome = "invalid"   // bad input, unknown verb, no match
	OutcomeFailed    Outcome = "failed"    // upstream or internal error
	OutcomeCancelled Outcome = "cancelled" // confirmation cancelled
	OutcomePending   Outcome = "pending"   // awaiting confirmation
)

// Request is one /meeting invocation.
type Request struct {
	TeamID    string
	ChannelID string
	UserID    string
	UserName  string
	Text      string // everything after "/meeting"
	// EnvelopeID and TriggerID identify the delivery, for exactly-once
	// execution across redeliveries.
	EnvelopeID string
	TriggerID  string
	// Recovered: another process accepted this delivery and died before
	// answering it, and this one has taken it over. Whatever it had not
	// started runs as usual; a change it may have made is reported as
	// such, never made twice (see Service.Handle).
	Recovered bool
}

// Click is a button press on a confirmation prompt.
type Click struct {
	TeamID         string
	ChannelID      string
	UserID         string
	ConfirmationID string
	Approve        bool // false: Cancel
	EnvelopeID     string
	TriggerID      string
	Recovered      bool // as in Request; see Service.Click
}

// Visibility says who sees a reply.
type Visibility int

// Visibilities.
const (
	Ephemeral Visibility = iota // only the person who asked
	InChannel                   // everyone in the channel
)

// Reply is one message to send back. Exactly one of the view fields is set,
// except with DeleteOriginal. ReplaceOriginal replaces the message the
// interaction came from (a confirmation prompt) instead of posting a new
// one; DeleteOriginal removes that message and carries no view.
type Reply struct {
	Visibility      Visibility
	ReplaceOriginal bool
	DeleteOriginal  bool

	Help    *HelpView
	Status  *StatusView
	Action  *ActionView
	Confirm *ConfirmView
	Poll    *PollView
	Error   *ErrorView
	Notice  *NoticeView
	Link    *LinkView
	Audit   *AuditView
}

// HelpView is usage generated from the registry.
type HelpView struct {
	Verbs      []VerbHelp // all verbs, registry order (when Verb is nil)
	Verb       *VerbHelp  // one verb's help
	Unknown    string     // the unknown verb typed, if that is why help is shown
	Suggestion string     // "did you mean" verb, if any
}

// VerbHelp is one registry entry as shown to users.
type VerbHelp struct {
	Name        string
	Usage       string // e.g. "kick [meeting] <who>… [--dry-run]"
	Summary     string
	Examples    []string
	Moderator   bool // needs a moderator
	Destructive bool // asks for confirmation
}

// StatusView is the meeting status card.
type StatusView struct {
	Session      meeting.Session
	Participants []meeting.Participant // live now, in join order
	Now          time.Time             // for "elapsed"
}

// ActionView reports an executed (or dry-run) mute, mute-all, kick or kick-all.
type ActionView struct {
	Verb         string // "mute", "mute-all", "kick", "kick-all"
	RequesterID  string
	MeetingID    string
	MeetingTitle string
	Affected     []meeting.Affected // for mute and kick
	Count        int                // for mute-all and kick-all
	AllowUnmute  bool               // for mute-all
	DryRun       bool
}

// ConfirmView asks the requester to confirm a destructive action.
type ConfirmView struct {
	ID           string // opaque confirmation ID carried by the buttons
	Verb         string // "kick" or "kick-all"
	RequesterID  string
	MeetingID    string
	MeetingTitle string
	Targets      []meeting.Participant // for kick
	LiveCount    int                   // for kick-all: everyone live
	ExpiresAt    time.Time
}

// PollView is a created (or dry-run) poll.
type PollView struct {
	Poll         meeting.Poll
	MeetingID    string
	MeetingTitle string
	RequesterID  string
	DryRun       bool
}

// LinkView reports a channel's link to a meeting: just made, just removed,
// or as it stands, according to Action. MeetingTitle is plain text as
// RealtimeKit gave it (the renderer escapes it). Linked and unlinked are
// posted to the channel, so everyone there knows where commands go; shown is
// for the person who asked.
type LinkView struct {
	Action       string // LinkLinked, LinkUnlinked or LinkShown
	RequesterID  string // who ran the command
	MeetingID    string
	MeetingTitle string
	LinkedBy     string    // Slack user ID of who made the link
	LinkedAt     time.Time // when the link was made
}

// LinkView actions.
const (
	LinkLinked   = "linked"   // the requester linked the channel to the meeting
	LinkUnlinked = "unlinked" // the requester removed the channel's link to the meeting
	LinkShown    = "show"     // the channel's current link
)

// AuditView lists the latest audit entries about a meeting, newest first,
// for the moderator who asked. Entries hold plain text (names, titles,
// details) that the renderer escapes.
type AuditView struct {
	MeetingID    string
	MeetingTitle string // from the entries; "" when none had one
	Entries      []AuditEntry
	// Limit is how many entries were asked for: fewer Entries means that
	// is all there is.
	Limit int
	// Refusals: refused commands are listed too. Without it, Entries are
	// the commands that ran (carried out, failed, interrupted).
	Refusals bool
}

// ErrorView is an error shown to the person who asked. Message is plain text
// meant for them (the renderer escapes it). Ref is set for internal errors,
// which are logged with it.
type ErrorView struct {
	Code       ErrorCode
	Message    string
	Ref        string
	RetryAfter time.Duration
}

// NoticeView is a short plain message ("Cancelled.", "Busy, try again").
type NoticeView struct {
	Text string
}

// ErrorCode classifies errors a user can act on.
type ErrorCode string

// Error codes.
const (
	CodeInvalid     ErrorCode = "invalid"      // bad input
	CodeNotFound    ErrorCode = "not_found"    // meeting, session or participant
	CodeAmbiguous   ErrorCode = "ambiguous"    // several participants match
	CodeForbidden   ErrorCode = "forbidden"    // not a moderator, not your prompt
	CodeExpired     ErrorCode = "expired"      // confirmation expired
	CodeConflict    ErrorCode = "conflict"     // already handled
	CodeRateLimited ErrorCode = "rate_limited" // with RetryAfter
	CodeTimeout     ErrorCode = "timeout"      // upstream too slow
	CodeUpstream    ErrorCode = "upstream"     // RealtimeKit refused (e.g. token)
	CodeInternal    ErrorCode = "internal"     // with Ref
)
