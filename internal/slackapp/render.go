package slackapp

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/rtkbot/rtkbot/internal/commands"
)

// Block Kit limits (docs.slack.dev/reference/block-kit). Every renderer
// builds within them by construction; render_test.go checks them on worst
// cases by walking the marshalled JSON.
const (
	maxBlocks        = 50
	maxSectionText   = 3000
	maxSectionFields = 10
	maxFieldText     = 2000
	maxHeaderText    = 150
	maxButtonText    = 75
	maxContextItems  = 10
	// maxFallbackText is our own cap on a message's top-level text, the
	// notification fallback. Slack cuts it at 40,000; a notification needs
	// far less.
	maxFallbackText = 3000
	// maxMessageText bounds the text of all of a message's blocks
	// together. Slack documents only per-block limits but rejects blocks
	// holding about 13,000 characters in all (msg_blocks_too_long), so a
	// renderer that lists many long items (the audit log) packs them into
	// this budget.
	maxMessageText = 12000
)

// Widths we allow one piece of user text inside a message, so that one long
// value cannot crowd out the rest.
const (
	maxNameWidth  = 100 // a participant name in a list
	maxTitleWidth = 200 // a meeting title inside a sentence
)

// rendered is a reply before it becomes a slack.Msg. text is the
// notification fallback and, like every block, is already escaped.
type rendered struct {
	ephemeral bool
	text      string
	blocks    []slack.Block
}

// Render turns a reply from the command core into a Slack message for a
// response_url: response_type ("ephemeral" or "in_channel"),
// replace_original, an escaped text fallback, and Block Kit blocks within
// Slack's limits. Errors and confirmation prompts are always ephemeral,
// whatever the reply asks: an error is only for the person who asked, and a
// prompt's buttons must not be offered to the channel. A reply with no view
// set is a bug in the core; it renders as an internal error rather than as
// silence.
func Render(r commands.Reply) slack.Msg {
	var m rendered
	switch {
	case r.DeleteOriginal:
		return slack.Msg{DeleteOriginal: true}
	case r.Error != nil:
		m = renderError(*r.Error)
	case r.Confirm != nil:
		m = renderConfirm(*r.Confirm)
	case r.Status != nil:
		m = renderStatus(*r.Status)
	case r.Action != nil:
		m = renderAction(*r.Action)
	case r.Poll != nil:
		m = renderPoll(*r.Poll)
	case r.Help != nil:
		m = renderHelp(*r.Help)
	case r.Notice != nil:
		m = renderNotice(*r.Notice)
	case r.Link != nil:
		m = renderLink(*r.Link)
	case r.Audit != nil:
		m = renderAudit(*r.Audit)
	default:
		m = renderError(commands.ErrorView{Code: commands.CodeInternal, Message: "The bot produced an empty reply."})
	}
	if r.Visibility == commands.Ephemeral {
		m.ephemeral = true
	}
	return m.msg(r.ReplaceOriginal)
}

// BusyMessage is the ephemeral answer when every command slot is taken, sent
// instead of queueing so that the Socket Mode reader never stalls.
func BusyMessage() slack.Msg {
	return rendered{
		ephemeral: true,
		text:      "The bot is busy, try again in a moment.",
		blocks: []slack.Block{
			mdSection(":hourglass_flowing_sand: The bot is busy, try again in a moment."),
		},
	}.msg(false)
}

// msg finishes a message: response type, the fallback clipped, and the block
// count held to Slack's maximum as a last line of defence (renderers already
// stay under it).
func (m rendered) msg(replaceOriginal bool) slack.Msg {
	rt := slack.ResponseTypeInChannel
	if m.ephemeral {
		rt = slack.ResponseTypeEphemeral
	}
	blocks := m.blocks
	if len(blocks) > maxBlocks {
		omitted := len(blocks) - (maxBlocks - 1)
		blocks = append(blocks[:maxBlocks-1:maxBlocks-1], contextBlock(fmt.Sprintf("…and %d more not shown.", omitted)))
	}
	return slack.Msg{
		ResponseType:    rt,
		ReplaceOriginal: replaceOriginal,
		Text:            clipEscaped(m.text, maxFallbackText),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// mdText is a mrkdwn text object. Verbatim keeps Slack from turning bare
// "#channel" names and URLs in user text into links; our own <@U…> and
// <!date…> tokens are still parsed.
func mdText(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, text, false, true)
}

// plainText is a plain_text object. Its text is escaped too (see escape.go).
func plainText(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, text, false, false)
}

