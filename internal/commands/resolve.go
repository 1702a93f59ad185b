package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rtkbot/rtkbot/internal/meeting"
)

// maxListed is how many participants an error lists before "and N more".
const maxListed = 10

// targetsOf opens the verbs that act on named people (kick, mute): it takes
// the meeting's snapshot, resolves the command's arguments against the
// people live in it and records them as inv's targets. It returns the
// targets and everyone live; an error is the refusal to answer with
// (s.fail), from the snapshot or from resolving.
func (s *Service) targetsOf(ctx context.Context, inv *invocation) (targets, live []meeting.Participant, err error) {
	_, live, err = s.snapshot(ctx, inv, true)
	if err != nil {
		return nil, nil, err
	}
	targets, err = s.resolve(ctx, live, inv.where(), inv.args)
	if err != nil {
		return nil, nil, err
	}
	inv.targets = targets
	return targets, live, nil
}

// resolve turns <who> arguments into the live participants they name, in
// argument order, each once however many arguments name them.
//
// A typed word (a participant ID, custom participant ID or name) is matched
// against the people live in the session, stopping at the first rule that
// matches:
//
//  1. exactly a participant ID (case-insensitive, as IDs are UUIDs);
//  2. exactly a custom participant ID;
//  3. a display name, case-insensitively ("bob smith" finds "Bob Smith");
//  4. the start of exactly one display name ("bo" finds "Bob Smith" if no
//     other live name starts with "bo").
//
// A typed "@carol" that Slack did not turn into a mention (no such Slack
// user) is tried as "carol" if it matches nothing as typed.
//
// A Slack mention (@someone, which Slack sends as <@U123>) names a Slack
// user, not a participant, so it is matched by what the two can share,
// stopping at the first rule that matches:
//
//  1. the participant whose custom participant ID is the Slack user ID
//     (U123) — what you get when whatever adds people to the meeting uses
//     their Slack ID as custom_participant_id;
//  2. otherwise the bot looks the user up in Slack (users.info): the
//     participant whose custom participant ID or name is the user's email
//     address (case-insensitive; needs the users:read.email scope);
//  3. then the one whose custom participant ID or name is the user's Slack
//     display name (case-insensitive);
//  4. then the one whose custom participant ID or name is the user's full
//     (real) name (case-insensitive).
//
// Mentions never match by prefix. When the first matching rule finds several
// people, nothing is done and the error lists them with their participant
// IDs, so the command can be repeated with an ID. When nothing matches, the
// error lists who is live (the first ten).
func (s *Service) resolve(ctx context.Context, live []meeting.Participant, where string, args []arg) ([]meeting.Participant, error) {
	if len(live) == 0 {
		return nil, notFoundf("Nobody is live in %s right now, so there is no one to act on.", where)
	}
	var out []meeting.Participant
	seen := make(map[string]bool, len(args))
	for _, a := range args {
		var (
			p   meeting.Participant
			err error
		)
		if a.userID != "" {
			p, err = s.resolveMention(ctx, live, where, a)
		} else {
			p, err = resolveText(ctx, live, where, a.text)
		}
		if err != nil {
			var stopped *matchStopped
			if errors.As(err, &stopped) {
				err = matchTimeout(stopped.err, len(args), len(live), where)
			}
			return nil, err
		}
		if !seen[p.ID] {
			seen[p.ID] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// matchTimeout is the answer when the command's deadline passes while
// names are matched: many names against a crowded meeting.
func matchTimeout(ctxErr error, names, live int, where string) error {
	if !errors.Is(ctxErr, context.DeadlineExceeded) {
		return &userError{code: CodeTimeout, cause: ctxErr,
			msg: "The bot was interrupted (it may be restarting) while matching names; nothing was changed. Try again in a moment."}
	}
	return &userError{code: CodeTimeout, cause: ctxErr, msg: fmt.Sprintf(
		"Matching %s against the %s live in %s took longer than the command may run; nothing was changed. "+
			"Name fewer people at once, or use participant IDs.",
		countOf(names, "name", "names"), countOf(live, "person", "people"), where)}
}

// countOf writes a count with its noun: "1 name", "3 names".
func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}

// checkEvery is how many participants filter compares between looks at the
// command's deadline.
const checkEvery = 256

// resolveText applies the rules for a typed word.
func resolveText(ctx context.Context, live []meeting.Participant, where, text string) (meeting.Participant, error) {
	t := strings.TrimSpace(text)
	if t == "" {
		return meeting.Participant{}, invalidf("An empty name (\"\") matches no one. Name a participant by @mention, participant ID or name.")
	}
	rules := []func(p meeting.Participant) bool{
		func(p meeting.Participant) bool { return strings.EqualFold(p.ID, t) },
		func(p meeting.Participant) bool { return p.CustomParticipantID != "" && p.CustomParticipantID == t },
		func(p meeting.Participant) bool { return strings.EqualFold(p.Name, t) },
		func(p meeting.Participant) bool { return hasFoldPrefix(p.Name, t) },
	}
	for _, rule := range rules {
		m, err := filter(ctx, live, rule)
		if err != nil {
			return meeting.Participant{}, err
		}
		if len(m) > 0 {
			return one(m, where, quoteWord(t))
		}
	}
	// "@bob" typed as plain text (Slack turns only known users into mentions).
	if rest, ok := strings.CutPrefix(t, "@"); ok && rest != "" {
		p, err := resolveText(ctx, live, where, rest)
		if err == nil || ctx.Err() != nil {
			return p, err
		}
	}
	return meeting.Participant{}, notFoundf("No one in %s matches %s. %s", where, quoteWord(t), liveList(live))
}

// resolveMention applies the rules for a Slack mention.
func (s *Service) resolveMention(ctx context.Context, live []meeting.Participant, where string, a arg) (meeting.Participant, error) {
	m, err := filter(ctx, live, func(p meeting.Participant) bool { return p.CustomParticipantID == a.userID })
	if err != nil {
		return meeting.Participant{}, err
	}
	if len(m) > 0 {
		return one(m, where, a.text)
	}
	u, err := s.dir.User(ctx, a.userID)
	if err != nil {
		return meeting.Participant{}, fmt.Errorf("look up mentioned Slack user %s: %w", a.userID, err)
	}
	var tried []string
	tried = append(tried, "custom ID "+a.userID)
	keys := []struct{ key, shown string }{
		// The email is matched but never shown: the requester may be in a
		// workspace that hides members' email addresses.
		{u.Email, "their email address"},
		{u.DisplayName, ""},
		{u.RealName, ""},
	}
	for _, k := range keys {
		key := strings.TrimSpace(k.key)
		if key == "" {
			continue
		}
		if k.shown == "" {
			k.shown = quoteWord(key)
		}
		tried = append(tried, k.shown)
		m, err := filter(ctx, live, func(p meeting.Participant) bool {
			return strings.EqualFold(p.CustomParticipantID, key) || strings.EqualFold(p.Name, key)
		})
		if err != nil {
			return meeting.Participant{}, err
		}
		if len(m) > 0 {
			return one(m, where, a.text)
		}
	}
	return meeting.Participant{}, notFoundf("No one in %s matches %s (I looked for %s). %s",
		where, a.text, strings.Join(tried, ", "), liveList(live))
}

// one returns the single match, or an ambiguity error listing them all.
func one(m []meeting.Participant, where, typed string) (meeting.Participant, error) {
	if len(m) == 1 {
		return m[0], nil
	}
	return meeting.Participant{}, &userError{code: CodeAmbiguous, msg: fmt.Sprintf(
		"%s matches %d people in %s: %s. Use a participant ID (or the full name in quotes) to pick one.",
		typed, len(m), where, listParticipants(m))}
}

// matchStopped is filter giving up because ctx ended.
type matchStopped struct{ err error }

func (e *matchStopped) Error() string { return "match names: " + e.err.Error() }
func (e *matchStopped) Unwrap() error { return e.err }

// filter returns the participants keep accepts. It gives up with a
// *matchStopped once ctx ends (the command's deadline): a crowded meeting
// times thousands of names is seconds of work.
func filter(ctx context.Context, ps []meeting.Participant, keep func(meeting.Participant) bool) ([]meeting.Participant, error) {
	var out []meeting.Participant
	for i, p := range ps {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, &matchStopped{err: err}
			}
		}
		if keep(p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// hasFoldPrefix reports whether s starts with prefix, ignoring case.
func hasFoldPrefix(s, prefix string) bool {
	return prefix != "" && strings.HasPrefix(strings.ToLower(s), strings.ToLower(prefix))
}

// liveList says who is live, for "no match" errors.
func liveList(live []meeting.Participant) string {
	return fmt.Sprintf("Live now (%d): %s.", len(live), listParticipants(live))
}

// listParticipants lists up to maxListed people as "Name (ID)", then
// "and N more".
func listParticipants(ps []meeting.Participant) string {
	n := min(len(ps), maxListed)
	items := make([]string, 0, n+1)
	for _, p := range ps[:n] {
		items = append(items, nameWithID(p))
	}
	if len(ps) > n {
		items = append(items, fmt.Sprintf("%d more", len(ps)-n))
	}
	return joinNames(items)
}

// displayName is how a participant is called in messages.
func displayName(p meeting.Participant) string {
	switch {
	case p.Name != "":
		return p.Name
	case p.CustomParticipantID != "":
		return p.CustomParticipantID
	}
	return p.ID
}

func nameWithID(p meeting.Participant) string {
	return displayName(p) + " (" + p.ID + ")"
}

// auditTargets describes participants for the audit trail.
func auditTargets(ps []meeting.Participant) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = nameWithID(p)
	}
	return out
}

// meetingLabel names a meeting in messages: its title in quotes, else its ID.
func meetingLabel(title, id string) string {
	switch {
	case title != "":
		return quoteWord(title)
	case id != "":
		return "meeting " + id
	}
	return "the meeting"
}
