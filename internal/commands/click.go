package commands

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Click handles a Confirm or Cancel button on a confirmation prompt. Only the
// requester may answer their prompt; Confirm re-checks that they are still a
// moderator and executes at most once, however many times it is clicked or
// delivered. An empty answer means a duplicate delivery of a click already
// handled (see delivery.go).
//
// A Recovered click goes ahead even if the process that died with it had
// claimed it: the confirmation's own claim is what makes a kick run once.
// If the confirmation is no longer pending, the click says nothing: either
// the dead process handled it (and may have answered), or its kick was
// under way when it died, which RecoverInterrupted reports.
func (s *Service) Click(ctx context.Context, c Click) []Reply {
	start := s.now()
	inv := &invocation{
		req: Request{TeamID: c.TeamID, ChannelID: c.ChannelID, UserID: c.UserID, EnvelopeID: c.EnvelopeID, TriggerID: c.TriggerID},
		log: s.log.With(append(logAttrs(c.TeamID, c.ChannelID, c.UserID), "confirmation_id", c.ConfirmationID)...),
	}
	res := s.click(ctx, inv, c)
	if res.duplicate {
		inv.log.InfoContext(ctx, "ignoring a duplicate delivery of a click", "envelope_id", c.EnvelopeID, "trigger_id", c.TriggerID)
		return nil
	}
	label := "confirm"
	if inv.spec != nil {
		label = inv.spec.Name
	}
	if s.observe != nil {
		s.observe(label, res.outcome, s.now().Sub(start))
	}
	inv.log.DebugContext(ctx, "click handled", "command", label, "outcome", res.outcome)
	return res.replies
}

func (s *Service) click(ctx context.Context, inv *invocation, c Click) result {
	// Every click changes a confirmation's state, so each is claimed
	// before anything else; the confirmation's own Claim below is what
	// keeps two different clicks from both executing it.
	first, err := s.firstDelivery(ctx, c.EnvelopeID, c.TriggerID, true)
	switch {
	case err != nil:
		return s.fail(ctx, inv, err)
	case !first && !c.Recovered:
		return result{duplicate: true}
	}
	conf, err := s.confirms.Get(ctx, c.ConfirmationID)
	if err == nil && c.Recovered && conf.State != StatePending {
		inv.log.InfoContext(ctx, "a recovered click's confirmation was already handled; saying nothing more", "state", conf.State)
		return result{duplicate: true}
	}
	if errors.Is(err, ErrConfirmationNotFound) {
		return replaceWith(s.fail(ctx, inv, &userError{code: CodeExpired,
			msg: "This confirmation is no longer valid (it expired, or the bot restarted since). Run the command again."}))
	}
	if err != nil {
		return s.fail(ctx, inv, &storageError{op: "load confirmation " + c.ConfirmationID, err: err})
	}
	inv.spec = s.byName[conf.Verb]
	if inv.spec == nil {
		return s.fail(ctx, inv, fmt.Errorf("confirmation %s has unknown verb %q", conf.ID, conf.Verb))
	}
	inv.meetingID, inv.meetingTitle, inv.targets = conf.MeetingID, conf.MeetingTitle, conf.Targets
	inv.log = inv.log.With("command", conf.Verb, "meeting_id", conf.MeetingID)

	if c.UserID != conf.RequesterID || c.TeamID != conf.TeamID {
		reason := "Only the person who ran this command can confirm or cancel it."
		s.auditRefusal(ctx, inv, auditTargets(conf.Targets), reason, "someone else's confirmation, asked by "+conf.RequesterID)
		return s.fail(ctx, inv, &userError{code: CodeForbidden, msg: reason})
	}
	if conf.State != StatePending {
		return s.fail(ctx, inv, alreadyHandled(conf))
	}
	if !c.Approve {
		return s.cancel(ctx, inv, conf)
	}
	// Cheap refusals first: an expired prompt needs no directory lookup.
	if !s.now().Before(conf.ExpiresAt) {
		return replaceWith(s.fail(ctx, inv, s.expired(conf)))
	}
	if refused, ok := s.authorize(ctx, inv, &conf); !ok {
		return refused // the prompt stays, in case they are re-authorized
	}
	claimed, err := s.confirms.Claim(ctx, conf.ID, s.now())
	switch {
	case errors.Is(err, ErrAlreadyHandled):
		return s.fail(ctx, inv, alreadyHandled(conf))
	case errors.Is(err, ErrConfirmationExpired), errors.Is(err, ErrConfirmationNotFound):
		return replaceWith(s.fail(ctx, inv, s.expired(conf)))
	case err != nil:
		return s.fail(ctx, inv, &storageError{op: "claim confirmation " + c.ConfirmationID, err: err})
	}
	res := s.execute(ctx, inv, claimed)
	if res.uncertain && errors.Is(ctx.Err(), context.Canceled) {
		// Cut off by the shutdown, so whether the kick happened is
		// unknown and this process will not say: left executing, it is
		// found by crash recovery (RecoverInterrupted), which asks
		// RealtimeKit and tells the requester.
		inv.log.WarnContext(ctx, "a confirmed kick was cut off; leaving it to crash recovery to report", "err", ctx.Err())
		return res
	}
	// Finish must happen even if the click's ctx ended during the kick.
	if err := s.confirms.Finish(context.WithoutCancel(ctx), claimed.ID, res.outcome); err != nil {
		inv.log.ErrorContext(ctx, "could not record the outcome of a confirmation", "err", err)
	}
	return res
}

