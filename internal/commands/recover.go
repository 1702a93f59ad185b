package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/rtkbot/rtkbot/internal/meeting"
)

// Notification is a message the bot sends on its own initiative, not as
// the answer to a command: Reply, for UserID alone, in the channel. The app
// posts it as an ephemeral message (chat.postEphemeral).
type Notification struct {
	TeamID    string
	ChannelID string
	UserID    string
	Reply     Reply
}

// recoverCheckTimeout bounds the RealtimeKit read that tells what became of
// an interrupted kick.
const recoverCheckTimeout = 10 * time.Second

// RecoverInterrupted tells the requester of each confirmation in stuck what
// became of it, and audits it as failed ("interrupted by restart"), under a
// reference that is also logged and shown (the Reply is an internal error
// carrying it).
//
// stuck are confirmations a process claimed (a Confirm click) but never
// finished: it died between the click and recording the outcome, so the bot
// itself does not know whether the kick was sent. RealtimeKit does, mostly:
// a target still in the meeting since before the click was not kicked, and
// one no longer in it is gone, by the kick or on their own. So each
// confirmation's meeting is read (LiveParticipants) and the requester is
// told which; only when that read fails, or someone rejoined after the click,
// is the answer "may or may not have happened". The kick is never sent
// again: minutes may have passed since the click.
//
// Exactly one replica must report each: the caller lists them from the
// store (older than any execution can take), moves each out of the
// executing state with Finish(id, OutcomeFailed), and passes here only those
// whose Finish succeeded. RecoverInterrupted makes no change upstream and
// does not touch the confirmation store.
func (s *Service) RecoverInterrupted(ctx context.Context, stuck []Confirmation) []Notification {
	out := make([]Notification, 0, len(stuck))
	for _, c := range stuck {
		ref := s.newRef()
		inv := &invocation{
			req:          Request{TeamID: c.TeamID, ChannelID: c.ChannelID, UserID: c.RequesterID},
			spec:         s.byName[c.Verb],
			meetingID:    c.MeetingID,
			meetingTitle: c.MeetingTitle,
			targets:      c.Targets,
		}
		if inv.spec == nil {
			// Not a verb this version knows; name it as stored.
			inv.spec = &verbSpec{Name: c.Verb}
		}
		v := s.checkInterrupted(ctx, c)
		what := c.Verb
		switch {
		case c.Verb == "kick" && len(c.Targets) > 0:
			what = "kick of " + joinNames(listNames(c.Targets))
		case c.Verb == "kick-all":
			what = "kick-all (ending the session for everyone)"
		}
		log := s.log.With(append(logAttrs(c.TeamID, c.ChannelID, c.RequesterID),
			slog.String("meeting_id", c.MeetingID), slog.String("command", c.Verb), slog.String("ref", ref))...)
		log.WarnContext(ctx, "a confirmed action was interrupted by a restart; telling its requester",
			"confirmation_id", c.ID, "targets", auditTargets(c.Targets), "found", v.detail, "check_err", v.err)
		msg := fmt.Sprintf("Your %s in %s was interrupted by a restart of the bot. %s", what, inv.where(), v.message)
		if v.checkAgain {
			msg += fmt.Sprintf(" Check with %s status %s and run it again if needed.", commandName, c.MeetingID)
		}
		s.audit(ctx, inv, OutcomeFailed, auditTargets(c.Targets), "interrupted by restart; "+v.detail, ref)
		out = append(out, Notification{
			TeamID:    c.TeamID,
			ChannelID: c.ChannelID,
			UserID:    c.RequesterID,
			Reply:     Reply{Visibility: Ephemeral, Error: &ErrorView{Code: CodeInternal, Message: msg, Ref: ref}},
		})
	}
	return out
}

// plural picks the word for n things.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// countNoun is "1 participant", "3 participants".
func countNoun(n int, one, many string) string { return fmt.Sprintf("%d %s", n, plural(n, one, many)) }

// verdict is what RealtimeKit shows of an interrupted kick: a sentence for
// the requester, a shorter one for the audit log, and whether the
// requester must check for themselves.
type verdict struct {
	message    string
	detail     string
	checkAgain bool
	err        error // the read failed
}

