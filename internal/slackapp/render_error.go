package slackapp

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/rtkbot/rtkbot/internal/commands"
)

// maxMessageWidth bounds an error or notice message as shown.
const maxMessageWidth = 2500

// errorWording is how each error code is introduced, and what is said when
// the core gave no message.
type errorWording struct {
	emoji, title, fallback string
}

var errorWordings = map[commands.ErrorCode]errorWording{
	commands.CodeInvalid:     {":warning:", "Invalid command", "That command could not be understood. Try `" + SlashCommand + " help`."},
	commands.CodeNotFound:    {":mag:", "Not found", "Nothing matched."},
	commands.CodeAmbiguous:   {":busts_in_silhouette:", "More than one match", "Several participants match; name one by its participant ID."},
	commands.CodeForbidden:   {":no_entry:", "Not allowed", "You are not allowed to do that."},
	commands.CodeExpired:     {":hourglass:", "Expired", "This confirmation has expired. Run the command again."},
	commands.CodeConflict:    {":repeat:", "Already handled", "This was already handled."},
	commands.CodeRateLimited: {":snail:", "Rate limited", "RealtimeKit is limiting how fast we can make requests."},
	commands.CodeTimeout:     {":stopwatch:", "Timed out", "RealtimeKit did not answer in time. The change may or may not have happened; check with `" + SlashCommand + " status` before trying again."},
	commands.CodeUpstream:    {":x:", "RealtimeKit refused the request", "RealtimeKit refused the request."},
	commands.CodeInternal:    {":boom:", "Something went wrong", "Something went wrong on our side."},
}

// renderError shows an error to the person who asked, always ephemeral:
// what kind of error, the core's message (escaped), the wait for a rate
// limit and the reference of an internal error, which is in the logs.
func renderError(e commands.ErrorView) rendered {
	w, ok := errorWordings[e.Code]
	if !ok {
		w = errorWording{":x:", "Error", "The command failed."}
	}
	msg := escClip(e.Message, maxMessageWidth, false)
	if msg == "" {
		msg = w.fallback // our own text, already mrkdwn
	}

	body := w.emoji + " *" + w.title + "*\n" + msg
	text := w.title + ": " + msg
	// The core's message may already give the wait or the reference; they
	// are added only when it does not, so nothing is said twice.
	switch e.Code {
	case commands.CodeRateLimited:
		if !strings.Contains(strings.ToLower(msg), "try again") {
			wait := retryIn(e.RetryAfter)
			body += "\n" + wait
			text += " " + wait
		}
	case commands.CodeInternal:
		ref := "internal error"
		if r := escClip(e.Ref, maxIDWidth, false); r != "" {
			ref += " (ref " + r + ")"
		}
		if !strings.Contains(msg, ref) {
			body += "\n" + ref + ". Whoever runs the bot can find the details in its logs."
			text = ref + ": " + msg
		} else {
			text = msg
		}
	}
	return rendered{
		ephemeral: true,
		text:      text,
		blocks:    []slack.Block{mdSection(body)},
	}
}

// retryIn tells a rate-limited user how long to wait, in whole seconds
// rounded up, so "try again in 1 s" is never too early.
func retryIn(d time.Duration) string {
	if d <= 0 {
		return "Wait a moment, then try again."
	}
	secs := int64(d / time.Second)
	if d%time.Second != 0 {
		secs++
	}
	return fmt.Sprintf("Wait and try again in %d s.", secs)
}

// renderNotice shows a short plain message, escaped.
func renderNotice(n commands.NoticeView) rendered {
	text := escClip(n.Text, maxMessageWidth, false)
	if text == "" {
		text = "Done."
	}
	return rendered{text: text, blocks: []slack.Block{mdSection(text)}}
}
