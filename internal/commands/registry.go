package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Flags. Which verb accepts which is in the registry.
const (
	flagDryRun      = "--dry-run"
	flagAllowUnmute = "--allow-unmute"
	flagAnonymous   = "--anonymous"
	flagHideVotes   = "--hide-votes"
	flagRefusals    = "--refusals"
	// flagHelp is accepted by every verb and shows its help instead of
	// running it; it is not listed in usage lines.
	flagHelp = "--help"
)

// sampleMeetingID is the meeting ID used in examples.
const sampleMeetingID = "8f1c2a3e-5b6d-4e7f-9a0b-1c2d3e4f5a6b"

// verbSpec is one row of the registry: everything the service needs to
// document, check, authorize and run a verb.
type verbSpec struct {
	Name     string
	Usage    string // after "/meeting"
	Summary  string
	Examples []string
	// Moderator: only moderators may run it.
	Moderator bool
	// AnyoneWithoutArgs: with no arguments it only shows something, which
	// anyone may see; Moderator applies when it has arguments.
	AnyoneWithoutArgs bool
	// Destructive: it asks the requester to confirm before acting.
	Destructive bool
	// Mutating: it changes something (in the meeting, or the bot's stored
	// state, or it stores a confirmation), unless it is a dry run, so a
	// duplicate delivery must not run it again.
	Mutating bool
	// Meeting: it acts on a meeting, named by the first argument.
	Meeting bool
	// Targets: its arguments name participants (<who>…).
	Targets bool
	// Flags it accepts.
	Flags []string
	// MinArgs and MaxArgs bound the arguments after the meeting ID; MaxArgs
	// -1 is no limit. Missing is the message when there are too few.
	MinArgs, MaxArgs int
	Missing          string
	// Check validates the arguments without I/O, before authorization.
	Check func(inv *invocation) error
	run   func(s *Service, ctx context.Context, inv *invocation) result
}

// registry lists every verb, in the order help shows them. It is a function
// rather than a package variable because handlers refer back to the
// service's copy of it (help), which a variable initializer cannot.
func registry() []*verbSpec {
	const who = "Name them with a @mention, a participant ID or their name in the meeting (quote names with spaces)."
	return []*verbSpec{
		{
			Name:     "help",
			Usage:    "help [verb]",
			Summary:  "Show what each verb does, or the details of one.",
			Examples: []string{commandName + " help", commandName + " help kick"},
			MaxArgs:  1,
			run:      (*Service).runHelp,
		},
		{
			Name:     "status",
			Usage:    "status [meeting]",
			Summary:  "Post the meeting's status to the channel: live or ended, who is in, since when, minutes used.",
			Examples: []string{commandName + " status " + sampleMeetingID},
			Meeting:  true,
			run:      (*Service).runStatus,
		},
		{
			Name:      "mute",
			Usage:     "mute [meeting] <who>… [--dry-run]",
			Summary:   "Mute one or more participants.",
			Examples:  []string{commandName + " mute " + sampleMeetingID + ` @bob "Carol Jones"`, commandName + " mute " + sampleMeetingID + " carol --dry-run"},
			Moderator: true,
			Mutating:  true,
			Meeting:   true,
			Targets:   true,
			Flags:     []string{flagDryRun},
			MinArgs:   1, MaxArgs: -1,
			Missing: "Who should I mute? " + who,
			run:     (*Service).runMute,
		},
		{
			Name:      "mute-all",
			Usage:     "mute-all [meeting] [--allow-unmute] [--dry-run]",
			Summary:   "Mute everyone in the meeting. Without --allow-unmute, participants cannot unmute themselves.",
			Examples:  []string{commandName + " mute-all " + sampleMeetingID, commandName + " mute-all " + sampleMeetingID + " --allow-unmute"},
			Moderator: true,
			Mutating:  true,
			Meeting:   true,
			Flags:     []string{flagAllowUnmute, flagDryRun},
			run:       (*Service).runMuteAll,
		},
		{
			Name:        "kick",
			Usage:       "kick [meeting] <who>… [--dry-run]",
			Summary:     "Remove one or more participants from the meeting, after you confirm.",
			Examples:    []string{commandName + " kick " + sampleMeetingID + ` @bob "Carol Jones"`, commandName + " kick " + sampleMeetingID + " bob --dry-run"},
			Moderator:   true,
			Destructive: true,
			Mutating:    true,
			Meeting:     true,
			Targets:     true,
			Flags:       []string{flagDryRun},
			MinArgs:     1, MaxArgs: -1,
			Missing: "Who should I kick? " + who,
			run:     (*Service).runKick,
		},
		{
			Name:        "kick-all",
			Usage:       "kick-all [meeting] [--dry-run]",
			Summary:     "End the session for everyone in the meeting, after you confirm.",
			Examples:    []string{commandName + " kick-all " + sampleMeetingID},
			Moderator:   true,
			Destructive: true,
			Mutating:    true,
			Meeting:     true,
			Flags:       []string{flagDryRun},
			run:         (*Service).runKickAll,
		},
		{
			Name:  "poll",
			Usage: `poll [meeting] "question" "option" "option"… [--anonymous] [--hide-votes] [--dry-run]`,
			Summary: fmt.Sprintf("Start a poll in the meeting (%d to %d options); votes are cast in the meeting.",
				minPollOptions, maxPollOptions),
			Examples: []string{
				commandName + " poll " + sampleMeetingID + ` "Lunch?" "Pizza" "Sushi" "Tacos"`,
				commandName + " poll " + sampleMeetingID + ` "Ship on Friday?" "Yes" "No" --anonymous --hide-votes`,
			},
			Moderator: true,
			Mutating:  true,
			Meeting:   true,
			Flags:     []string{flagAnonymous, flagHideVotes, flagDryRun},
			MaxArgs:   -1,
			Check:     checkPoll,
			run:       (*Service).runPoll,
		},
		{
			Name:  "link",
			Usage: "link [meeting]",
			Summary: "Link this channel to a meeting, so that commands here can leave its ID out. " +
				"Without a meeting ID, show the channel's link; anyone may do that.",
			Examples:          []string{commandName + " link " + sampleMeetingID, commandName + " link"},
			Moderator:         true,
			AnyoneWithoutArgs: true,
			Mutating:          true,
			MaxArgs:           1,
			Check:             checkLink,
			run:               (*Service).runLink,
		},
		{
			Name:      "unlink",
			Usage:     "unlink",
			Summary:   "Remove this channel's link to its meeting; commands here then need a meeting ID again.",
			Examples:  []string{commandName + " unlink"},
			Moderator: true,
			Mutating:  true,
			run:       (*Service).runUnlink,
		},
		{
			Name:  "audit",
			Usage: "audit [meeting] [n] [--refusals]",
			Summary: fmt.Sprintf("Show you the meeting's last n moderation actions (default %d, at most %d): who, what, when, and how it ended. "+
				"With --refusals, commands refused to non-moderators too (at most one a minute per person and command is kept; the rest are counted).",
				defaultAuditEntries, maxAuditEntries),
			Examples: []string{commandName + " audit " + sampleMeetingID, commandName + " audit " + sampleMeetingID + " 25",
				commandName + " audit " + sampleMeetingID + " 50 --refusals"},
			Moderator: true,
			Meeting:   true,
			Flags:     []string{flagRefusals},
			MaxArgs:   1,
			Check:     checkAudit,
			run:       (*Service).runAudit,
		},
	}
}

