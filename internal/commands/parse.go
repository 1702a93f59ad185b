package commands

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The command language is
//
//	/meeting <verb> [meeting-id] [arguments] [flags]
//
// parse turns the text after "/meeting" into a command; it knows nothing of
// the verbs (the registry checks flags and arguments). Its rules:
//
//   - Words are split on any Unicode white space. Invalid UTF-8 is replaced
//     by U+FFFD.
//   - Double quotes group words: the ASCII " and the typographic “ ” „ ‟ ＂
//     that Slack clients substitute as you type; any of them closes any other,
//     since people mix them when editing. Quotes may open mid-word, as in a
//     shell (name"s with spaces" is one word). A word with a quoted part is
//     never a flag nor a meeting ID. There is no escape character, so a word
//     cannot contain a double quote; single quotes and apostrophes (’) are
//     ordinary letters, so O’Brien needs no quoting.
//   - Slack's own markup, <…> (mentions, channels, links), is atomic: its
//     contents never split a word or open a quote. With should_escape on,
//     Slack sends what the user typed with & < > escaped as entities, so a raw
//     "<" can only be the start of Slack markup.
//   - An unquoted word starting with "--" followed by a letter is a flag.
//     Flags may appear anywhere. The em and en dashes (— –) that macOS and
//     iOS substitute for a typed "--" count as "--".
//   - Commas ending a word outside quotes are dropped ("mute @bob, @carol").
//   - The first word that is not a flag is the verb, case-insensitively.

// command is one parsed /meeting invocation.
type command struct {
	verb  string   // lower case; "" when the text has no words
	args  []arg    // positional arguments after the verb, in order
	flags []string // normalised ("--dry-run"), deduplicated, in order
}

// arg is one positional argument.
type arg struct {
	// text is the argument with Slack markup turned back into what the user
	// typed (entities decoded, links and mentions replaced by their labels).
	text string
	// quoted: some part of the word was in quotes.
	quoted bool
	// userID is set when the whole word is a Slack user mention (<@U123> or
	// <@U123|name>); text is then "@name" (or "@U123" without a label).
	userID string
}

// word is one word of the raw text, with quotes removed but Slack markup and
// entities left as they came.
type word struct {
	text   string
	quoted bool
	tail   int // length of the end of text that came after the last quote
}

// maxCommandText is the longest command text, in characters, that is
// parsed. Slack itself cuts slash-command text at about 4,000 characters;
// anything longer did not come from a Slack client, and parsing and
// matching it would cost CPU before the sender is even known to be allowed.
const maxCommandText = 4000

// parse parses the text of a slash command. Its errors are *userError.
func parse(text string) (command, error) {
	if err := checkLength(text); err != nil {
		return command{}, err
	}
	words, err := tokenize(text)
	if err != nil {
		return command{}, err
	}
	var cmd command
	verbSeen := false
	for _, w := range words {
		if f, ok := asFlag(w); ok {
			if !slices.Contains(cmd.flags, f) {
				cmd.flags = append(cmd.flags, f)
			}
			continue
		}
		// "mute @bob, @carol": commas between names are punctuation.
		head := w.text[:len(w.text)-w.tail]
		w.text = head + strings.TrimRight(w.text[len(head):], ",")
		if w.text == "" && !w.quoted {
			continue
		}
		a := toArg(w)
		if !verbSeen {
			verbSeen = true
			cmd.verb = strings.ToLower(a.text)
			continue
		}
		cmd.args = append(cmd.args, a)
	}
	return cmd, nil
}

// checkLength refuses text longer than maxCommandText characters (runes;
// each byte of invalid UTF-8 counts as one).
func checkLength(text string) error {
	if len(text) <= maxCommandText {
		return nil
	}
	n := utf8.RuneCountInString(text)
	if n <= maxCommandText {
		return nil
	}
	return invalidf("That command is %s characters long; the limit is %s. Name fewer people, or use shorter names or participant IDs.",
		thousands(n), thousands(maxCommandText))
}

