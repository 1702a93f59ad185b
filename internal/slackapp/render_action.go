package slackapp

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/meeting"
)

// dryRunLabel heads every dry-run answer, so nobody mistakes it for a
// result.
const dryRunLabel = "Dry run — nothing was changed"

// Verbs the renderer words specially; they match the command registry.
const (
	verbMute    = "mute"
	verbMuteAll = "mute-all"
	verbKick    = "kick"
	verbKickAll = "kick-all"
)

// renderAction reports an executed or dry-run mute, mute-all, kick or
// kick-all: "<@U1> muted Bob, Carol in *Title*".
func renderAction(v commands.ActionView) rendered {
	who := mentionUser(v.RequesterID)
	title := boldText(escClip(meetingName(v.MeetingTitle, v.MeetingID), maxTitleWidth, false))
	everyone := countNoun(v.Count, "participant", "participants")

	// The sentence is built around a slot for the list of names, which gets
	// whatever width the rest leaves.
	var before, after string
	switch v.Verb {
	case verbMute:
		before, after = pick(v.DryRun, " would mute ", " muted "), " in "+title+"."
	case verbKick:
		before, after = pick(v.DryRun, " would kick ", " kicked "), " from "+title+"."
	case verbMuteAll:
		before = pick(v.DryRun, " would mute everyone in ", " muted everyone in ") + title + " (" + everyone + ")."
		switch {
		case v.AllowUnmute:
			before += pick(v.DryRun, " They could unmute themselves.", " They can unmute themselves.")
		default:
			before += pick(v.DryRun, " They could not unmute themselves.", " They cannot unmute themselves.")
		}
	case verbKickAll:
		before = pick(v.DryRun, " would kick everyone from ", " kicked everyone from ") + title +
			" (" + everyone + pick(v.DryRun, "), which would end the session.", "), ending the session.")
	default:
		before = pick(v.DryRun, " would run ", " ran ") + codeID(v.Verb) + " in " + title + "."
	}
	before = who + before

	var sentence string
	var blocks []slack.Block
	if v.DryRun {
		blocks = append(blocks, headerBlock(dryRunLabel))
	}
	if v.Verb == verbMute || v.Verb == verbKick {
		sentence = before + affectedList(v.Affected, maxSectionText-textWidth(before)-textWidth(after)) + after
		blocks = append(blocks, mdSection(sentence))
	} else {
		sentence = before
		blocks = append(blocks, mdSection(sentence))
		if len(v.Affected) > 0 {
			label := pick(v.DryRun, "Would affect: ", "Affected: ")
			blocks = append(blocks, plainSection(label+affectedList(v.Affected, maxSectionText-textWidth(label))))
		}
	}
	blocks = append(blocks, contextBlock("Meeting "+codeID(v.MeetingID)))

	text := sentence
	if v.DryRun {
		text = dryRunLabel + ". " + sentence
	}
	return rendered{text: text, blocks: blocks}
}

// affectedList names the participants acted on, inline, within budget.
func affectedList(as []meeting.Affected, budget int) string {
	if len(as) == 0 {
		return "no one"
	}
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = escClip(orDefault(a.Name, orDefault(a.CustomParticipantID, a.ID)), maxNameWidth, false)
	}
	return limitedList(names, ", ", 0, budget, andMore)
}

// renderConfirm asks the requester to confirm a kick or kick-all: who will
// be removed (name and ID), a danger "Kick N" button and "Cancel", both
// carrying the confirmation ID, and when the prompt expires.
func renderConfirm(v commands.ConfirmView) rendered {
	title := boldText(escClip(meetingName(v.MeetingTitle, v.MeetingID), maxTitleWidth, false))

	var question, button, text string
	var blocks []slack.Block
	if v.Verb == verbKickAll {
		everyone := countNoun(v.LiveCount, "live participant", "live participants")
		if v.LiveCount != 1 {
			everyone = "all " + everyone
		}
		question = fmt.Sprintf(":warning: Kick everyone from %s? This ends the session for %s.", title, everyone)
		button = fmt.Sprintf("Kick all %d", v.LiveCount)
		text = "Confirm: kick everyone from " + escClip(meetingName(v.MeetingTitle, v.MeetingID), maxTitleWidth, false) +
			", ending the session for " + everyone + "?"
	} else {
		n := countNoun(len(v.Targets), "participant", "participants")
		question = fmt.Sprintf(":warning: Kick %s from %s? They will be removed from the meeting:", n, title)
		button = fmt.Sprintf("Kick %d", len(v.Targets))
		text = "Confirm: kick " + n + " from " + escClip(meetingName(v.MeetingTitle, v.MeetingID), maxTitleWidth, false) + "?"
	}
	blocks = append(blocks, mdSection(question))
	if len(v.Targets) > 0 {
		blocks = append(blocks, plainSection(targetLines(v.Targets, maxSectionText)))
	}
	blocks = append(blocks,
		slack.NewActionBlock("",
			slack.NewButtonBlockElement(ActionConfirm, v.ID, plainText(button)).WithStyle(slack.StyleDanger),
			slack.NewButtonBlockElement(ActionCancel, v.ID, plainText("Cancel")),
		),
		contextBlock("Only you can confirm this. It expires "+slackDate(v.ExpiresAt, "{time}")+
			". Meeting "+codeID(v.MeetingID)+"."),
	)
	return rendered{ephemeral: true, text: text, blocks: blocks}
}

// targetLines lists participants one a line with their IDs, so the
// requester can check exactly who a name resolved to.
func targetLines(ps []meeting.Participant, budget int) string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		var b strings.Builder
		b.WriteString("• ")
		b.WriteString(escClip(orDefault(p.Name, "(no name)"), maxNameWidth, false))
		b.WriteString(" — ID ")
		b.WriteString(escClip(orDefault(p.ID, "(none)"), maxIDWidth, false))
		if cleanText(p.CustomParticipantID, false) != "" {
			b.WriteString(", custom ID ")
			b.WriteString(escClip(p.CustomParticipantID, maxIDWidth, false))
		}
		lines[i] = b.String()
	}
	return limitedList(lines, "\n", 0, budget, andMoreLines)
}

// pick chooses the dry-run wording or the done wording.
func pick(dryRun bool, ifDry, ifDone string) string {
	if dryRun {
		return ifDry
	}
	return ifDone
}