// help is the entry as shown to users.
func (v *verbSpec) help() VerbHelp {
	return VerbHelp{
		Name:        v.Name,
		Usage:       v.Usage,
		Summary:     v.Summary,
		Examples:    slices.Clone(v.Examples),
		Moderator:   v.Moderator,
		Destructive: v.Destructive,
	}
}

// needsModerator reports whether this invocation is for moderators only.
func (v *verbSpec) needsModerator(inv *invocation) bool {
	return v.Moderator && !(v.AnyoneWithoutArgs && len(inv.args) == 0)
}

// checkFlags refuses flags the verb does not take, naming them, suggesting
// the closest accepted one, and listing what it accepts.
func (v *verbSpec) checkFlags(flags []string) error {
	var unknown []string
	for _, f := range flags {
		if f != flagHelp && !slices.Contains(v.Flags, f) {
			unknown = append(unknown, f)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	var b strings.Builder
	if len(unknown) == 1 {
		fmt.Fprintf(&b, "Unknown flag %s for %s.", unknown[0], v.Name)
		if s := closest(unknown[0], v.Flags); s != "" {
			fmt.Fprintf(&b, " Did you mean %s?", s)
		}
	} else {
		fmt.Fprintf(&b, "Unknown flags %s for %s.", strings.Join(unknown, ", "), v.Name)
	}
	if len(v.Flags) == 0 {
		fmt.Fprintf(&b, " %s takes no flags.", v.Name)
	} else {
		fmt.Fprintf(&b, " %s accepts %s.", v.Name, joinNames(v.Flags))
	}
	fmt.Fprintf(&b, " Usage: %s %s", commandName, v.Usage)
	return invalidf("%s", b.String())
}

// checkArgs checks the number of arguments after the meeting ID, then the
// verb's own Check.
func (v *verbSpec) checkArgs(inv *invocation) error {
	n := len(inv.args)
	switch {
	case n < v.MinArgs:
		return invalidf("%s Example: %s", v.Missing, v.Examples[0])
	case v.MaxArgs >= 0 && n > v.MaxArgs:
		extra := make([]string, 0, n-v.MaxArgs)
		for _, a := range inv.args[v.MaxArgs:] {
			extra = append(extra, quoteWord(a.text))
		}
		what := "arguments"
		if v.MaxArgs == 1 {
			what = "argument"
		}
		if v.Meeting {
			what += " after the meeting ID"
		}
		if v.MaxArgs == 0 {
			return invalidf("%s takes no %s, but got %s. Usage: %s %s", v.Name, what, joinNames(extra), commandName, v.Usage)
		}
		return invalidf("%s takes at most %d %s, but got %s too. Usage: %s %s", v.Name, v.MaxArgs, what, joinNames(extra), commandName, v.Usage)
	}
	if v.Check != nil {
		return v.Check(inv)
	}
	return nil
}
