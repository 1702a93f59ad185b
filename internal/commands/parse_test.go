package commands

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var cmpCommand = cmp.AllowUnexported(command{}, arg{})

func TestParse(t *testing.T) {
	t.Parallel()
	id := meetingID
	plain := func(s string) arg { return arg{text: s} }
	quoted := func(s string) arg { return arg{text: s, quoted: true} }
	tests := []struct {
		name string
		in   string
		want command
	}{
		{name: "empty", in: "", want: command{}},
		{name: "only spaces", in: " \t\n ", want: command{}},
		{name: "verb", in: "status", want: command{verb: "status"}},
		{name: "verb is case-insensitive", in: "  STATUS   " + id + " ", want: command{verb: "status", args: []arg{plain(id)}}},
		{name: "quoted name", in: `kick ` + id + ` "Bob Smith" carol`,
			want: command{verb: "kick", args: []arg{plain(id), quoted("Bob Smith"), plain("carol")}}},
		{name: "curly quotes", in: `poll ` + id + ` “Lunch today?” “Pizza place” “Sushi”`,
			want: command{verb: "poll", args: []arg{plain(id), quoted("Lunch today?"), quoted("Pizza place"), quoted("Sushi")}}},
		{name: "mixed and reversed quotes", in: `poll ` + id + ` ”Lunch?" "Pizza” „Tacos“`,
			want: command{verb: "poll", args: []arg{plain(id), quoted("Lunch?"), quoted("Pizza"), quoted("Tacos")}}},
		{name: "quote opens mid-word", in: `mute na"me with"space`,
			want: command{verb: "mute", args: []arg{quoted("name withspace")}}},
		{name: "empty quotes are an empty argument", in: `poll "" "a"`,
			want: command{verb: "poll", args: []arg{quoted(""), quoted("a")}}},
		{name: "apostrophes and single quotes are letters", in: `kick O’Brien ‘Bob’ it's`,
			want: command{verb: "kick", args: []arg{plain("O’Brien"), plain("‘Bob’"), plain("it's")}}},
		{name: "mention with label", in: `mute <@U0123ABC|bob>`,
			want: command{verb: "mute", args: []arg{{text: "@bob", userID: "U0123ABC"}}}},
		{name: "mention without label", in: `mute <@U0123ABC>`,
			want: command{verb: "mute", args: []arg{{text: "@U0123ABC", userID: "U0123ABC"}}}},
		{name: "enterprise mention", in: `mute <@W0ABC|jane.doe>`,
			want: command{verb: "mute", args: []arg{{text: "@jane.doe", userID: "W0ABC"}}}},
		{name: "mention label with spaces and quotes stays one word", in: `mute <@U1AB|Bob "B" Smith> x`,
			want: command{verb: "mute", args: []arg{{text: `@Bob "B" Smith`, userID: "U1AB"}, plain("x")}}},
		{name: "not a user ID is not a mention", in: `mute <@bob>`,
			want: command{verb: "mute", args: []arg{plain("@bob")}}},
		{name: "flags anywhere, normalised, deduplicated", in: `--dry-run kick --DRY-RUN ` + id + ` bob --dry-run`,
			want: command{verb: "kick", args: []arg{plain(id), plain("bob")}, flags: []string{"--dry-run"}}},
		{name: "em and en dashes from autocorrect", in: `poll "q" "a" "b" —anonymous –hide-votes`,
			want: command{verb: "poll", args: []arg{quoted("q"), quoted("a"), quoted("b")}, flags: []string{"--anonymous", "--hide-votes"}}},
		{name: "quoted flag is an argument", in: `poll "q" "--dry-run" "b"`,
			want: command{verb: "poll", args: []arg{quoted("q"), quoted("--dry-run"), quoted("b")}}},
		{name: "dashes without a letter are arguments", in: `poll q --5 -- — -x`,
			want: command{verb: "poll", args: []arg{plain("q"), plain("--5"), plain("--"), plain("—"), plain("-x")}}},
		{name: "entities decoded once", in: `poll "A &amp; B &lt;3" "x &gt; y" "&amp;lt;"`,
			want: command{verb: "poll", args: []arg{quoted("A & B <3"), quoted("x > y"), quoted("&lt;")}}},
		{name: "links, channels and special mentions", in: `poll "see <https://example.com/a?b=c|example.com>" <https://x.y/z> <#C1|general> <!here> <!subteam^S1|@mods> <mailto:a@b.c|a@b.c>`,
			want: command{verb: "poll", args: []arg{quoted("see example.com"), plain("https://x.y/z"), plain("#general"), plain("@here"), plain("@mods"), plain("a@b.c")}}},
		{name: "mention inside quotes is text", in: `poll "ask <@U1AB|bob> now" x`,
			want: command{verb: "poll", args: []arg{quoted("ask @bob now"), plain("x")}}},
		{name: "commas between names", in: `mute <@U1AB|bob>, carol,dave , "Smith, J", "x,"`,
			want: command{verb: "mute", args: []arg{{text: "@bob", userID: "U1AB"}, plain("carol,dave"), quoted("Smith, J"), quoted("x,")}}},
		{name: "lone < is literal", in: `kick a<b c`,
			want: command{verb: "kick", args: []arg{plain("a<b"), plain("c")}}},
		{name: "unicode white space", in: "status\u00a0" + id + "\u2003x\u3000y",
			want: command{verb: "status", args: []arg{plain(id), plain("x"), plain("y")}}},
		{name: "newlines", in: "poll\n\"q\"\n\"a\"\r\n\"b\"",
			want: command{verb: "poll", args: []arg{quoted("q"), quoted("a"), quoted("b")}}},
		{name: "unicode names", in: `kick "Zoë Ñúñez" 李雷 🎉`,
			want: command{verb: "kick", args: []arg{quoted("Zoë Ñúñez"), plain("李雷"), plain("🎉")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parse(tt.in)
			if err != nil {
				t.Fatalf("parse(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got, cmpCommand); diff != "" {
				t.Errorf("parse(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "unterminated", in: `poll “Lunch? Pizza`,
			want: `The quote that starts “Lunch? Pizza is never closed. Add the closing " (or ”), or remove the opening one.`},
		{name: "unterminated long snippet", in: `poll "q" "a" "this option goes on and on and on without end`,
			want: `The quote that starts "this option goes on and on an… is never closed. Add the closing " (or ”), or remove the opening one.`},
		{name: "odd number of quotes", in: `kick "Bob" Smith"`,
			want: `The quote that starts " is never closed. Add the closing " (or ”), or remove the opening one.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parse(tt.in)
			ue, ok := err.(*userError)
			if !ok {
				t.Fatalf("parse(%q) error = %v, want a *userError", tt.in, err)
			}
			if ue.code != CodeInvalid {
				t.Errorf("code = %s, want %s", ue.code, CodeInvalid)
			}
			if diff := cmp.Diff(tt.want, ue.msg); diff != "" {
				t.Errorf("message mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTakeMeetingID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []arg
		wantID   string
		wantRest int
	}{
		{name: "uuid", args: []arg{{text: meetingID}, {text: "bob"}}, wantID: meetingID, wantRest: 1},
		{name: "upper-case uuid is canonicalised", args: []arg{{text: "0B9E6A4C-1D2F-4A3B-8C5D-6E7F8A9B0C1D"}}, wantID: meetingID},
		{name: "v1 room name", args: []arg{{text: "abcdef-ghijkl"}}, wantID: "abcdef-ghijkl"},
		{name: "room name must be lower case", args: []arg{{text: "ABCDEF-ghijkl"}}, wantRest: 1},
		{name: "room name must be 6-6", args: []arg{{text: "abcde-ghijkl"}}, wantRest: 1},
		{name: "quoted is never a meeting", args: []arg{{text: meetingID, quoted: true}}, wantRest: 1},
		{name: "only the first argument", args: []arg{{text: "bob"}, {text: meetingID}}, wantRest: 2},
		{name: "uuid with a bad character", args: []arg{{text: "0b9e6a4c-1d2f-4a3b-8c5d-6e7f8a9b0c1g"}}, wantRest: 1},
		{name: "nothing", wantRest: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id, rest := takeMeetingID(tt.args)
			if id != tt.wantID || len(rest) != tt.wantRest {
				t.Errorf("takeMeetingID = %q, %d left; want %q, %d left", id, len(rest), tt.wantID, tt.wantRest)
			}
		})
	}
}

// TestTokenizeIsLinear counts the bytes the tokenizer examines on text built
// to make a naive scanner quadratic (every unmatched '<' searched to the end
// of the text for its '>'): the count must stay within twice the length.
func TestTokenizeIsLinear(t *testing.T) {
	t.Parallel()
	const n = 50_000
	inputs := map[string]string{
		"only <":                strings.Repeat("<", n),
		"< between words":       strings.Repeat("x< ", n),
		"< then one > at end":   strings.Repeat("< ", n) + ">",
		"markup after many <":   strings.Repeat("<", n) + "<@U1|bob>" + strings.Repeat("<", n),
		"many small markups":    strings.Repeat("<@U1> ", n),
		"quotes hiding nothing": strings.Repeat(`"<" `, n),
	}
	for name, text := range inputs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var tk tokenizer
			if _, err := tk.run(text); err != nil {
				t.Fatal(err)
			}
			if limit := 2 * len(text); tk.steps > limit {
				t.Errorf("tokenizing %d bytes examined %d bytes, want at most %d", len(text), tk.steps, limit)
			}
		})
	}
}

// TestParseRefusesTooLongText: text past the cap is answered with its length
// and the limit, without being tokenized; text at the cap (counted in
// characters, not bytes) is parsed.
func TestParseRefusesTooLongText(t *testing.T) {
	t.Parallel()
	_, err := parse("mute " + strings.Repeat("<", 4<<20))
	ue, ok := err.(*userError)
	if !ok || ue.code != CodeInvalid {
		t.Fatalf("parse(4 MB) error = %v, want an invalid-command user error", err)
	}
	want := "That command is 4,194,309 characters long; the limit is 4,000. Name fewer people, or use shorter names or participant IDs."
	if diff := cmp.Diff(want, ue.msg); diff != "" {
		t.Errorf("message mismatch (-want +got):\n%s", diff)
	}

	atCap := "poll " + strings.Repeat("é", maxCommandText-len("poll "))
	if cmd, err := parse(atCap); err != nil || cmd.verb != "poll" {
		t.Errorf("parse(%d characters, %d bytes) = %+v, %v; want it parsed", maxCommandText, len(atCap), cmd.verb, err)
	}
	if _, err := parse(atCap + "é"); err == nil {
		t.Errorf("parse(%d characters) succeeded, want it refused", maxCommandText+1)
	}
}

// TestHandleRefusesTooLongText: anyone, moderator or not, who sends 4 MB of
// unmatched '<' is told the command is too long; nothing is looked up.
func TestHandleRefusesTooLongText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	got := errorOf(t, e.run(t.Context(), userID, "mute "+meetingID+" "+strings.Repeat("<", 4<<20)))
	want := ErrorView{Code: CodeInvalid, Message: "That command is 4,194,346 characters long; the limit is 4,000. " +
		"Name fewer people, or use shorter names or participant IDs."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("error mismatch (-want +got):\n%s", diff)
	}
	if calls := e.rt.Calls(); len(calls) != 0 {
		t.Errorf("RealtimeKit calls %+v for a refused command", calls)
	}
}
