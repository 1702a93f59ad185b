package slackapp

import (
	"fmt"

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
