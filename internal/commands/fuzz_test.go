package commands

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzParse checks the parser's invariants on arbitrary text: it never
// panics; words never hold an unquoted quote or (outside quotes) white
// space; quoting every word and parsing again gives the same words; text
// without quotes or markup splits exactly like strings.Fields.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"",
		"help",
		"help kick",
		"HELP Kick",
		"status " + meetingID,
		"status abcdef-ghijkl",
		"mute " + meetingID + " <@U0123ABC|bob> \"Carol Jones\"",
		"mute " + meetingID + " <@U0123ABC> carol --dry-run",
		"kick " + meetingID + " “Bob Smith” —dry-run",
		"kick-all " + meetingID,
		"mute-all " + meetingID + " --allow-unmute",
		`poll ` + meetingID + ` "Lunch?" "Pizza" "Sushi" --anonymous --hide-votes`,
		`poll ` + meetingID + ` “What’s next?” “Ship it” ”Wait" „Tacos“`,
		`poll "A &amp; B &lt;3" "x &gt; y" "&amp;lt;"`,
		`poll "see <https://example.com|example.com>" <#C1|general> <!here> <!subteam^S1|@mods>`,
		`kick O’Brien ‘Bob’ it's`,
		`kick "unterminated`,
		`kick “unterminated`,
		`poll "" "" ""`,
		`kick na"me with"space`,
		`mute <@U1AB|Bob "B" Smith> x`,
		"kick a<b c",
		"kick <<>>",
		"kick <@U1|",
		"status\u00a0" + meetingID + "\u2003x",
		"poll\n\"q\"\n\"a\"\r\n\"b\"",
		`kick "Zoë Ñúñez" 李雷 🎉 İstanbul`,
		"--dry-run",
		"-- --5 — – -x ---",
		"\xff\xfe\"\x80",
		"＂fullwidth＂ ‟reversed‟",
		`mute <@U1AB|bob>, carol,dave , "Smith, J", "x,"`,
		", ,, ,",
		strings.Repeat("<", maxCommandText+1),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		cmd, perr := parse(in)
		if lerr := checkLength(in); lerr != nil {
			// Over the cap: refused with the length, whatever the text.
			if perr == nil || perr.Error() != lerr.Error() {
				t.Fatalf("parse of %d runes = %v, want %v", utf8.RuneCountInString(in), perr, lerr)
			}
			return
		}
		words, err := tokenize(in)
		if (err == nil) != (perr == nil) {
			t.Fatalf("tokenize error %v but parse error %v", err, perr)
		}
		if err != nil {
			if _, ok := err.(*userError); !ok {
				t.Fatalf("error %v is not a *userError", err)
			}
			if !strings.ContainsFunc(in, isQuote) {
				t.Fatalf("error %v for text without quotes", err)
			}
			return
		}

		for _, w := range words {
			if w.tail < 0 || w.tail > len(w.text) || (!w.quoted && w.tail != len(w.text)) {
				t.Fatalf("word %+v: bad tail", w)
			}
			rest := stripMarkup(w.text)
			if strings.ContainsFunc(rest, isQuote) {
				t.Fatalf("word %q holds a quote outside markup", w.text)
			}
			if !w.quoted && strings.ContainsFunc(rest, unicode.IsSpace) {
				t.Fatalf("unquoted word %q holds white space", w.text)
			}
		}

		// Quoting every word and parsing again gives the same words.
		quotedWords := make([]string, len(words))
		for i, w := range words {
			quotedWords[i] = `"` + w.text + `"`
		}
		again, err := tokenize(strings.Join(quotedWords, " "))
		if err != nil {
			t.Fatalf("re-parsing quoted words of %q: %v", in, err)
		}
		if len(again) != len(words) {
			t.Fatalf("re-parse gave %d words, want %d: %+v vs %+v", len(again), len(words), again, words)
		}
		for i := range words {
			if again[i].text != words[i].text || !again[i].quoted {
				t.Fatalf("re-parsed word %d = %+v, want %q quoted", i, again[i], words[i].text)
			}
		}

		// Without quotes or markup, words are exactly the fields.
		if !strings.ContainsFunc(in, isQuote) && !strings.Contains(in, "<") {
			fields := strings.Fields(strings.ToValidUTF8(in, string(utf8.RuneError)))
			if len(fields) != len(words) {
				t.Fatalf("%d words, want the %d fields %q", len(words), len(fields), fields)
			}
			for i := range fields {
				if fields[i] != words[i].text {
					t.Fatalf("word %d = %q, want %q", i, words[i].text, fields[i])
				}
			}
		}

		// The parsed command is well formed.
		if cmd.verb != strings.ToLower(cmd.verb) {
			t.Fatalf("verb %q is not lower case", cmd.verb)
		}
		for _, f := range cmd.flags {
			if !strings.HasPrefix(f, "--") || f != strings.ToLower(f) || utf8.RuneCountInString(f) < 3 {
				t.Fatalf("malformed flag %q", f)
			}
		}
		for _, a := range cmd.args {
			if a.userID != "" && (!isSlackUserID(a.userID) || !strings.HasPrefix(a.text, "@")) {
				t.Fatalf("malformed mention %+v", a)
			}
		}
		if id, _ := takeMeetingID(cmd.args); id != "" && !looksLikeMeetingID(id) {
			t.Fatalf("meeting ID %q does not look like one", id)
		}
	})
}

// stripMarkup removes Slack's <…> markup from a word, pairing each < with
// the first > after it, as tokenize does.
func stripMarkup(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		b.WriteString(s[:i])
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}
