package slackapp

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/rtkbot/rtkbot/internal/commands"
)

// The audit renderers keep their own budgets, under Slack's limits, so that
// what they leave out is counted for the reader. The last-resort cuts
// (rendered.msg's block cap, a section's or a field's clip) would also keep
// Slack from rejecting the message, but silently: these tests fail if a
// renderer leaves the cutting to them.

var tailCount = regexp.MustCompile(`^…and (\d+) more not shown\.$`)

// refsIn returns the refs `R…` in s, in order.
func refsIn(s string) []string {
	var out []string
	for _, m := range regexp.MustCompile("\\(ref `(R\\d+)`\\)").FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// checkAuditList checks an audit list of n entries with refs R000…: the
// entries shown are the first ones, in order, and the last block before
// the closing note (if any) counts exactly the others. It returns how many
// were shown.
func checkAuditList(t *testing.T, blocks []slack.Block, n int) int {
	t.Helper()
	texts := sectionTexts(t, blocks)
	if last := texts[len(texts)-1]; strings.Contains(last, "`--refusals`") {
		texts = texts[:len(texts)-1]
	}
	var shown []string
	for _, s := range texts[1 : len(texts)-1] {
		shown = append(shown, refsIn(s)...)
	}
	for i, ref := range shown {
		if want := fmt.Sprintf("R%03d", i); ref != want {
			t.Fatalf("entry %d shown is %s, want %s: entries are shown newest first, a prefix", i, ref, want)
		}
	}
	if len(shown) == 0 || len(shown) >= n {
		t.Fatalf("%d of %d entries shown, want some but not all", len(shown), n)
	}
	m := tailCount.FindStringSubmatch(texts[len(texts)-1])
	if m == nil {
		t.Fatalf("last block is %q, want one counting the entries not shown", texts[len(texts)-1])
	}
	if left, _ := strconv.Atoi(m[1]); left != n-len(shown) {
		t.Errorf("the tail says %d more, but %d of %d entries are shown", left, len(shown), n)
	}
	return len(shown)
}

func textOfBlocks(t *testing.T, blocks []slack.Block) int {
	t.Helper()
	n := 0
	for _, s := range sectionTexts(t, blocks) {
		n += utf16Len(s)
	}
	return n
}

// TestRenderAuditListOfFiveHundredLongEntries: a log of 500 long entries
// fits Slack's 50 blocks and 12,000 units of text, and says how many it
// left out.
func TestRenderAuditListOfFiveHundredLongEntries(t *testing.T) {
	t.Parallel()
	entries := make([]commands.AuditEntry, 500)
	for i := range entries {
		targets := make([]string, 30)
		for j := range targets {
			targets[j] = fmt.Sprintf("Participant %02d with a rather long display name (p-%03d)", j, j)
		}
		entries[i] = commands.AuditEntry{Time: fixedNow, UserID: testRequester, Verb: "kick", Outcome: commands.OutcomeFailed,
			Targets: targets, Detail: strings.Repeat("RealtimeKit answered 502 Bad Gateway while kicking; ", 20),
			Ref: fmt.Sprintf("R%03d", i)}
	}
	for _, refusals := range []bool{false, true} { // without --refusals, a note closes the list
		m := Render(commands.Reply{Audit: &commands.AuditView{MeetingID: testMeetingID, Entries: entries, Limit: 500, Refusals: refusals}})
		blocks := m.Blocks.BlockSet
		if len(blocks) > maxBlocks {
			t.Errorf("refusals %v: %d blocks, want at most %d", refusals, len(blocks), maxBlocks)
		}
		if n := textOfBlocks(t, blocks); n > maxMessageText {
			t.Errorf("refusals %v: blocks hold %d units of text, want at most %d", refusals, n, maxMessageText)
		}
		checkAuditList(t, blocks, len(entries))
	}
}

// TestAuditListBlocksKeepsEachBudget: the block limit and the text limit
// each hold on their own, whichever binds first, and what does not fit
// is counted. (With Slack's limits the text budget always binds first, so
// only this test notices the block limit.)
func TestAuditListBlocksKeepsEachBudget(t *testing.T) {
	t.Parallel()
	lines := func(n, width int) []string {
		out := make([]string, n)
		for i := range out {
			ref := fmt.Sprintf(" (ref `R%03d`)", i)
			out[i] = strings.Repeat("x", width-textWidth(ref)) + ref
		}
		return out
	}
	const head = ":ledger: Audit log"
	t.Run("blocks bind", func(t *testing.T) {
		t.Parallel()
		blocks := auditListBlocks(head, lines(500, 2900), nil, 10, 1<<20)
		if len(blocks) > 10 {
			t.Errorf("%d blocks, want at most 10", len(blocks))
		}
		if shown := checkAuditList(t, blocks, 500); shown != 8 {
			t.Errorf("%d entries shown, want 8: one a section between the heading and the tail", shown)
		}
	})
	t.Run("text binds", func(t *testing.T) {
		t.Parallel()
		blocks := auditListBlocks(head, lines(500, 100), nil, 1000, 5000)
		if n := textOfBlocks(t, blocks); n > 5000 {
			t.Errorf("blocks hold %d units of text, want at most 5000", n)
		}
		if shown := checkAuditList(t, blocks, 500); shown < 40 {
			t.Errorf("%d entries shown, want the ~48 that fit in 5,000 units", shown)
		}
	})
}

// TestRenderAuditPostCountsTargetsItCannotShow: the audit channel's post
// of a kick of 500 people lists as many as its field holds and counts the
// rest, rather than being clipped mid-name.
func TestRenderAuditPostCountsTargetsItCannotShow(t *testing.T) {
	t.Parallel()
	targets := make([]string, 500)
	for i := range targets {
		targets[i] = fmt.Sprintf("Participant %03d with a rather long display name (p-%03d)", i, i)
	}
	_, blocks := RenderAudit(commands.AuditEntry{Time: fixedNow, UserID: testRequester, MeetingID: testMeetingID,
		Verb: "kick-all", Outcome: commands.OutcomeOK, Targets: targets})
	var field string
	for _, b := range blocks {
		if s, ok := b.(*slack.SectionBlock); ok {
			for _, f := range s.Fields {
				if strings.HasPrefix(f.Text, "*Targets*\n") {
					field = f.Text
				}
			}
		}
	}
	if field == "" {
		t.Fatal("no Targets field")
	}
	if n := utf16Len(field); n > maxFieldText {
		t.Errorf("Targets field is %d units, want at most %d", n, maxFieldText)
	}
	m := regexp.MustCompile(` and (\d+) more$`).FindStringSubmatch(field)
	if m == nil {
		t.Fatalf("Targets field does not end by counting who it left out:\n…%s", field[max(0, len(field)-120):])
	}
	shown := strings.Count(field, "Participant ")
	if left, _ := strconv.Atoi(m[1]); left != len(targets)-shown || shown == 0 {
		t.Errorf("Targets field shows %d and says %d more; want %d in all", shown, left, len(targets))
	}
}