// mdSection is a section block of mrkdwn text (at most maxSectionText wide).
func mdSection(text string) *slack.SectionBlock {
	return slack.NewSectionBlock(mdText(clipEscaped(text, maxSectionText)), nil, nil)
}

// plainSection is a section block of plain text, for lists of user text
// that need no formatting at all.
func plainSection(text string) *slack.SectionBlock {
	return slack.NewSectionBlock(plainText(clipEscaped(text, maxSectionText)), nil, nil)
}

// fieldsSection lays mrkdwn fields out in two columns.
func fieldsSection(fields ...string) *slack.SectionBlock {
	if len(fields) > maxSectionFields {
		fields = fields[:maxSectionFields]
	}
	objs := make([]*slack.TextBlockObject, len(fields))
	for i, f := range fields {
		objs[i] = mdText(clipEscaped(f, maxFieldText))
	}
	return slack.NewSectionBlock(nil, objs, nil)
}

// headerBlock is a header block; text is escaped user text, cut to fit.
func headerBlock(text string) *slack.HeaderBlock {
	return slack.NewHeaderBlock(plainText(clipEscaped(text, maxHeaderText)))
}

// contextBlock is a context block of small mrkdwn lines.
func contextBlock(texts ...string) *slack.ContextBlock {
	if len(texts) > maxContextItems {
		texts = texts[:maxContextItems]
	}
	elems := make([]slack.MixedElement, len(texts))
	for i, t := range texts {
		elems[i] = mdText(clipEscaped(t, maxSectionText))
	}
	return slack.NewContextBlock("", elems...)
}

// limitedList joins escaped items with sep, stopping at maxItems (0: no
// cap) or before the result would grow wider than budget, and says how many
// were left out with more(n). It never returns more than budget units as
// long as budget leaves room for more(len(items)).
func limitedList(items []string, sep string, maxItems, budget int, more func(n int) string) string {
	if maxItems <= 0 || len(items) <= maxItems {
		if all := strings.Join(items, sep); textWidth(all) <= budget {
			return all
		}
	}
	// Not all of them fit, so a tail is needed: keep room for it at every
	// step.
	out, shown := "", 0
	for i, it := range items {
		if maxItems > 0 && i >= maxItems {
			break
		}
		next := it
		if i > 0 {
			next = out + sep + it
		}
		need := textWidth(next)
		if rest := len(items) - i - 1; rest > 0 {
			need += textWidth(more(rest))
		}
		if need > budget {
			break
		}
		out, shown = next, i+1
	}
	if shown < len(items) {
		out += more(len(items) - shown)
	}
	return out
}

// andMore is the tail of an inline list: " and 15 more" ("15 more" alone
// when nothing else fitted is still readable after a colon).
func andMore(n int) string { return fmt.Sprintf(" and %d more", n) }

// andMoreLines is the tail of a list written one item a line.
func andMoreLines(n int) string { return fmt.Sprintf("\n…and %d more", n) }

// orDefault returns s, or def when s is empty after cleaning.
func orDefault(s, def string) string {
	if cleanText(s, false) == "" {
		return def
	}
	return s
}

// meetingName is what a meeting is called in a message (raw, to be
// escaped): its title, or its ID when it has none.
func meetingName(title, meetingID string) string {
	switch {
	case cleanText(title, false) != "":
		return title
	case cleanText(meetingID, false) != "":
		return "meeting " + meetingID
	default:
		return "the meeting"
	}
}