// thousands writes n with comma thousands separators: 12,345.
func thousands(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// isQuote reports whether r opens or closes a quoted part of a word.
func isQuote(r rune) bool {
	switch r {
	case '"', '“', '”', '„', '‟', '＂':
		return true
	}
	return false
}

// tokenize splits text into words by the rules in the comment at the top of
// this file. Its only error is an unterminated quote.
//
// Invalid UTF-8 becomes U+FFFD first (as Go's JSON decoder already does to
// anything Slack sends): kept as raw bytes, the halves of a broken sequence
// on either side of a removed quote could join into a valid quote character.
func tokenize(text string) ([]word, error) {
	var t tokenizer
	return t.run(text)
}

// tokenizer splits text into words. steps counts the bytes it examines, for
// the test that keeps tokenizing linear in the length of the text.
type tokenizer struct {
	steps int
}

func (t *tokenizer) run(text string) ([]word, error) {
	text = strings.ToValidUTF8(text, string(utf8.RuneError))
	var (
		words  []word
		b      strings.Builder
		inWord bool
		quoted bool
		openAt = -1 // byte offset of the quote still open, if any
		closed int  // length of b when a quote last closed
		// nextGT is the offset of the first '>' not yet passed: -2 until
		// searched, -1 when there is none left. Remembering it keeps each
		// byte searched once: searching again from every unmatched '<'
		// made text full of them quadratic (4 MB: 88 s).
		nextGT = -2
	)
	flush := func() {
		if inWord {
			words = append(words, word{text: b.String(), quoted: quoted, tail: b.Len() - closed})
		}
		b.Reset()
		inWord, quoted, closed = false, false, 0
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		t.steps += size
		switch {
		case r == '<':
			if nextGT == -2 || (nextGT >= 0 && nextGT < i) {
				nextGT = -1
				if end := strings.IndexByte(text[i+1:], '>'); end >= 0 {
					nextGT = i + 1 + end
					t.steps += end + 1
				} else {
					t.steps += len(text) - i - 1
				}
			}
			if nextGT > i {
				seg := text[i : nextGT+1]
				b.WriteString(seg)
				inWord = true
				i += len(seg)
				continue
			}
			b.WriteByte('<')
			inWord = true
		case isQuote(r):
			if openAt >= 0 {
				openAt = -1
				closed = b.Len()
			} else {
				openAt = i
				inWord, quoted = true, true
			}
		case openAt < 0 && unicode.IsSpace(r):
			flush()
		default:
			b.WriteString(text[i : i+size])
			inWord = true
		}
		i += size
	}
	if openAt >= 0 {
		return nil, invalidf("The quote that starts %s is never closed. Add the closing \" (or ”), or remove the opening one.",
			snippet(text[openAt:], 30))
	}
	flush()
	return words, nil
}

// snippet returns the first n runes of s, with an ellipsis if it was cut.
func snippet(s string, n int) string {
	count := 0
	for i := range s {
		if count == n {
			return s[:i] + "…"
		}
		count++
	}
	return s
}

// asFlag returns the normalised flag a word stands for, if it is one.
func asFlag(w word) (string, bool) {
	if w.quoted {
		return "", false
	}
	var rest string
	switch {
	case strings.HasPrefix(w.text, "--"):
		rest = w.text[2:]
	case strings.HasPrefix(w.text, "—"):
		rest = w.text[len("—"):]
	case strings.HasPrefix(w.text, "–"):
		rest = w.text[len("–"):]
	default:
		return "", false
	}
	r, _ := utf8.DecodeRuneInString(rest)
	if !unicode.IsLetter(r) {
		return "", false
	}
	return "--" + strings.ToLower(rest), true
}

// looksLikeMeetingID reports whether s is a RealtimeKit meeting ID: a UUID,
// or a V1 room name such as abcdef-ghijkl (two groups of six lower-case
// letters).
func looksLikeMeetingID(s string) bool {
	return isUUID(s) || isRoomName(s)
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHex(c) {
				return false
			}
		}
	}
	return true
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func isRoomName(s string) bool {
	if len(s) != 13 || s[6] != '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i != 6 && (s[i] < 'a' || s[i] > 'z') {
			return false
		}
	}
	return true
}

// takeMeetingID splits the meeting ID off the arguments: it is the first
// argument if that is unquoted, not a mention, and looks like a meeting ID.
// UUIDs are returned in lower case, their canonical form.
func takeMeetingID(args []arg) (string, []arg) {
	if len(args) == 0 {
		return "", args
	}
	a := args[0]
	if a.quoted || a.userID != "" || !looksLikeMeetingID(a.text) {
		return "", args
	}
	return strings.ToLower(a.text), args[1:]
}

// quoteWord wraps user text in typographic quotes for messages.
func quoteWord(s string) string { return fmt.Sprintf("“%s”", s) }
