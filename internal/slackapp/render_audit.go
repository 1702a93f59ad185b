package slackapp

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/rtkbot/rtkbot/internal/commands"
)

// outcomeEmoji marks each audit line so a scrolling reader spots refusals
// and failures.
var outcomeEmoji = map[commands.Outcome]string{
	commands.OutcomeOK:        ":white_check_mark:",
	commands.OutcomeDryRun:    ":test_tube:",
	commands.OutcomeRefused:   ":no_entry:",
	commands.OutcomeInvalid:   ":warning:",
	commands.OutcomeFailed:    ":x:",
	commands.OutcomeCancelled: ":leftwards_arrow_with_hook:",
	commands.OutcomePending:   ":hourglass:",
}

// maxAuditDetailWidth bounds the detail of an audit entry; a field holds
// 2,000.
const maxAuditDetailWidth = 1900

// RenderAudit renders one audit entry for chat.postMessage to the audit
// channel: who ran what, in which meeting and channel, on whom, with what
// outcome, and the error reference when it failed. It returns the escaped
// notification text and the blocks, for slack.MsgOptionText(text, false)
// and slack.MsgOptionBlocks(blocks...).
func RenderAudit(e commands.AuditEntry) (text string, blocks []slack.Block) {
	emoji := auditEmoji(e.Outcome)
	who := mentionUser(e.UserID)
	verb := codeID(orDefault(e.Verb, "(no command)"))
	title := escClip(meetingName(e.MeetingTitle, e.MeetingID), maxTitleWidth, false)
	outcome := escClip(orDefault(string(e.Outcome), "unknown"), maxIDWidth, false)

	meeting := codeID(e.MeetingID)
	if cleanText(e.MeetingTitle, false) != "" {
		meeting = boldText(title) + "\n" + meeting
	}
	fields := []string{
		"*Meeting*\n" + meeting,
		"*Channel*\n" + mentionChannel(e.ChannelID),
		"*Outcome*\n" + outcome,
		"*When*\n" + slackDate(e.Time, dateTimeFormat),
	}
	if len(e.Targets) > 0 {
		label := "*Targets*\n"
		fields = append(fields, label+auditTargets(e.Targets, maxFieldText-textWidth(label)))
	}
	if d := escClip(e.Detail, maxAuditDetailWidth, false); d != "" {
		fields = append(fields, "*Detail*\n"+d)
	}
	if cleanText(e.Ref, false) != "" {
		fields = append(fields, "*Ref*\n"+codeID(e.Ref))
	}

	headline := emoji + " " + who + " ran " + verb + " in " + boldText(title) + ": " + outcome
	blocks = []slack.Block{
		mdSection(headline),
		fieldsSection(fields...),
		contextBlock("Team " + codeID(e.TeamID)),
	}
	text = clipEscaped("Audit: "+who+" ran "+verb+" in "+title+": "+outcome, maxFallbackText)
	return text, blocks
}

// auditEmoji is the mark of an outcome; one we do not know is still shown,
// with a question mark.
func auditEmoji(o commands.Outcome) string {
	if emoji, ok := outcomeEmoji[o]; ok {
		return emoji
	}
	return ":grey_question:"
}

// auditTargets lists an entry's targets, escaped, within budget.
func auditTargets(raw []string, budget int) string {
	targets := make([]string, len(raw))
	for i, t := range raw {
		targets[i] = escClip(t, maxNameWidth+maxIDWidth, false)
	}
	return limitedList(targets, ", ", 0, budget, andMore)
}

// Widths of the parts of one entry in the audit log answer. They keep an
// entry under ~1,300 units, so that even a log of long entries shows several
// within maxMessageText, while a typical entry (~200) lets all 50 that
// "/meeting audit <id> 50" can ask for fit.
const (
	maxAuditListVerb    = 40
	maxAuditListOutcome = 40
	maxAuditListTargets = 300
	maxAuditListDetail  = 400
)

