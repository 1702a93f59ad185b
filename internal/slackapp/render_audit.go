package slackapp

import (
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
	emoji, ok := outcomeEmoji[e.Outcome]
	if !ok {
		emoji = ":grey_question:"
	}
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
		targets := make([]string, len(e.Targets))
		for i, t := range e.Targets {
			targets[i] = escClip(t, maxNameWidth+maxIDWidth, false)
		}
		label := "*Targets*\n"
		fields = append(fields, label+limitedList(targets, ", ", 0, maxFieldText-textWidth(label), andMore))
	}
	if d := escClip(e.Detail, maxAuditDetailWidth, true); d != "" {
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
