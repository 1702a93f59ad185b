package commands

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/rtkbot/rtkbot/internal/meeting"
)

// userError is an error the person who asked can act on: a code and a
// message written for them. Everything else becomes "internal error (ref …)".
type userError struct {
	code ErrorCode
	msg  string
	// cause, if set, is the error behind it (a context error for a
	// timeout), for errors.Is.
	cause error
}

func (e *userError) Error() string { return string(e.code) + ": " + e.msg }
func (e *userError) Unwrap() error { return e.cause }

// storageError is a failure of the bot's own database. It is always shown
// as an internal error: it may wrap a context error, which errorView would
// otherwise blame on RealtimeKit.
type storageError struct {
	op  string // what was being done, e.g. "load the channel's link"
	err error
}

func (e *storageError) Error() string { return e.op + ": " + e.err.Error() }
func (e *storageError) Unwrap() error { return e.err }

func invalidf(format string, a ...any) error {
	return &userError{code: CodeInvalid, msg: fmt.Sprintf(format, a...)}
}

func notFoundf(format string, a ...any) error {
	return &userError{code: CodeNotFound, msg: fmt.Sprintf(format, a...)}
}

// outcomeOf classifies an ErrorView for metrics and audit.
func outcomeOf(code ErrorCode) Outcome {
	switch code {
	case CodeInvalid, CodeNotFound, CodeAmbiguous, CodeExpired, CodeConflict:
		return OutcomeInvalid
	case CodeForbidden:
		return OutcomeRefused
	default:
		return OutcomeFailed
	}
}

// errorView turns any error from a command into what the requester sees.
// Errors nobody can act on get a reference and are logged with it at error
// level, with the full error. After a mutating call (inv.mutating) a timeout
// or internal error cannot promise that nothing changed, and says so.
func (s *Service) errorView(ctx context.Context, inv *invocation, err error) ErrorView {
	var ue *userError
	if errors.As(err, &ue) {
		return ErrorView{Code: ue.code, Message: ue.msg}
	}
	var se *storageError
	if errors.As(err, &se) {
		return s.internalError(ctx, inv, err)
	}
	var rl *meeting.RateLimitError
	switch {
	case errors.As(err, &rl):
		secs := int(math.Ceil(rl.RetryAfter.Seconds()))
		if secs < 1 {
			secs = 1
		}
		inv.log.WarnContext(ctx, "RealtimeKit rate limit", "retry_after", rl.RetryAfter, "err", err)
		return ErrorView{
			Code:       CodeRateLimited,
			Message:    fmt.Sprintf("RealtimeKit is rate limiting the bot; nothing was changed. Try again in %d s.", secs),
			RetryAfter: time.Duration(secs) * time.Second,
		}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		inv.log.WarnContext(ctx, "RealtimeKit call did not finish", "err", err)
		msg := "RealtimeKit did not answer in time; nothing was changed. Try again in a moment."
		if errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			msg = "The bot was interrupted (it may be restarting) before RealtimeKit answered; nothing was changed. Try again in a moment."
		}
		if inv.mutating {
			msg = fmt.Sprintf("RealtimeKit did not answer in time, so the %s may or may not have happened. Check with /meeting status %s before trying again.",
				inv.verbName(), inv.meetingID)
		}
		return ErrorView{Code: CodeTimeout, Message: msg}
	case errors.Is(err, meeting.ErrUnauthorized):
		inv.log.ErrorContext(ctx, "RealtimeKit rejected the API token", "err", err)
		return ErrorView{
			Code: CodeUpstream,
			Message: "RealtimeKit refused the bot's Cloudflare API token: it is invalid, expired, or lacks the Realtime Admin permission. " +
				"Ask whoever runs the bot to fix CLOUDFLARE_API_TOKEN. Nothing was changed.",
		}
	case errors.Is(err, meeting.ErrMeetingNotFound):
		return ErrorView{Code: CodeNotFound, Message: noMeetingMessage(inv.meetingID)}
	case errors.Is(err, meeting.ErrNoActiveSession):
		return ErrorView{Code: CodeNotFound, Message: s.noSessionMessage(ctx, inv)}
	case errors.Is(err, meeting.ErrParticipantNotFound):
		msg := "Someone you named left the meeting"
		switch names := inv.targetNames(); len(names) {
		case 0:
		case 1:
			msg = names[0] + " left the meeting"
		default:
			msg = "At least one of " + joinNames(names) + " left the meeting"
		}
		return ErrorView{Code: CodeNotFound, Message: msg + fmt.Sprintf(
			" before the %s went through. Run /meeting status %s to see who is live, then try again.", inv.verbName(), inv.meetingID)}
	}
	return s.internalError(ctx, inv, err)
}

// internalError logs err under a new reference and says so to the user.
func (s *Service) internalError(ctx context.Context, inv *invocation, err error) ErrorView {
	ref := s.newRef()
	inv.log.ErrorContext(ctx, "command failed", "ref", ref, "err", err)
	msg := fmt.Sprintf("Something went wrong on our side: internal error (ref %s). Nothing was changed.", ref)
	if inv.mutating {
		msg = fmt.Sprintf("Something went wrong on our side: internal error (ref %s). The %s may or may not have happened; check with /meeting status %s.",
			ref, inv.verbName(), inv.meetingID)
	}
	return ErrorView{Code: CodeInternal, Message: msg, Ref: ref}
}

func noMeetingMessage(meetingID string) string {
	return fmt.Sprintf("No meeting with ID %s in this RealtimeKit app. Check the ID: it is the meeting's UUID (or a room name like abcdef-ghijkl).", meetingID)
}

// noSessionMessage says no session is in progress, naming the meeting when a
// cheap lookup can: it also tells an unknown meeting ID from an empty room,
// which RealtimeKit's active-session endpoint answers alike.
func (s *Service) noSessionMessage(ctx context.Context, inv *invocation) string {
	m, err := s.rt.Meeting(ctx, inv.meetingID)
	switch {
	case errors.Is(err, meeting.ErrMeetingNotFound):
		return noMeetingMessage(inv.meetingID)
	case err != nil:
		inv.log.DebugContext(ctx, "meeting lookup for a no-session message failed", "err", err)
		return fmt.Sprintf("No meeting in progress for %s: nobody has joined yet, or the session has ended.", inv.meetingID)
	case m.Title != "":
		return fmt.Sprintf("No meeting in progress in %s (%s): nobody has joined yet, or the session has ended.", quoteWord(m.Title), inv.meetingID)
	default:
		return fmt.Sprintf("No meeting in progress for %s: nobody has joined yet, or the session has ended.", inv.meetingID)
	}
}

// fail turns err into an ephemeral error reply.
func (s *Service) fail(ctx context.Context, inv *invocation, err error) result {
	ev := s.errorView(ctx, inv, err)
	return result{replies: []Reply{{Visibility: Ephemeral, Error: &ev}}, outcome: outcomeOf(ev.Code), err: &ev}
}

// failMutation is fail for an error from a mutating call: the attempt is
// audited with what the requester was told (and the ref, if any).
func (s *Service) failMutation(ctx context.Context, inv *invocation, err error, targets []string) result {
	inv.mutating = true
	res := s.fail(ctx, inv, err)
	s.audit(ctx, inv, OutcomeFailed, targets, res.err.Message, res.err.Ref)
	res.outcome = OutcomeFailed
	// These are the errors errorView words as "may or may not have
	// happened"; the others say that nothing was changed.
	res.uncertain = res.err.Code == CodeTimeout || res.err.Code == CodeInternal
	return res
}

// joinNames lists names as "A, B and C".
func joinNames(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
