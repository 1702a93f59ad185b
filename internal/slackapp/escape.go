package slackapp

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Slack's mrkdwn has no way to escape formatting characters; what it does
// honour are the three HTML entities below, which keep text from turning into
// a mention (<!channel>, <@U…>), a link (<https://…|click>) or a date token.
// Every piece of text that a user or a meeting participant controls (names,
// titles, questions, options, IDs, error messages) goes through escInline or
// escClip before it is placed in a text object, plain_text included, so the
// rule is the same everywhere and a reviewer never has to ask which kind of
// text object a string ends up in.
//
// User text is also put on one line (newlines, tabs and the Unicode line
// and paragraph separators become spaces) and its formatting neutralised
// (see neutralize), so a participant named
// "Bob\n\n:white_check_mark: *Nothing to do…*" cannot pass for a bold line
// of ours in an error message or the audit channel. Where we wrap user text
// in our own markers (bold titles, code-formatted IDs), boldText and codeID
// refuse to wrap text that contains the marker, so user text cannot close
// our formatting early.
var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// lookalikes stand in for mrkdwn's formatting characters where they could
// open or close formatting. Slack offers no escape for them.
var lookalikes = map[rune]rune{
	'*': '∗', // U+2217 ASTERISK OPERATOR
	'_': 'ˍ', // U+02CD MODIFIER LETTER LOW MACRON
	'~': '∼', // U+223C TILDE OPERATOR
	'`': 'ˋ', // U+02CB MODIFIER LETTER GRAVE ACCENT
}

// neutralize makes cleaned, one-line user text inert as mrkdwn: a
// formatting character (* _ ~ `) that stands at the edge of a word, where
// Slack would read it as opening or closing bold, italics, strikethrough
// or code, is replaced by a lookalike; one inside a word (BOT_MODERATORS,
// john_doe, :white_check_mark:) does nothing in Slack and is kept, so such
// names still read and copy as typed. A leading ">" (a blockquote when the
// text starts a line) becomes a small greater-than sign.
func neutralize(s string) string {
	if !strings.ContainsAny(s, "*_~`>") {
		return s
	}
	rs := []rune(s)
	for i, r := range rs {
		if _, ok := lookalikes[r]; !ok {
			continue
		}
		if i == 0 || i == len(rs)-1 || !isWordRune(rs[i-1]) || !isWordRune(rs[i+1]) {
			rs[i] = lookalikes[r]
		}
	}
	if rs[0] == '>' {
		rs[0] = '﹥' // U+FE65 SMALL GREATER-THAN SIGN
	}
	return string(rs)
}

// isWordRune reports whether r is a letter or digit: a formatting character
// between two of them is inside a word.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// escapeMrkdwn replaces &, < and > with their entities.
func escapeMrkdwn(s string) string { return mrkdwnEscaper.Replace(s) }

// isBidiControl reports whether r is an explicit bidirectional formatting
// character. They let a name render reversed or spill its direction into the
// rest of our sentence ("Bob" shown as "boB", text after it reordered), so
// they are dropped from user text.
func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') || r == '\u200E' || r == '\u200F'
}

// cleanText makes user text safe to interpolate into one of our messages:
// invalid UTF-8 becomes U+FFFD, bidi controls are dropped, and control
// characters and the Unicode line and paragraph separators become spaces
// (one for a run of them), newlines included unless keepNewlines is set (a
// name with a newline in it would otherwise break a list, pass for a line
// of ours or start a blockquote). Surrounding space is trimmed.
func cleanText(s string, keepNewlines bool) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if keepNewlines {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case isBidiControl(r):
			// dropped
		case r == '\n' && keepNewlines:
			b.WriteRune(r)
		case unicode.IsControl(r), r == '\u2028', r == '\u2029':
			// A run of line breaks ("\n\n", "\r\n") is one space.
			if out := b.String(); out == "" || out[len(out)-1] != ' ' {
				b.WriteByte(' ')
			}
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// escInline cleans, neutralises and escapes user text for one line of a
// message.
func escInline(s string) string { return escapeMrkdwn(neutralize(cleanText(s, false))) }

// textWidth is the length Slack's limits are checked against. Slack documents
// them in "characters" without saying which; counting UTF-16 code units is
// never less than counting code points, so staying under it is safe either
// way (an emoji counts 2).
func textWidth(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 { // outside the BMP: a surrogate pair in UTF-16
			n += 2
			continue
		}
		n++
	}
	return n
}

// ellipsis marks text that was cut.
const ellipsis = "…"

// escClip cleans, neutralises and escapes user text and cuts it to at most
// max units of width, never inside an entity, ending with an ellipsis when
// it was cut. keepNewlines is passed to cleanText; it is only for text the
// bot wrote itself, never for text that holds a name or a title.
func escClip(s string, max int, keepNewlines bool) string {
	s = cleanText(s, keepNewlines)
	if !keepNewlines {
		s = neutralize(s)
	}
	return clipClean(s, max)
}