// checkInterrupted reads the meeting's live participants to tell what
// became of c. A participant counts as "still there" only if they joined
// before c was claimed: one who joined later may have been kicked and come
// back.
func (s *Service) checkInterrupted(ctx context.Context, c Confirmation) verdict {
	unknown := func(err error) verdict {
		return verdict{message: "It may or may not have happened.", detail: "RealtimeKit could not be checked",
			checkAgain: true, err: err}
	}
	if c.Verb != "kick" && c.Verb != "kick-all" {
		return unknown(nil)
	}
	cctx, cancel := context.WithTimeout(ctx, recoverCheckTimeout)
	defer cancel()
	live, err := s.rt.LiveParticipants(cctx, c.MeetingID)
	ended := errors.Is(err, meeting.ErrNoActiveSession)
	if err != nil && !ended {
		return unknown(err)
	}
	before := func(p meeting.Participant) bool {
		return !c.ClaimedAt.IsZero() && !p.JoinedAt.IsZero() && !p.JoinedAt.After(c.ClaimedAt)
	}

	if c.Verb == "kick-all" {
		if ended || len(live) == 0 {
			return verdict{message: "The session has ended since, so it took effect (or everyone left on their own).",
				detail: "the session has ended"}
		}
		stayed := 0
		for _, p := range live {
			if before(p) {
				stayed++
			}
		}
		if stayed > 0 {
			return verdict{
				message: fmt.Sprintf("It did not happen: %s who %s in the meeting when you confirmed %s still in it, so nobody was kicked. Run it again if needed.",
					countNoun(stayed, "participant", "participants"), plural(stayed, "was", "were"), plural(stayed, "is", "are")),
				detail: "not executed: " + countNoun(stayed, "participant", "participants") + " still in the meeting"}
		}
		return verdict{message: "The session is running with people who joined after you confirmed, so the bot cannot tell whether it happened.",
			detail: "everyone live joined after the click", checkAgain: true}
	}

	var stayed, gone, rejoined []meeting.Participant
	for _, t := range c.Targets {
		i := slices.IndexFunc(live, func(p meeting.Participant) bool { return p.ID == t.ID })
		switch {
		case i < 0:
			gone = append(gone, t)
		case before(live[i]):
			stayed = append(stayed, t)
		default:
			rejoined = append(rejoined, t)
		}
	}
	switch {
	case len(stayed) == len(c.Targets):
		return verdict{
			message: fmt.Sprintf("It did not happen: %s %s still in the meeting, so nobody was kicked. Run the kick again if needed.",
				joinNames(listNames(stayed)), plural(len(stayed), "is", "are")),
			detail: "not executed: targets still in the meeting"}
	case len(gone) == len(c.Targets):
		return verdict{
			message: fmt.Sprintf("RealtimeKit no longer shows %s in the meeting, so the kick took effect (or they left on their own).",
				joinNames(listNames(gone))),
			detail: "targets no longer in the meeting"}
	}
	// Names never start a sentence: they are shown as their owners wrote them.
	var parts, details []string
	if len(stayed) > 0 {
		parts = append(parts, "Still in the meeting, so not kicked: "+joinNames(listNames(stayed))+".")
		details = append(details, "still in the meeting: "+strings.Join(auditTargets(stayed), ", "))
	}
	if len(gone) > 0 {
		parts = append(parts, "No longer in the meeting: "+joinNames(listNames(gone))+".")
		details = append(details, "no longer in the meeting: "+strings.Join(auditTargets(gone), ", "))
	}
	if len(rejoined) > 0 {
		parts = append(parts, "Back in the meeting since you confirmed, so the bot cannot tell whether the kick reached them: "+
			joinNames(listNames(rejoined))+".")
		details = append(details, "joined after the click: "+strings.Join(auditTargets(rejoined), ", "))
	}
	return verdict{message: strings.Join(parts, " "), detail: strings.Join(details, "; "), checkAgain: true}
}

