package slackapp

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/rtkbot/rtkbot/internal/commands"
)

// renderLink renders a channel link being made, removed or shown.
func renderLink(v commands.LinkView) rendered {
	title := boldText(escClip(meetingName(v.MeetingTitle, v.MeetingID), maxTitleWidth, false))
	id := codeID(v.MeetingID)
	who := mentionUser(v.RequesterID)
	var line string
	switch v.Action {
	case commands.LinkLinked:
		line = fmt.Sprintf(":link: %s linked this channel to %s (%s). Every /meeting command here now uses it; /meeting unlink undoes this.", who, title, id)
	case commands.LinkUnlinked:
		line = fmt.Sprintf(":broken_chain: %s unlinked this channel from %s (%s). Commands here need a meeting ID again.", who, title, id)
	default:
		line = fmt.Sprintf(":link: This channel is linked to %s (%s)", title, id)
		if by := mentionUser(v.LinkedBy); by != "" {
			line += " by " + by
		}
		if !v.LinkedAt.IsZero() {
			line += " since " + slackDate(v.LinkedAt, dateTimeFormat)
		}
		line += "."
	}
	return rendered{
		ephemeral: v.Action != commands.LinkLinked && v.Action != commands.LinkUnlinked,
		text:      line,
		blocks:    []slack.Block{mdSection(line)},
	}
}

// maxAuditLines bounds the entries one audit answer lists, leaving room in
// its 50 blocks for the heading and the "and N more" line.
const maxAuditLines = maxBlocks - 3

// renderAudit renders the audit log of a meeting, newest first, one
// section per entry so that no entry's text can push another out.
func renderAudit(v commands.AuditView) rendered {
	title := boldText(escClip(meetingName(v.MeetingTitle, v.MeetingID), maxTitleWidth, false))
	head := fmt.Sprintf(":ledger: Audit log of %s (%s): the last %s, newest first.",
		title, codeID(v.MeetingID), countNoun(len(v.Entries), "entry", "entries"))
	if len(v.Entries) == 0 {
		head = fmt.Sprintf(":ledger: Nothing in the audit log of %s (%s) yet.", title, codeID(v.MeetingID))
	}
	blocks := []slack.Block{mdSection(head)}
	for i, e := range v.Entries {
		if i == maxAuditLines {
			blocks = append(blocks, contextBlock(fmt.Sprintf("…and %d more not shown.", len(v.Entries)-i)))
			break
		}
		blocks = append(blocks, mdSection(auditLine(e)))
	}
	return rendered{ephemeral: true, text: head, blocks: blocks}
}

// auditLine is one entry: when, who, what, on whom, how it ended.
func auditLine(e commands.AuditEntry) string {
	emoji, ok := outcomeEmoji[e.Outcome]
	if !ok {
		emoji = ":grey_question:"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s ran %s: %s", emoji, slackDate(e.Time, dateTimeFormat),
		orDefault(mentionUser(e.UserID), "someone"), codeID(orDefault(e.Verb, "(no command)")),
		escClip(orDefault(string(e.Outcome), "unknown"), maxIDWidth, false))
	if len(e.Targets) > 0 {
		targets := make([]string, len(e.Targets))
		for i, t := range e.Targets {
			targets[i] = escClip(t, maxNameWidth+maxIDWidth, false)
		}
		b.WriteString("\nTargets: " + limitedList(targets, ", ", 0, 1000, andMore))
	}
	if d := escClip(e.Detail, 1000, false); d != "" {
		b.WriteString("\n" + d)
	}
	if ref := cleanText(e.Ref, false); ref != "" {
		b.WriteString(" (ref " + codeID(ref) + ")")
	}
	return b.String()
}