// clipClean escapes cleaned text and cuts it to max (see escClip).
func clipClean(s string, max int) string {
	if full := escapeMrkdwn(s); textWidth(full) <= max {
		return full
	}
	limit := max - textWidth(ellipsis)
	var b strings.Builder
	n := 0
	for _, r := range s {
		piece := escapeMrkdwn(string(r))
		w := textWidth(piece)
		if n+w > limit {
			break
		}
		b.WriteString(piece)
		n += w
	}
	return strings.TrimRight(b.String(), " \n") + ellipsis
}

// clipEscaped cuts text that is already escaped mrkdwn (and may hold our own
// <@U…> and <!date…> tokens) to at most max units of width, backing off so
// that neither an entity nor a token is cut in half.
func clipEscaped(s string, max int) string {
	if textWidth(s) <= max {
		return s
	}
	limit := max - textWidth(ellipsis)
	n, end := 0, 0
	for i, r := range s {
		w := textWidth(string(r))
		if n+w > limit {
			break
		}
		n += w
		end = i + utf8.RuneLen(r)
	}
	cut := s[:end]
	if amp := strings.LastIndexByte(cut, '&'); amp > strings.LastIndexByte(cut, ';') {
		cut = cut[:amp]
	}
	if lt := strings.LastIndexByte(cut, '<'); lt > strings.LastIndexByte(cut, '>') {
		cut = cut[:lt]
	}
	return strings.TrimRight(cut, " \n") + ellipsis
}

// boldText wraps already-escaped text in mrkdwn bold, unless it holds an
// asterisk that would end the bold early; then it is left plain.
func boldText(escaped string) string {
	if escaped == "" || strings.ContainsRune(escaped, '*') {
		return escaped
	}
	return "*" + escaped + "*"
}

// maxIDWidth bounds an ID as shown. Participant and meeting IDs are UUIDs;
// custom participant IDs are whatever the integrator chose.
const maxIDWidth = 120

// codeID shows an identifier in code format, so it reads as an ID and is
// easy to copy into a command.
func codeID(id string) string { return codeSpan(id, maxIDWidth) }

// codeSpan escapes user text and wraps it in a code span, cut to max. Text
// in a code span is not formatted, so it is not neutralised and copies
// exactly. Text holding a backtick is shown plain (and neutralised), since
// the backtick would end the span.
func codeSpan(s string, max int) string {
	e := clipClean(cleanText(s, false), max)
	if e == "" {
		return "(none)"
	}
	if strings.ContainsRune(e, '`') {
		return escClip(s, max, false)
	}
	return "`" + e + "`"
}

// isSlackID reports whether id looks like a Slack ID whose first letter is
// one of prefixes: upper-case letters and digits only, at least 3 long. We
// only build <@…> and <#…> tokens from IDs that pass, so an ID field can
// never smuggle in "<!channel>" or a link.
func isSlackID(id, prefixes string) bool {
	if len(id) < 3 || len(id) > 32 || !strings.ContainsRune(prefixes, rune(id[0])) {
		return false
	}
	for i := 1; i < len(id); i++ {
		c := id[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// mentionUser renders a Slack user ID as a mention. An empty ID reads as
// "Someone"; anything that is not a valid user ID is shown escaped, in code,
// rather than trusted.
func mentionUser(id string) string {
	switch {
	case id == "":
		return "Someone"
	case isSlackID(id, "UW"):
		return "<@" + id + ">"
	default:
		return "User " + codeID(id)
	}
}

// mentionChannel renders a Slack conversation ID as a channel link, or
// escaped in code when it is not a valid conversation ID.
func mentionChannel(id string) string {
	if isSlackID(id, "CGD") {
		return "<#" + id + ">"
	}
	return codeID(id)
}

// fallbackTime is how a time is written when Slack cannot localize it (in
// the fallback of a date token and in notification text).
func fallbackTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// slackDate renders t as a Slack date token, which each reader sees in their
// own time zone. format uses Slack's tokens ({date_short_pretty}, {time}, …).
func slackDate(t time.Time, format string) string {
	if t.IsZero() {
		return "unknown"
	}
	return fmt.Sprintf("<!date^%d^%s|%s>", t.Unix(), format, fallbackTime(t))
}

// humanDuration writes an elapsed time the way people say it: "42 min",
// "1 h 05 min", "2 d 3 h". Negative durations (clock skew) count as zero.
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "less than a minute"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%d h %02d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
	default:
		return fmt.Sprintf("%d d %d h", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
	}
}

// countNoun writes a count with its noun: "1 participant", "3 participants".
func countNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
