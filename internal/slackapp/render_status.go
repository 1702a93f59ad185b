package slackapp

import (
	"fmt"
	"math"
	"strconv"

	"github.com/slack-go/slack"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/meeting"
)

// maxListedParticipants is how many names the status card lists before
// "and N more": enough to recognise who is there, short enough to read.
const maxListedParticipants = 20

// dateTimeFormat is how the status card shows when a session started or
// ended, in each reader's own time zone.
const dateTimeFormat = "{date_short_pretty} at {time}"

// renderStatus draws the meeting status card: title, LIVE/ENDED, counts,
// start and elapsed time, minutes consumed and who is in.
func renderStatus(v commands.StatusView) rendered {
	s := v.Session
	title := meetingName(s.MeetingTitle, s.MeetingID)
	ended := s.Status == meeting.StatusEnded || !s.EndedAt.IsZero()

	state := ":red_circle: LIVE"
	switch {
	case ended:
		state = ":white_circle: ENDED"
	case s.Status != "" && s.Status != meeting.StatusLive:
		state = escInline(s.Status)
	}
	fields := []string{
		"*Status*\n" + state,
		"*Live participants*\n" + strconv.Itoa(s.LiveParticipants),
		"*Peak*\n" + strconv.Itoa(s.PeakParticipants),
		"*Started*\n" + slackDate(s.StartedAt, dateTimeFormat),
	}
	var elapsed string
	if ended {
		fields = append(fields, "*Ended*\n"+slackDate(s.EndedAt, dateTimeFormat))
		if !s.StartedAt.IsZero() && !s.EndedAt.IsZero() {
			elapsed = humanDuration(s.EndedAt.Sub(s.StartedAt))
			fields = append(fields, "*Lasted*\n"+elapsed)
		}
	} else if !s.StartedAt.IsZero() && !v.Now.IsZero() {
		elapsed = humanDuration(v.Now.Sub(s.StartedAt))
		fields = append(fields, "*Elapsed*\n"+elapsed)
	}
	fields = append(fields, "*Minutes consumed*\n"+formatMinutes(s.MinutesConsumed))

	blocks := []slack.Block{
		headerBlock(escClip(title, maxHeaderText, false)),
		fieldsSection(fields...),
		plainSection(whoIsIn(v.Participants, ended)),
		contextBlock("Meeting " + codeID(s.MeetingID) + " · session " + codeID(s.ID)),
	}

	text := escClip(title, maxTitleWidth, false)
	switch {
	case ended:
		text += " has ended"
		if elapsed != "" {
			text += " (it lasted " + elapsed + ")"
		}
	default:
		text += " is LIVE with " + countNoun(s.LiveParticipants, "participant", "participants")
		if elapsed != "" {
			text += ", started " + elapsed + " ago"
		}
	}
	return rendered{text: text + ".", blocks: blocks}
}

// whoIsIn lists the participants by name as plain text: the first
// maxListedParticipants, then "and N more", within a section's width.
func whoIsIn(ps []meeting.Participant, ended bool) string {
	if len(ps) == 0 {
		if ended {
			return "Nobody is in the meeting."
		}
		return "Nobody is in the meeting right now."
	}
	prefix := fmt.Sprintf("In the meeting (%d): ", len(ps))
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = escClip(orDefault(p.Name, "(no name)"), maxNameWidth, false)
	}
	return prefix + limitedList(names, ", ", maxListedParticipants, maxSectionText-textWidth(prefix), andMore)
}

// formatMinutes shows minutes consumed to one decimal, without a trailing
// ".0".
func formatMinutes(m float64) string {
	if math.IsNaN(m) || math.IsInf(m, 0) || m < 0 {
		return "unknown"
	}
	return strconv.FormatFloat(math.Round(m*10)/10, 'f', -1, 64)
}
