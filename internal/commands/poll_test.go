package commands

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPollValidation: each limit has its own message, checked before any
// upstream call (and before authorization, which needs no answer for a
// command that cannot run anyway).
func TestPollValidation(t *testing.T) {
	t.Parallel()
	ex := `/meeting poll ` + sampleMeetingID + ` "Lunch?" "Pizza" "Sushi"`
	opts := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(` "option ` + string(rune('a'+i)) + `"`)
		}
		return b.String()
	}
	tests := []struct {
		name string
		args string
		want string
	}{
		{name: "nothing", args: "",
			want: "A poll needs a question and 2 to 10 options, each in quotes. Example: " + ex},
		{name: "empty question", args: `"  " "a" "b"`,
			want: "The poll question is empty. Put the question first, in quotes. Example: " + ex},
		{name: "question too long", args: `"` + strings.Repeat("é", 301) + `" "a" "b"`,
			want: "The poll question is 301 characters long; the limit is 300."},
		{name: "one option", args: `"Lunch?" "Pizza"`,
			want: "A poll needs at least 2 options, and this one has 1. Put the question and each option in its own quotes. Example: " + ex},
		{name: "unquoted words", args: `Lunch? Pizza`,
			want: "A poll needs at least 2 options, and this one has 1. Put the question and each option in its own quotes. Example: " + ex},
		{name: "eleven options", args: `"q"` + opts(11),
			want: "A poll can have at most 10 options, and this one has 11."},
		{name: "empty option", args: `"q" "a" "" "c"`,
			want: "Option 2 is empty. Every option needs some text."},
		{name: "option too long", args: `"q" "a" "` + strings.Repeat("x", 101) + `"`,
			want: "Option 2 (“xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…”) is 101 characters long; the limit is 100."},
		{name: "duplicate options, any case", args: `"q" "Yes" "No" " yes "`,
			want: "Options 1 and 3 are the same (“yes”); each option must be different."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			got := errorOf(t, e.run(t.Context(), modID, "poll "+meetingID+" "+tt.args))
			if diff := cmp.Diff(ErrorView{Code: CodeInvalid, Message: tt.want}, got); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if calls := e.rt.Calls(); len(calls) != 0 {
				t.Errorf("upstream calls %+v, want none", calls)
			}
		})
	}
}

func TestPollLimitsInclusive(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range maxPollOptions {
		b.WriteString(` "` + strings.Repeat(string(rune('a'+i)), maxOptionLength) + `"`)
	}
	e := newEnv(t)
	got := e.run(t.Context(), modID, "poll "+meetingID+` "`+strings.Repeat("q", maxQuestionLength)+`"`+b.String())
	if len(got) != 1 || got[0].Poll == nil {
		t.Fatalf("a poll at every limit was refused: %s", describe(got))
	}
	calls := e.rt.Mutations()
	if len(calls) != 1 || len(calls[0].Options) != maxPollOptions || len(calls[0].Question) != maxQuestionLength {
		t.Errorf("calls = %+v", calls)
	}
}
