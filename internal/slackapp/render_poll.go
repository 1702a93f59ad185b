package slackapp

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/meeting"
)

// maxOptionWidth bounds one poll option as shown; the core allows 100
// characters, escaping can make that up to five times wider.
const maxOptionWidth = 500

// renderPoll draws the poll card: who asked in which meeting, the question,
// the options with their counts, the flags, the poll ID, and where votes
// are cast. RealtimeKit has no API that returns votes later, so the card
// says so instead of promising results.
func renderPoll(v commands.PollView) rendered {
	p := v.Poll
	who := mentionUser(v.RequesterID)
	title := boldText(escClip(meetingName(v.MeetingTitle, v.MeetingID), maxTitleWidth, false))
	question := escClip(orDefault(p.Question, "(no question)"), maxSectionText-textWidth("Question: "), false)

	var blocks []slack.Block
	var intro string
	if v.DryRun {
		blocks = append(blocks, headerBlock(dryRunLabel))
		intro = ":bar_chart: " + who + " would create this poll in " + title + "."
	} else {
		intro = ":bar_chart: " + who + " created a poll in " + title + "."
	}
	blocks = append(blocks,
		mdSection(intro),
		plainSection("Question: "+question),
		plainSection(optionLines(p.Options, maxSectionText)),
	)

	flags := []string{
		pick(p.Anonymous, "Anonymous: voters are not shown", "Not anonymous: voters are shown"),
		pick(p.HideVotes, "Votes hidden: counts show only after voting", "Votes visible: counts show before voting"),
	}
	if cleanText(p.ID, false) != "" {
		flags = append(flags, "Poll "+codeID(p.ID))
	}
	blocks = append(blocks, contextBlock(strings.Join(flags, " · ")))
	if v.DryRun {
		blocks = append(blocks, contextBlock("Nothing was created. Run the command without --dry-run to create it."))
	} else {
		blocks = append(blocks, contextBlock("Votes are cast in the meeting; they cannot be read back from Slack. Counts are as of creation."))
	}

	text := intro + " " + question
	return rendered{text: text, blocks: blocks}
}

// optionLines lists the options one a line, numbered, with their counts.
func optionLines(opts []meeting.PollOption, budget int) string {
	if len(opts) == 0 {
		return "(no options)"
	}
	lines := make([]string, len(opts))
	for i, o := range opts {
		lines[i] = fmt.Sprintf("%d. %s (%s)", i+1,
			escClip(orDefault(o.Text, "(empty)"), maxOptionWidth, false),
			countNoun(o.Votes, "vote", "votes"))
	}
	return limitedList(lines, "\n", 0, budget, andMoreLines)
}
