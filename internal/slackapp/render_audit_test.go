package slackapp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"github.com/rtkbot/rtkbot/internal/commands"
)

// sectionTexts returns the mrkdwn text of every section and context block,
// in order.
func sectionTexts(t *testing.T, blocks []slack.Block) []string {
	t.Helper()
	var out []string
	for _, b := range blocks {
		switch b := b.(type) {
		case *slack.SectionBlock:
			out = append(out, b.Text.Text)
		case *slack.ContextBlock:
			out = append(out, b.ContextElements.Elements[0].(*slack.TextBlockObject).Text)
		default:
			t.Fatalf("unexpected block %T", b)
		}
	}
	return out
}

// TestRenderAuditHeading checks that the heading tells "this is all there
// is" from "these are the last n you asked for".
func TestRenderAuditHeading(t *testing.T) {
	t.Parallel()
	entry := commands.AuditEntry{Time: fixedNow, UserID: testRequester, Verb: "status", Outcome: commands.OutcomeOK}
	entries := func(n int) []commands.AuditEntry {
		es := make([]commands.AuditEntry, n)
		for i := range es {
			es[i] = entry
		}
		return es
	}
	cases := []struct {
		name string
		view commands.AuditView
		want string
	}{
		{"fewer than asked", commands.AuditView{MeetingID: "m-1", MeetingTitle: "Sync", Entries: entries(3), Limit: 10},
			":ledger: Audit log of *Sync* (`m-1`): all 3 entries, newest first."},
		{"one of ten", commands.AuditView{MeetingID: "m-1", Entries: entries(1), Limit: 10},
			":ledger: Audit log of *meeting m-1* (`m-1`): its only entry, newest first."},
		{"as many as asked", commands.AuditView{MeetingID: "m-1", MeetingTitle: "Sync", Entries: entries(10), Limit: 10},
			":ledger: Audit log of *Sync* (`m-1`): the last 10 entries, newest first."},
		{"no limit given", commands.AuditView{MeetingID: "m-1", MeetingTitle: "Sync", Entries: entries(2)},
			":ledger: Audit log of *Sync* (`m-1`): the last 2 entries, newest first."},
		{"empty", commands.AuditView{MeetingID: "m-1", MeetingTitle: "Sync", Limit: 10},
			":ledger: No actions in the audit log of *Sync* (`m-1`) yet."},
		{"empty with refusals", commands.AuditView{MeetingID: "m-1", MeetingTitle: "Sync", Limit: 10, Refusals: true},
			":ledger: Nothing in the audit log of *Sync* (`m-1`) yet."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := Render(commands.Reply{Audit: &tc.view})
			if m.ResponseType != slack.ResponseTypeEphemeral {
				t.Errorf("response_type = %q, want ephemeral", m.ResponseType)
			}
			if got := sectionTexts(t, m.Blocks.BlockSet)[0]; got != tc.want {
				t.Errorf("heading = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRenderAuditShowsAllFiftyTypical checks that the most entries "audit"
// can ask for, at a typical length, are all shown, in order, with nothing
// said to be missing.
func TestRenderAuditShowsAllFiftyTypical(t *testing.T) {
	t.Parallel()
	es := make([]commands.AuditEntry, 50)
	for i := range es {
		es[i] = commands.AuditEntry{Time: fixedNow, UserID: testRequester, Verb: "mute", Targets: []string{"Carol Díaz (p-003)"},
			Outcome: commands.OutcomeOK, Detail: fmt.Sprintf("muted 1 participant, entry %02d", i+1)}
	}
	m := Render(commands.Reply{Audit: &commands.AuditView{MeetingID: testMeetingID, Entries: es, Limit: 50}})
	all := strings.Join(sectionTexts(t, m.Blocks.BlockSet), "\n")
	last := -1
	for i := range es {
		at := strings.Index(all, fmt.Sprintf("entry %02d", i+1))
		if at < 0 {
			t.Fatalf("entry %d is missing from\n%s", i+1, all)
		}
		if at < last {
			t.Errorf("entry %d comes before entry %d", i+1, i)
		}
		last = at
	}
	if strings.Contains(all, "more not shown") {
		t.Errorf("says entries are missing although all fit:\n%s", all)
	}
}

// TestRenderAuditLine checks one entry's line: a mention only from a valid
// user ID, the verb and outcome, targets, detail and ref.
func TestRenderAuditLine(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		entry commands.AuditEntry
		want  string
	}{
		{"refused, typed targets", commands.AuditEntry{Time: fixedNow, UserID: "U0NOTAMOD", Verb: "kick", Targets: []string{"Bob", "<@U0EVIL> (U0EVIL)"},
			Outcome: commands.OutcomeRefused, Detail: "not a moderator"},
			":no_entry: <!date^1772618400^{date_short_pretty} at {time}|2026-03-04 10:00 UTC> <@U0NOTAMOD> ran `kick`: refused\n" +
				"_Targets:_ Bob, &lt;@U0EVIL&gt; (U0EVIL)\nnot a moderator"},
		{"failed with ref", commands.AuditEntry{Time: fixedNow, UserID: testRequester, Verb: "poll", Outcome: commands.OutcomeFailed, Ref: "7KQ2ZD"},
			":x: <!date^1772618400^{date_short_pretty} at {time}|2026-03-04 10:00 UTC> <@U024BE7LH> ran `poll`: failed (ref `7KQ2ZD`)"},
		{"invalid user ID is not a mention", commands.AuditEntry{UserID: "<!channel>", Verb: "mute-all", Outcome: "new_outcome"},
			":grey_question: unknown User `&lt;!channel&gt;` ran `mute-all`: new_outcome"},
		{"nothing known", commands.AuditEntry{},
			":grey_question: unknown Someone ran `(no command)`: unknown"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, auditLine(tc.entry)); diff != "" {
				t.Errorf("auditLine (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPackLines checks how audit lines are packed into sections: as many
// per section as fit, a prefix only, within the section count and the
// budget.
func TestPackLines(t *testing.T) {
	t.Parallel()
	line := func(n int) string { return strings.Repeat("x", n) }
	cases := []struct {
		name        string
		lines       []string
		maxSections int
		budget      int
		want        []string
		wantShown   int
	}{
		{"all in one", []string{"a", "b", "c"}, 5, 100, []string{"a\n\nb\n\nc"}, 3},
		{"section full", []string{line(2000), line(999), line(998)}, 5, 10000,
			[]string{line(2000), line(999) + "\n\n" + line(998)}, 3},
		{"exactly a section", []string{line(1499), line(1499)}, 5, 10000, []string{line(1499) + "\n\n" + line(1499)}, 2},
		{"out of sections", []string{line(2000), line(2000), line(2000)}, 2, 10000, []string{line(2000), line(2000)}, 2},
		{"out of budget", []string{line(10), line(10), line(10)}, 5, 23, []string{line(10) + "\n\n" + line(10)}, 2},
		{"first line over budget", []string{line(10)}, 5, 9, nil, 0},
		{"over-wide line clipped", []string{line(4000)}, 5, 10000, []string{line(2999) + ellipsis}, 1},
		{"nothing", nil, 5, 100, nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			blocks, shown := packLines(tc.lines, tc.maxSections, tc.budget)
			var got []string
			if len(blocks) > 0 {
				got = sectionTexts(t, blocks)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("sections (-want +got):\n%s", diff)
			}
			if shown != tc.wantShown {
				t.Errorf("shown = %d, want %d", shown, tc.wantShown)
			}
		})
	}
}
