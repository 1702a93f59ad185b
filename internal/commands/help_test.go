package commands

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestHelp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	all := e.svc.Verbs()
	kick := all[4]
	if kick.Name != "kick" {
		t.Fatalf("registry order changed: %+v", all)
	}
	tests := []struct {
		name    string
		text    string
		want    HelpView
		outcome Outcome
		label   string // metric label
	}{
		{name: "no verb", text: "", want: HelpView{Verbs: all}, outcome: OutcomeOK, label: "help"},
		{name: "help", text: "help", want: HelpView{Verbs: all}, outcome: OutcomeOK, label: "help"},
		{name: "one verb", text: "help kick", want: HelpView{Verb: &kick}, outcome: OutcomeOK, label: "help"},
		{name: "one verb, any case", text: "Help KICK", want: HelpView{Verb: &kick}, outcome: OutcomeOK, label: "help"},
		{name: "--help on a verb", text: "kick " + meetingID + " bob --help", want: HelpView{Verb: &kick}, outcome: OutcomeOK, label: "kick"},
		{name: "help for an unknown verb", text: "help kik", want: HelpView{Verbs: all, Unknown: "kik", Suggestion: "kick"}, outcome: OutcomeInvalid, label: "help"},
		{name: "transposition", text: "stauts " + meetingID, want: HelpView{Verbs: all, Unknown: "stauts", Suggestion: "status"}, outcome: OutcomeInvalid, label: "unknown"},
		{name: "underscore", text: "mute_all", want: HelpView{Verbs: all, Unknown: "mute_all", Suggestion: "mute-all"}, outcome: OutcomeInvalid, label: "unknown"},
		{name: "plural", text: "polls", want: HelpView{Verbs: all, Unknown: "polls", Suggestion: "poll"}, outcome: OutcomeInvalid, label: "unknown"},
		{name: "nothing close", text: "dance", want: HelpView{Verbs: all, Unknown: "dance"}, outcome: OutcomeInvalid, label: "unknown"},
		{name: "a mention is no verb", text: "<@U1AB|bob>", want: HelpView{Verbs: all, Unknown: "@bob"}, outcome: OutcomeInvalid, label: "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var verbs []string
			var outcomes []Outcome
			e := newEnv(t, func(c *Config) {
				c.Observe = func(v string, o Outcome, _ time.Duration) { verbs, outcomes = append(verbs, v), append(outcomes, o) }
			})
			got := e.run(t.Context(), userID, tt.text)
			want := []Reply{{Visibility: Ephemeral, Help: &tt.want}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("replies mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]Outcome{tt.outcome}, outcomes); diff != "" {
				t.Errorf("outcome mismatch (-want +got):\n%s", diff)
			}
			// Unknown verbs share one metric label, not whatever was typed.
			if diff := cmp.Diff([]string{tt.label}, verbs); diff != "" {
				t.Errorf("metric label mismatch (-want +got):\n%s", diff)
			}
			if calls := e.rt.Calls(); len(calls) != 0 {
				t.Errorf("upstream calls %+v for help", calls)
			}
		})
	}
}

func TestVerbsTable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	type row struct {
		Name                   string
		Moderator, Destructive bool
	}
	var got []row
	for _, v := range e.svc.Verbs() {
		got = append(got, row{v.Name, v.Moderator, v.Destructive})
		if v.Usage == "" || v.Summary == "" || len(v.Examples) == 0 {
			t.Errorf("%s: usage, summary and examples are required: %+v", v.Name, v)
		}
	}
	want := []row{
		{"help", false, false}, {"status", false, false}, {"mute", true, false}, {"mute-all", true, false},
		{"kick", true, true}, {"kick-all", true, true}, {"poll", true, false},
		{"link", true, false}, {"unlink", true, false}, {"audit", true, false},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("verbs mismatch (-want +got):\n%s", diff)
	}
}

// TestExamplesAreValid: every example in the help is a command the parser
// and the registry accept as it stands.
func TestExamplesAreValid(t *testing.T) {
	t.Parallel()
	for _, v := range registry() {
		for _, ex := range v.Examples {
			t.Run(ex, func(t *testing.T) {
				t.Parallel()
				text, ok := strings.CutPrefix(ex, commandName+" ")
				if !ok {
					t.Fatalf("example does not start with %s", commandName)
				}
				cmd, err := parse(text)
				if err != nil {
					t.Fatal(err)
				}
				if cmd.verb != v.Name {
					t.Fatalf("verb %q, want %q", cmd.verb, v.Name)
				}
				if err := v.checkFlags(cmd.flags); err != nil {
					t.Fatal(err)
				}
				inv := &invocation{spec: v, args: cmd.args, flags: cmd.flags}
				if v.Meeting {
					inv.meetingID, inv.args = takeMeetingID(cmd.args)
					if inv.meetingID == "" {
						t.Fatal("no meeting ID")
					}
				}
				if err := v.checkArgs(inv); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestEditDistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"kick", "kick", 0},
		{"kik", "kick", 1},
		{"stauts", "status", 1},
		{"mute_all", "mute-all", 1},
		{"", "poll", 4},
		{"kitten", "sitting", 3},
		{"ça", "ca", 1},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := editDistance(tt.b, tt.a); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.b, tt.a, got, tt.want)
		}
	}
}