// cancel withdraws a pending confirmation, replacing the prompt.
func (s *Service) cancel(ctx context.Context, inv *invocation, conf Confirmation) result {
	if _, err := s.confirms.Cancel(ctx, conf.ID); err != nil {
		if errors.Is(err, ErrAlreadyHandled) {
			return s.fail(ctx, inv, alreadyHandled(conf))
		}
		return s.fail(ctx, inv, &storageError{op: "cancel confirmation " + conf.ID, err: err})
	}
	text := fmt.Sprintf("Cancelled: nobody was kicked from %s.", inv.where())
	res := reply(Ephemeral, Reply{ReplaceOriginal: true, Notice: &NoticeView{Text: text}})
	res.outcome = OutcomeCancelled
	return res
}

// execute runs a claimed confirmation: one Kick or KickAll call. The result
// is posted to the channel, the public record, and the prompt is then
// deleted, so the requester sees the result once. A failure replaces the
// prompt instead, for the requester alone.
func (s *Service) execute(ctx context.Context, inv *invocation, conf Confirmation) result {
	view := ActionView{
		Verb:         conf.Verb,
		RequesterID:  conf.RequesterID,
		MeetingID:    conf.MeetingID,
		MeetingTitle: conf.MeetingTitle,
	}
	targets := auditTargets(conf.Targets)
	inv.mutating = true
	switch conf.Verb {
	case "kick":
		affected, err := s.rt.Kick(ctx, conf.MeetingID, participantIDs(conf.Targets))
		if err != nil {
			return replaceWith(s.failMutation(ctx, inv, fmt.Errorf("kick %d participants from meeting %s: %w", len(conf.Targets), conf.MeetingID, err), targets))
		}
		view.Affected = reported(affected, conf.Targets)
		s.audit(ctx, inv, OutcomeOK, targets, fmt.Sprintf("kicked %d participant(s)", len(view.Affected)), "")
	case "kick-all":
		n, err := s.rt.KickAll(ctx, conf.MeetingID)
		if err != nil {
			return replaceWith(s.failMutation(ctx, inv, fmt.Errorf("kick everyone from meeting %s: %w", conf.MeetingID, err), nil))
		}
		view.Count = n
		s.audit(ctx, inv, OutcomeOK, nil, fmt.Sprintf("ended the session: kicked %d participant(s)", n), "")
	default:
		return s.fail(ctx, inv, fmt.Errorf("confirmation %s: verb %q cannot be confirmed", conf.ID, conf.Verb))
	}
	return result{
		replies: []Reply{
			{Visibility: InChannel, Action: &view},
			{Visibility: Ephemeral, DeleteOriginal: true},
		},
		outcome: OutcomeOK,
	}
}

func (s *Service) expired(conf Confirmation) error {
	return &userError{code: CodeExpired, msg: fmt.Sprintf(
		"This confirmation expired (they last %s), so nothing was done. Run %s %s again.",
		humanDuration(s.confirmTTL), commandName, conf.Verb)}
}

func alreadyHandled(conf Confirmation) error {
	what := "handled"
	switch conf.State {
	case StateExecuting, StateDone:
		what = "confirmed"
	case StateCancelled:
		what = "cancelled"
	}
	return &userError{code: CodeConflict, msg: fmt.Sprintf("This confirmation was already %s; nothing more was done.", what)}
}

// replaceWith makes an error reply replace the prompt it answers, which can
// no longer be used.
func replaceWith(res result) result {
	for i := range res.replies {
		res.replies[i].ReplaceOriginal = true
	}
	return res
}

// humanDuration writes d as people say it: "10 minutes", "90 seconds".
func humanDuration(d time.Duration) string {
	unit := func(n int64, name string) string {
		if n == 1 {
			return "1 " + name
		}
		return fmt.Sprintf("%d %ss", n, name)
	}
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour")
	case d >= time.Minute && d%time.Minute == 0:
		return unit(int64(d/time.Minute), "minute")
	}
	return unit(int64(d.Round(time.Second)/time.Second), "second")
}