// interrupted answers a recovered command whose delivery the process that
// died with it had claimed. If that process finished it, the requester is
// told how it ended (finished); otherwise it may have made the change
// before dying, so the change is not made again. The meeting is named if
// the command named it or the channel is linked; nothing upstream is asked.
func (s *Service) interrupted(ctx context.Context, inv *invocation, cmd command) result {
	inv.spec = s.byName[cmd.verb]
	inv.args = cmd.args
	if r, ok := s.finishedBefore(ctx, inv); ok {
		return finished(inv, r)
	}
	explicit, _ := takeMeetingID(cmd.args)
	inv.meetingID = explicit
	if explicit == "" {
		if linked, err := s.channelMeeting(ctx, inv); err == nil {
			inv.meetingID = linked
		}
	}
	ref := s.newRef()
	inv.log.WarnContext(ctx, "a command was interrupted by a restart after its delivery was claimed; telling its requester",
		"meeting_id", inv.meetingID, "ref", ref, "envelope_id", inv.req.EnvelopeID)
	s.audit(ctx, inv, OutcomeFailed, typedTargets(inv), "interrupted by restart", ref)
	check := commandName + " status"
	if inv.meetingID != "" {
		check += " " + inv.meetingID
	}
	msg := fmt.Sprintf("Your %s %s was interrupted by a restart of the bot before it answered, so it may or may not have taken effect. "+
		"Check with %s and run it again if needed.", commandName, inv.spec.Name, check)
	return result{
		replies: []Reply{{Visibility: Ephemeral, Error: &ErrorView{Code: CodeInternal, Message: msg, Ref: ref}}},
		outcome: OutcomeFailed,
	}
}

// finished answers a recovered command that the process which died with it
// had run to its end (and audited, if it was to be): the requester is told
// how it ended, which they may not have seen, and nothing is run or
// audited again.
func finished(inv *invocation, r DeliveryResult) result {
	what := commandName + " " + inv.spec.Name
	const when = "just before a restart of the bot"
	notice := func(text string) result {
		return result{replies: []Reply{{Visibility: Ephemeral, Notice: &NoticeView{Text: text}}}, outcome: r.Outcome}
	}
	switch r.Outcome {
	case OutcomeOK:
		return notice(fmt.Sprintf("Your %s was carried out %s; %s audit shows what it did.", what, when, commandName))
	case OutcomePending:
		return notice(fmt.Sprintf("Your %s asked for your confirmation %s, and nothing has been done yet. "+
			"If you do not see its Confirm button, run it again.", what, when))
	}
	var told string
	switch r.Outcome {
	case OutcomeRefused:
		told = "was refused"
	case OutcomeInvalid:
		told = "was not carried out"
	default:
		told = "failed"
	}
	msg := fmt.Sprintf("Your %s %s %s.", what, told, when)
	if r.Message != "" {
		msg = fmt.Sprintf("Your %s %s %s: %s", what, told, when, r.Message)
	}
	code := r.Code
	if code == "" {
		code = CodeInternal
	}
	return result{
		replies: []Reply{{Visibility: Ephemeral, Error: &ErrorView{Code: code, Message: msg}}},
		outcome: r.Outcome,
	}
}

// finishedBefore returns how the process that died with inv's delivery had
// ended it, if it had run it to its end with a known outcome: it may even
// have answered. A failed lookup counts as not finished, the careful
// answer.
func (s *Service) finishedBefore(ctx context.Context, inv *invocation) (DeliveryResult, bool) {
	if s.deliveries == nil || inv.req.EnvelopeID == "" {
		return DeliveryResult{}, false
	}
	r, done, err := s.deliveries.FinishedDelivery(ctx, deliveryKeys(inv.req.EnvelopeID, "")[0])
	if err != nil {
		inv.log.WarnContext(ctx, "cannot tell whether a recovered command had finished; reporting it as interrupted", "err", err)
		return DeliveryResult{}, false
	}
	if done {
		inv.log.InfoContext(ctx, "a recovered command had finished before its process died; telling its requester how it ended",
			"envelope_id", inv.req.EnvelopeID, "outcome", r.Outcome)
	}
	return r, done
}

// listNames names up to maxListed participants, then "N more".
func listNames(ps []meeting.Participant) []string {
	n := min(len(ps), maxListed)
	names := make([]string, 0, n+1)
	for _, p := range ps[:n] {
		names = append(names, displayName(p))
	}
	if len(ps) > n {
		names = append(names, fmt.Sprintf("%d more", len(ps)-n))
	}
	return names
}
