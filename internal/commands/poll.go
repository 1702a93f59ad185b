package commands

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/rtkbot/rtkbot/internal/meeting"
)

// Poll limits, checked before any upstream call. Lengths are in characters
// (runes), as people count them.
const (
	minPollOptions    = 2
	maxPollOptions    = 10
	maxQuestionLength = 300
	maxOptionLength   = 100
)

// pollArgs splits the arguments into the question and the options, trimmed.
func pollArgs(inv *invocation) (question string, options []string) {
	if len(inv.args) == 0 {
		return "", nil
	}
	question = strings.TrimSpace(inv.args[0].text)
	for _, a := range inv.args[1:] {
		options = append(options, strings.TrimSpace(a.text))
	}
	return question, options
}

// checkPoll enforces the poll limits, each with its own message.
func checkPoll(inv *invocation) error {
	example := commandName + ` poll ` + sampleMeetingID + ` "Lunch?" "Pizza" "Sushi"`
	if len(inv.args) == 0 {
		return invalidf("A poll needs a question and %d to %d options, each in quotes. Example: %s", minPollOptions, maxPollOptions, example)
	}
	q, opts := pollArgs(inv)
	switch n := utf8.RuneCountInString(q); {
	case n == 0:
		return invalidf("The poll question is empty. Put the question first, in quotes. Example: %s", example)
	case n > maxQuestionLength:
		return invalidf("The poll question is %d characters long; the limit is %d.", n, maxQuestionLength)
	}
	switch {
	case len(opts) < minPollOptions:
		return invalidf("A poll needs at least %d options, and this one has %d. Put the question and each option in its own quotes. Example: %s",
			minPollOptions, len(opts), example)
	case len(opts) > maxPollOptions:
		return invalidf("A poll can have at most %d options, and this one has %d.", maxPollOptions, len(opts))
	}
	first := make(map[string]int, len(opts)) // folded option → its 1-based position
	for i, o := range opts {
		switch n := utf8.RuneCountInString(o); {
		case n == 0:
			return invalidf("Option %d is empty. Every option needs some text.", i+1)
		case n > maxOptionLength:
			return invalidf("Option %d (%s) is %d characters long; the limit is %d.", i+1, quoteWord(snippet(o, 30)), n, maxOptionLength)
		}
		key := strings.ToLower(o)
		if j, dup := first[key]; dup {
			return invalidf("Options %d and %d are the same (%s); each option must be different.", j, i+1, quoteWord(o))
		}
		first[key] = i + 1
	}
	return nil
}

// runPoll creates the poll in the live session and posts its card.
func (s *Service) runPoll(ctx context.Context, inv *invocation) result {
	if _, _, err := s.snapshot(ctx, inv, false); err != nil {
		return s.fail(ctx, inv, err)
	}
	q, opts := pollArgs(inv)
	anonymous, hideVotes := inv.has(flagAnonymous), inv.has(flagHideVotes)
	view := PollView{MeetingID: inv.meetingID, MeetingTitle: inv.meetingTitle, RequesterID: inv.req.UserID}
	if inv.has(flagDryRun) {
		view.DryRun = true
		view.Poll = meeting.Poll{Question: q, Anonymous: anonymous, HideVotes: hideVotes}
		for _, o := range opts {
			view.Poll.Options = append(view.Poll.Options, meeting.PollOption{Text: o})
		}
		return dryRun(Reply{Poll: &view})
	}
	inv.mutating = true
	p, err := s.rt.CreatePoll(ctx, inv.meetingID, q, opts, anonymous, hideVotes)
	if err != nil {
		return s.failMutation(ctx, inv, fmt.Errorf("create a %d-option poll in meeting %s: %w", len(opts), inv.meetingID, err), nil)
	}
	view.Poll = p
	s.audit(ctx, inv, OutcomeOK, nil, fmt.Sprintf("created poll %s: %s (%d options)", p.ID, quoteWord(q), len(opts)), "")
	return reply(InChannel, Reply{Poll: &view})
}
