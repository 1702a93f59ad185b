package slackapp

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// spoofName is a participant name built to pass for a line of the bot's
// own: in an error that lists names it would read as a bold "all done".
const spoofName = "Bob\n\n:white_check_mark: *Nothing to do…*"

func TestEscapeInline(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want string
	}{
		{"plain", "Bob", "Bob"},
		{"channel ping", "<!channel>", "&lt;!channel&gt;"},
		{"user mention", "<@U123|bob>", "&lt;@U123|bob&gt;"},
		{"link", "<https://evil.example|click>", "&lt;https://evil.example|click&gt;"},
		{"entity is not trusted", "&lt;", "&amp;lt;"},
		{"formatting neutralised", "*bold* _it_ ~s~ `c`", "∗bold∗ ˍitˍ ∼s∼ ˋcˋ"},
		{"markers inside words kept", "john_doe BOT_MODERATORS a*b :white_check_mark:", "john_doe BOT_MODERATORS a*b :white_check_mark:"},
		{"spoofed line", spoofName, "Bob :white_check_mark: ∗Nothing to do…∗"},
		{"leading quote neutralised", "> quote", "﹥ quote"},
		{"newline becomes space", "Bob\n> quote", "Bob &gt; quote"},
		{"line and paragraph separators become spaces", "a\u2028b\u2029c\rd\u0085e\vf", "a b c d e f"},
		{"tab and NUL become spaces", "a\tb\x00c", "a b c"},
		{"bidi override dropped", "\u202Eevil\u202C", "evil"},
		{"trimmed", "  Bob  ", "Bob"},
		{"invalid UTF-8 replaced", "a\xffb", "a\uFFFDb"},
		{"emoji kept", "😀 Bob", "😀 Bob"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := escInline(tc.in); got != tc.want {
				t.Errorf("escInline(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestEscClip(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		in        string
		max       int
		keepLines bool
		want      string
	}{
		{"fits", "Bob", 3, false, "Bob"},
		{"cut with ellipsis", "Bobby", 4, false, "Bob…"},
		{"never inside an entity", "ab<cd", 5, false, "ab…"},
		{"entity kept whole when it fits", "ab<cd", 7, false, "ab&lt;…"},
		{"emoji counts two", "😀😀😀", 5, false, "😀😀…"},
		{"trailing space trimmed before ellipsis", "ab cd", 4, false, "ab…"},
		{"newlines kept when asked", "a\r\nb", 10, true, "a\nb"},
		{"newlines flattened otherwise", "a\nb", 10, false, "a b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := escClip(tc.in, tc.max, tc.keepLines)
			if got != tc.want {
				t.Errorf("escClip(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
			if textWidth(got) > tc.max {
				t.Errorf("escClip(%q, %d) is %d wide", tc.in, tc.max, textWidth(got))
			}
		})
	}
}

func TestClipEscaped(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"fits", "<@U1> hi", 8, "<@U1> hi"},
		{"does not cut a mention", "hi <@U123456>", 8, "hi…"},
		{"does not cut an entity", "hi &amp; more", 6, "hi…"},
		{"does not cut a date token", "at <!date^1^{time}|00:00 UTC>", 20, "at…"},
		{"cuts after a whole token", "<@U1> and more text", 9, "<@U1> an…"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := clipEscaped(tc.in, tc.max); got != tc.want {
				t.Errorf("clipEscaped(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
		})
	}
}

func TestFormattingWrappers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, got, want string
	}{
		{"bold", boldText("Weekly sync"), "*Weekly sync*"},
		{"bold refuses an asterisk", boldText("a*b"), "a*b"},
		{"bold of nothing", boldText(""), ""},
		{"code", codeID("p-1"), "`p-1`"},
		{"code escapes", codeID("<!here>"), "`&lt;!here&gt;`"},
		{"code refuses a backtick", codeID("a`b"), "a`b"},
		{"code of nothing", codeID("  "), "(none)"},
		{"code is cut", codeID(strings.Repeat("x", 200)), "`" + strings.Repeat("x", maxIDWidth-1) + "…`"},
		{"mention", mentionUser("U024BE7LH"), "<@U024BE7LH>"},
		{"enterprise mention", mentionUser("W0123ABCD"), "<@W0123ABCD>"},
		{"mention refuses a ping", mentionUser("<!channel>"), "User `&lt;!channel&gt;`"},
		{"mention refuses lower case", mentionUser("u024be7lh"), "User `u024be7lh`"},
		{"mention refuses a pipe", mentionUser("U1|x"), "User `U1|x`"},
		{"mention refuses a channel ID", mentionUser("C024BE7LH"), "User `C024BE7LH`"},
		{"no requester", mentionUser(""), "Someone"},
		{"channel", mentionChannel("C0123ABC"), "<#C0123ABC>"},
		{"private channel", mentionChannel("G0123ABC"), "<#G0123ABC>"},
		{"channel refuses a ping", mentionChannel("<!here>"), "`&lt;!here&gt;`"},
		{"date", slackDate(time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC), "{time}"), "<!date^1772618400^{time}|2026-03-04 10:00 UTC>"},
		{"date in another zone falls back in UTC", slackDate(time.Date(2026, 3, 4, 11, 0, 0, 0, time.FixedZone("CET", 3600)), "{time}"), "<!date^1772618400^{time}|2026-03-04 10:00 UTC>"},
		{"zero date", slackDate(time.Time{}, "{time}"), "unknown"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestHumanDuration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   time.Duration
		want string
	}{
		{-time.Hour, "less than a minute"},
		{59 * time.Second, "less than a minute"},
		{42*time.Minute + 59*time.Second, "42 min"},
		{time.Hour + 5*time.Minute, "1 h 05 min"},
		{23*time.Hour + 59*time.Minute, "23 h 59 min"},
		{50 * time.Hour, "2 d 2 h"},
	}
	for _, tc := range cases {
		t.Run(tc.in.String(), func(t *testing.T) {
			t.Parallel()
			if got := humanDuration(tc.in); got != tc.want {
				t.Errorf("humanDuration(%v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRetryIn(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   time.Duration
		want string
	}{
		{0, "Wait a moment, then try again."},
		{time.Second, "Wait and try again in 1 s."},
		{1100 * time.Millisecond, "Wait and try again in 2 s."},
		{30 * time.Second, "Wait and try again in 30 s."},
	}
	for _, tc := range cases {
		t.Run(tc.in.String(), func(t *testing.T) {
			t.Parallel()
			if got := retryIn(tc.in); got != tc.want {
				t.Errorf("retryIn(%v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestLimitedList(t *testing.T) {
	t.Parallel()
	items := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("n%02d", i)
		}
		return out
	}
	cases := []struct {
		name     string
		items    []string
		maxItems int
		budget   int
		want     string
	}{
		{"all fit", items(3), 0, 100, "n00, n01, n02"},
		{"capped by count", items(5), 2, 100, "n00, n01 and 3 more"},
		{"capped by width", items(10), 0, 25, "n00, n01, n02 and 7 more"},
		{"nothing fits", items(3), 0, 11, " and 3 more"},
		{"last item needs no tail", items(2), 0, 8, "n00, n01"},
		{"empty", nil, 0, 10, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := limitedList(tc.items, ", ", tc.maxItems, tc.budget, andMore)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("limitedList (-want +got):\n%s", diff)
			}
			if textWidth(got) > tc.budget {
				t.Errorf("%q is wider than %d", got, tc.budget)
			}
		})
	}
}

func TestFormatMinutes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {12, "12"}, {412.25, "412.3"}, {0.04, "0"}, {-1, "unknown"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.in), func(t *testing.T) {
			t.Parallel()
			if got := formatMinutes(tc.in); got != tc.want {
				t.Errorf("formatMinutes(%v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