// renderAudit answers "audit": the meeting's latest entries, newest first,
// for the moderator who asked. Entries are packed into as few sections as
// fit, since 50 entries one section each would not leave room for the
// heading in Slack's 50 blocks; what does not fit is counted, not dropped
// silently.
func renderAudit(v commands.AuditView) rendered {
	title := boldText(escClip(meetingName(v.MeetingTitle, v.MeetingID), maxTitleWidth, false))
	id := codeID(v.MeetingID)
	// Without --refusals, say that refusals are left out, so that a
	// moderator looking for them knows how to see them.
	var notes []string
	if !v.Refusals {
		notes = append(notes, "Commands refused to non-moderators are left out; add `--refusals` to list them too.")
	}
	if len(v.Entries) == 0 {
		head := fmt.Sprintf(":ledger: Nothing in the audit log of %s (%s) yet.", title, id)
		if !v.Refusals {
			head = fmt.Sprintf(":ledger: No actions in the audit log of %s (%s) yet.", title, id)
		}
		blocks := []slack.Block{mdSection(head)}
		for _, n := range notes {
			blocks = append(blocks, contextBlock(n))
		}
		return rendered{ephemeral: true, text: head, blocks: blocks}
	}
	which := "the last " + countNoun(len(v.Entries), "entry", "entries")
	if v.Limit > len(v.Entries) { // fewer than were asked for: the whole log
		which = fmt.Sprintf("all %d entries", len(v.Entries))
		if len(v.Entries) == 1 {
			which = "its only entry"
		}
	}
	head := fmt.Sprintf(":ledger: Audit log of %s (%s): %s, newest first.", title, id, which)

	lines := make([]string, len(v.Entries))
	for i, e := range v.Entries {
		lines[i] = auditLine(e)
	}
	return rendered{ephemeral: true, text: head, blocks: auditListBlocks(head, lines, notes, maxBlocks, maxMessageText)}
}

// auditListBlocks is the heading, then as many of lines as fit in
// maxBlocks blocks holding maxText of text in all, then how many did not,
// then the notes.
// Both limits are the renderer's own: the last-resort cut in rendered.msg
// would drop the count, and Slack rejects a message over either.
func auditListBlocks(head string, lines, notes []string, maxBlocks, maxText int) []slack.Block {
	tail := func(n int) string { return fmt.Sprintf("…and %d more not shown.", n) }
	// Room for the heading block, the tail, whichever count it shows, and
	// the notes.
	budget := maxText - textWidth(head) - textWidth(tail(len(lines)))
	for _, n := range notes {
		budget -= textWidth(n)
	}
	sections, shown := packLines(lines, maxBlocks-2-len(notes), budget)
	blocks := append([]slack.Block{mdSection(head)}, sections...)
	if shown < len(lines) {
		blocks = append(blocks, contextBlock(tail(len(lines)-shown)))
	}
	for _, n := range notes {
		blocks = append(blocks, contextBlock(n))
	}
	return blocks
}

// auditLine is one entry, already escaped: when, who, which verb and how it
// ended, then on whom, the detail and the error reference.
func auditLine(e commands.AuditEntry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s ran %s: %s", auditEmoji(e.Outcome), slackDate(e.Time, dateTimeFormat), mentionUser(e.UserID),
		codeSpan(orDefault(e.Verb, "(no command)"), maxAuditListVerb),
		escClip(orDefault(string(e.Outcome), "unknown"), maxAuditListOutcome, false))
	if len(e.Targets) > 0 {
		label := "\n_Targets:_ "
		b.WriteString(label + auditTargets(e.Targets, maxAuditListTargets))
	}
	if d := escClip(e.Detail, maxAuditListDetail, false); d != "" {
		b.WriteString("\n" + d)
	}
	if cleanText(e.Ref, false) != "" {
		b.WriteString(" (ref " + codeID(e.Ref) + ")")
	}
	return b.String()
}

// packLines puts escaped lines, a blank line apart, into at most
// maxSections mrkdwn sections of maxSectionText each, stopping before the
// text would pass budget. It returns the sections and how many lines they
// hold, always a prefix of lines. A line wider than a section is clipped.
func packLines(lines []string, maxSections, budget int) (sections []slack.Block, shown int) {
	const sep = "\n\n"
	sepW := textWidth(sep)
	var cur strings.Builder
	curW, used := 0, 0
	for _, line := range lines {
		line = clipEscaped(line, maxSectionText)
		w := textWidth(line)
		if curW > 0 && curW+sepW+w <= maxSectionText {
			if used+sepW+w > budget {
				break
			}
			cur.WriteString(sep + line)
			curW, used = curW+sepW+w, used+sepW+w
			shown++
			continue
		}
		// A new section: the current one, if any, is full.
		open := len(sections)
		if curW > 0 {
			open++
		}
		if open >= maxSections || used+w > budget {
			break
		}
		if curW > 0 {
			sections = append(sections, mdSection(cur.String()))
			cur.Reset()
		}
		cur.WriteString(line)
		curW, used = w, used+w
		shown++
	}
	if curW > 0 {
		sections = append(sections, mdSection(cur.String()))
	}
	return sections, shown
}
