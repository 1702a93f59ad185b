package slackapp

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/slack-go/slack"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/meeting"
)

// hostileText is participant- and user-controlled text at its worst: a channel
// ping, a user mention, a link, mrkdwn formatting, a date token, entities,
// control and bidi characters, an emoji outside the BMP, and a fake line of
// the bot's own.
const hostileText = "<!channel> <!here> <@U0EVIL> <https://evil.example|click> *bold* _it_ ~s~ `c` <!date^1^{time}|x> &amp; R&D \u202Eevil\n> quote 😀 " + spoofName

// repeatTo returns s repeated to n runes.
func repeatTo(s string, n int) string {
	r := []rune(strings.Repeat(s, n/len([]rune(s))+1))
	return string(r[:n])
}

// worstCases renders every message kind with as much user text as the core
// could ever hand over: 500 participants with 200-character names made of
// characters that grow when escaped, 500 poll options, 200 verbs.
func worstCases() []struct {
	name  string
	reply commands.Reply
} {
	name := repeatTo("<&>😀"+hostileText, 200)
	title := repeatTo("&<"+hostileText, 200)
	ps := make([]meeting.Participant, 500)
	for i := range ps {
		ps[i] = meeting.Participant{
			ID:                  repeatTo(fmt.Sprintf("%d&", i), 200),
			CustomParticipantID: repeatTo("<@U1>&", 200),
			Name:                name,
		}
	}
	as := asAffectedList(ps)
	opts := make([]meeting.PollOption, 500)
	for i := range opts {
		opts[i] = meeting.PollOption{Text: repeatTo("&<>"+hostileText, 100), Votes: 1 << 30}
	}
	verbs := make([]commands.VerbHelp, 200)
	for i := range verbs {
		verbs[i] = commands.VerbHelp{
			Name: repeatTo("&v", 200), Usage: repeatTo("<who>&", 1000), Summary: repeatTo("&"+hostileText, 3000),
			Examples: []string{repeatTo("&<", 3000), repeatTo("`x`", 3000)}, Moderator: true, Destructive: true,
		}
	}
	for i := 0; i < 200; i++ {
		verbs[0].Examples = append(verbs[0].Examples, repeatTo("ex&", 500))
	}
	s := liveSession(500)
	s.MeetingTitle, s.MeetingID, s.ID, s.Status = title, repeatTo("&id", 300), repeatTo("<sid>", 300), repeatTo("<weird>", 300)
	ended := s
	ended.Status, ended.EndedAt = meeting.StatusEnded, fixedNow.Add(400*24*time.Hour)
	big := strings.Repeat("&<>"+hostileText+"\n", 500)

	action := func(verb string, dry bool) commands.Reply {
		return commands.Reply{Action: &commands.ActionView{Verb: verb, RequesterID: repeatTo("<!channel>", 300), MeetingID: s.MeetingID,
			MeetingTitle: title, Affected: as, Count: 1 << 30, DryRun: dry}}
	}
	cases := []struct {
		name  string
		reply commands.Reply
	}{
		{"status", commands.Reply{Status: &commands.StatusView{Session: s, Participants: ps, Now: fixedNow.Add(999 * time.Hour)}}},
		{"status ended", commands.Reply{Status: &commands.StatusView{Session: ended, Participants: ps}}},
		{"confirm kick", commands.Reply{Confirm: &commands.ConfirmView{ID: repeatTo("id", 300), Verb: "kick", RequesterID: testRequester,
			MeetingID: s.MeetingID, MeetingTitle: title, Targets: ps, ExpiresAt: fixedNow}}},
		{"confirm kick-all", commands.Reply{Confirm: &commands.ConfirmView{ID: "x", Verb: "kick-all", MeetingID: s.MeetingID,
			MeetingTitle: title, Targets: ps, LiveCount: 1 << 30, ExpiresAt: fixedNow}}},
		{"poll", commands.Reply{Poll: &commands.PollView{Poll: meeting.Poll{ID: repeatTo("&p", 300), Question: repeatTo("&<"+hostileText, 300),
			Options: opts, CreatedBy: name}, MeetingID: s.MeetingID, MeetingTitle: title, RequesterID: testRequester}}},
		{"poll dry run", commands.Reply{Poll: &commands.PollView{Poll: meeting.Poll{Question: repeatTo("&", 5000), Options: opts},
			MeetingTitle: title, DryRun: true}}},
		{"help all", commands.Reply{Help: &commands.HelpView{Verbs: verbs, Unknown: repeatTo("&<", 500), Suggestion: repeatTo("&>", 500)}}},
		{"help verb", commands.Reply{Help: &commands.HelpView{Verb: &verbs[0], Unknown: name}}},
		{"error", commands.Reply{Error: &commands.ErrorView{Code: commands.CodeInternal, Message: big, Ref: repeatTo("&", 500)}}},
		{"error rate limited", commands.Reply{Error: &commands.ErrorView{Code: commands.CodeRateLimited, Message: big, RetryAfter: 1 << 62}}},
		{"notice", commands.Reply{Notice: &commands.NoticeView{Text: big}}},
	}
	for _, verb := range []string{"mute", "kick", "mute-all", "kick-all", repeatTo("&verb", 300)} {
		cases = append(cases,
			struct {
				name  string
				reply commands.Reply
			}{verb, action(verb, false)},
			struct {
				name  string
				reply commands.Reply
			}{verb + " dry run", action(verb, true)})
	}
	return cases
}

// caseNamed finds a case by name.
func caseNamed(t *testing.T, cases []struct {
	name  string
	reply commands.Reply
}, name string) commands.Reply {
	t.Helper()
	for _, c := range cases {
		if c.name == name {
			return c.reply
		}
	}
	t.Fatalf("no case %q", name)
	return commands.Reply{}
}

func worstAudit() commands.AuditEntry {
	targets := make([]string, 500)
	for i := range targets {
		targets[i] = repeatTo("&<>"+hostileText, 300)
	}
	return commands.AuditEntry{Time: fixedNow, TeamID: repeatTo("&T", 300), ChannelID: "<!channel>", UserID: "<!channel>",
		Verb: repeatTo("&", 300), MeetingID: repeatTo("&", 300), MeetingTitle: repeatTo("<&>"+hostileText, 300), Targets: targets,
		Outcome: commands.Outcome(repeatTo("&", 300)), Detail: strings.Repeat(hostileText, 300), Ref: repeatTo("<&>", 300)}
}

// utf16Len is the UTF-16 length, computed independently of textWidth.
func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// checkLimits walks a marshalled message and reports every Block Kit limit
// it breaks.
func checkLimits(t *testing.T, raw []byte) { checkLimitsOf(t, raw, false) }

// checkLimitsOf is checkLimits, optionally without the bound on the blocks'
// text in all.
func checkLimitsOf(t *testing.T, raw []byte, totalExempt bool) {
	t.Helper()
	var m struct {
		Text   string           `json:"text"`
		Blocks []map[string]any `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	if m.Text == "" || utf16Len(m.Text) > maxFallbackText {
		t.Errorf("text fallback is %d UTF-16 units, want 1..%d", utf16Len(m.Text), maxFallbackText)
	}
	if len(m.Blocks) == 0 || len(m.Blocks) > 50 {
		t.Errorf("%d blocks, want 1..50", len(m.Blocks))
	}
	// Slack rejects blocks holding about 13,000 characters in all
	// (msg_blocks_too_long) although each is within its own limit. Help is
	// let off: its text is our own registry's, which is far from that even
	// in full, while the worst case here feeds it 200 verbs of 3,000-unit
	// summaries.
	total := 0
	defer func() {
		if total > 12000 && !totalExempt {
			t.Errorf("blocks hold %d UTF-16 units of text in all, want ≤ 12000", total)
		}
	}()
	textObj := func(where string, v any, max int, wantType string) {
		o, ok := v.(map[string]any)
		if !ok {
			t.Errorf("%s: not a text object: %v", where, v)
			return
		}
		typ, _ := o["type"].(string)
		text, _ := o["text"].(string)
		total += utf16Len(text)
		if typ != "mrkdwn" && typ != "plain_text" || wantType != "" && typ != wantType {
			t.Errorf("%s: text type %q", where, typ)
		}
		if n := utf16Len(text); n == 0 || n > max {
			t.Errorf("%s: text is %d UTF-16 units, want 1..%d", where, n, max)
		}
	}
	for i, b := range m.Blocks {
		where := fmt.Sprintf("block %d (%v)", i, b["type"])
		if id, _ := b["block_id"].(string); len(id) > 255 {
			t.Errorf("%s: block_id is %d long", where, len(id))
		}
		switch b["type"] {
		case "section":
			fields, _ := b["fields"].([]any)
			if b["text"] == nil && len(fields) == 0 {
				t.Errorf("%s: neither text nor fields", where)
			}
			if b["text"] != nil {
				textObj(where+" text", b["text"], 3000, "")
			}
			if len(fields) > 10 {
				t.Errorf("%s: %d fields, want ≤ 10", where, len(fields))
			}
			for j, f := range fields {
				textObj(fmt.Sprintf("%s field %d", where, j), f, 2000, "")
			}
		case "header":
			textObj(where, b["text"], 150, "plain_text")
		case "context":
			elems, _ := b["elements"].([]any)
			if len(elems) == 0 || len(elems) > 10 {
				t.Errorf("%s: %d elements, want 1..10", where, len(elems))
			}
			for j, e := range elems {
				textObj(fmt.Sprintf("%s element %d", where, j), e, 3000, "")
			}
		case "actions":
			elems, _ := b["elements"].([]any)
			if len(elems) == 0 || len(elems) > 25 {
				t.Errorf("%s: %d elements, want 1..25", where, len(elems))
			}
			for j, e := range elems {
				btn, _ := e.(map[string]any)
				bw := fmt.Sprintf("%s button %d", where, j)
				textObj(bw, btn["text"], 75, "plain_text")
				if v, _ := btn["value"].(string); utf16Len(v) > 2000 {
					t.Errorf("%s: value is %d units", bw, utf16Len(v))
				}
				if a, _ := btn["action_id"].(string); a == "" || len(a) > 255 {
					t.Errorf("%s: action_id %q", bw, a)
				}
			}
		default:
			t.Errorf("%s: unexpected block type", where)
		}
	}
}

func TestRenderLimits(t *testing.T) {
	t.Parallel()
	var all []struct {
		name  string
		reply commands.Reply
	}
	all = append(all, worstCases()...)
	all = append(all, goldenCases()...)
	for _, tc := range all {
		if tc.reply.DeleteOriginal {
			continue // no message, only the deletion of one
		}
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw, err := json.Marshal(Render(tc.reply))
			if err != nil {
				t.Fatal(err)
			}
			checkLimitsOf(t, raw, tc.name == "help all" || tc.name == "help verb")
		})
	}
	t.Run("audit", func(t *testing.T) {
		t.Parallel()
		text, blocks := RenderAudit(worstAudit())
		raw, err := json.Marshal(slack.Msg{Text: text, Blocks: slack.Blocks{BlockSet: blocks}})
		if err != nil {
			t.Fatal(err)
		}
		checkLimits(t, raw)
	})
	t.Run("audit log of 60 worst entries", func(t *testing.T) {
		t.Parallel()
		e := worstAudit()
		entries := make([]commands.AuditEntry, 60)
		for i := range entries {
			entries[i] = e
		}
		raw, err := json.Marshal(Render(commands.Reply{Audit: &commands.AuditView{MeetingID: e.MeetingID, MeetingTitle: e.MeetingTitle, Entries: entries}}))
		if err != nil {
			t.Fatal(err)
		}
		checkLimits(t, raw)
		if !strings.Contains(string(raw), "more not shown") {
			t.Error("a cut audit log does not say how many entries it left out")
		}
	})
	t.Run("audit log of 500 one-line entries", func(t *testing.T) {
		t.Parallel()
		entries := make([]commands.AuditEntry, 500)
		for i := range entries {
			entries[i] = commands.AuditEntry{Time: fixedNow, UserID: testRequester, Verb: "status", Outcome: commands.OutcomeOK}
		}
		raw, err := json.Marshal(Render(commands.Reply{Audit: &commands.AuditView{MeetingID: testMeetingID, Entries: entries}}))
		if err != nil {
			t.Fatal(err)
		}
		checkLimits(t, raw)
		if !strings.Contains(string(raw), "more not shown") {
			t.Error("a cut audit log does not say how many entries it left out")
		}
	})
	t.Run("busy", func(t *testing.T) {
		t.Parallel()
		raw, err := json.Marshal(BusyMessage())
		if err != nil {
			t.Fatal(err)
		}
		checkLimits(t, raw)
	})
}

// TestRenderTruncationSaysHowMany checks that a cut list says what it left
// out, rather than dropping people silently.
func TestRenderTruncationSaysHowMany(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		reply commands.Reply
		want  string
	}{
		{"status lists 20 of 35", commands.Reply{Status: &commands.StatusView{Session: liveSession(35), Participants: fakePeople(35), Now: fixedNow}},
			"Judy 2 and 15 more"},
		{"status with repeatTo names cuts by width", caseNamed(t, worstCases(), "status"), " more"},
		{"confirm with 500 targets", caseNamed(t, worstCases(), "confirm kick"), "…and 49"},
		{"mute of 500", caseNamed(t, worstCases(), "mute"), " more in "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw := marshalReadable(t, Render(tc.reply))
			if !strings.Contains(string(raw), tc.want) {
				t.Errorf("want %q in\n%s", tc.want, raw)
			}
		})
	}
}

// ourTokens are the only <…> sequences the renderer may emit: user and
// channel mentions built from validated IDs, and date tokens.
var ourTokens = regexp.MustCompile(`^(<@[UW][A-Z0-9]+>|<#[CGD][A-Z0-9]+>|<!date\^\d+\^[{}a-z_ ]+\|[0-9: -]+UTC>)$`)

var (
	angleToken     = regexp.MustCompile(`<[^>]*>?`)
	entityStripper = strings.NewReplacer("&amp;", "", "&lt;", "", "&gt;", "")
)

// checkEscaped reports every string in a marshalled message that holds a
// < … > sequence we did not build, or a bare &.
func checkEscaped(t *testing.T, raw []byte) {
	t.Helper()
	eachString(t, raw, func(path, x string) {
		for _, tok := range angleToken.FindAllString(x, -1) {
			if !ourTokens.MatchString(tok) {
				t.Errorf("%s: unescaped %q in %q", path, tok, x)
			}
		}
		if strings.Contains(entityStripper.Replace(x), "&") {
			t.Errorf("%s: bare & in %q", path, x)
		}
	})
}

// eachString calls f with every string in a marshalled message and its
// JSON path.
func eachString(t *testing.T, raw []byte, f func(path, s string)) {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(path+"."+k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		case string:
			f(path, x)
		}
	}
	walk("", v)
}

// TestRenderEscapesEverything puts a participant named "<!channel>" (and
// worse) into every user-controlled field of every message and checks that
// nothing of it reaches Slack as a token, while the text is still shown.
func TestRenderEscapesEverything(t *testing.T) {
	t.Parallel()
	ps := []meeting.Participant{{ID: hostileText, CustomParticipantID: hostileText, Name: hostileText}, {ID: "p-2", Name: "<!channel>"}}
	s := meeting.Session{ID: hostileText, MeetingID: hostileText, MeetingTitle: hostileText, Status: hostileText, StartedAt: fixedNow}
	poll := meeting.Poll{ID: hostileText, Question: hostileText, CreatedBy: hostileText, Options: []meeting.PollOption{{Text: hostileText}, {Text: "<!channel>"}}}
	vh := commands.VerbHelp{Name: hostileText, Usage: hostileText, Summary: hostileText, Examples: []string{hostileText}}
	cases := []struct {
		name  string
		reply commands.Reply
	}{
		{"status", commands.Reply{Status: &commands.StatusView{Session: s, Participants: ps, Now: fixedNow}}},
		{"confirm", commands.Reply{Confirm: &commands.ConfirmView{ID: "cf-1", Verb: "kick", RequesterID: hostileText,
			MeetingID: hostileText, MeetingTitle: hostileText, Targets: ps, ExpiresAt: fixedNow}}},
		{"confirm kick-all", commands.Reply{Confirm: &commands.ConfirmView{ID: "c", Verb: "kick-all", MeetingID: hostileText, MeetingTitle: hostileText, LiveCount: 2}}},
		{"poll", commands.Reply{Poll: &commands.PollView{Poll: poll, MeetingID: hostileText, MeetingTitle: hostileText, RequesterID: hostileText}}},
		{"help", commands.Reply{Help: &commands.HelpView{Verbs: []commands.VerbHelp{vh}, Unknown: hostileText, Suggestion: hostileText}}},
		{"help verb", commands.Reply{Help: &commands.HelpView{Verb: &vh}}},
		{"error", commands.Reply{Error: &commands.ErrorView{Code: commands.CodeInternal, Message: hostileText, Ref: hostileText}}},
		{"error code", commands.Reply{Error: &commands.ErrorView{Code: commands.ErrorCode(hostileText), Message: hostileText}}},
		{"notice", commands.Reply{Notice: &commands.NoticeView{Text: hostileText}}},
		{"link", commands.Reply{Link: &commands.LinkView{Action: commands.LinkLinked, RequesterID: hostileText, MeetingID: hostileText, MeetingTitle: hostileText}}},
		{"link shown", commands.Reply{Link: &commands.LinkView{Action: commands.LinkShown, LinkedBy: hostileText, MeetingID: hostileText, MeetingTitle: hostileText, LinkedAt: fixedNow}}},
		{"link unlinked", commands.Reply{Link: &commands.LinkView{Action: commands.LinkUnlinked, RequesterID: hostileText, MeetingID: hostileText,
			MeetingTitle: hostileText, LinkedBy: hostileText}}},
		{"link unknown action", commands.Reply{Link: &commands.LinkView{Action: hostileText, RequesterID: hostileText, MeetingID: hostileText,
			MeetingTitle: hostileText, LinkedBy: "<@U0EVIL>"}}},
		{"audit log", commands.Reply{Audit: &commands.AuditView{MeetingID: hostileText, MeetingTitle: hostileText, Limit: 10, Entries: []commands.AuditEntry{{
			Time: fixedNow, UserID: hostileText, Verb: hostileText, Targets: []string{hostileText, "<!channel>", "<@U0EVIL> (p-1)"},
			Outcome: commands.Outcome(hostileText), Detail: hostileText, Ref: hostileText}, {
			Time: fixedNow, UserID: "<!channel>", Verb: "<!here>", MeetingTitle: hostileText, Outcome: commands.OutcomeOK, Detail: "<!channel>"}}}}},
		{"audit log empty", commands.Reply{Audit: &commands.AuditView{MeetingID: hostileText, MeetingTitle: hostileText}}},
	}
	for _, verb := range []string{"mute", "kick", "mute-all", "kick-all", hostileText} {
		for _, dry := range []bool{false, true} {
			cases = append(cases, struct {
				name  string
				reply commands.Reply
			}{fmt.Sprintf("%.10s dry=%v", verb, dry), commands.Reply{Action: &commands.ActionView{Verb: verb, RequesterID: hostileText,
				MeetingID: hostileText, MeetingTitle: hostileText, Affected: asAffectedList(ps), DryRun: dry}}})
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw := marshalReadable(t, Render(tc.reply))
			checkHostile(t, raw)
		})
	}
	t.Run("audit", func(t *testing.T) {
		t.Parallel()
		text, blocks := RenderAudit(commands.AuditEntry{Time: fixedNow, TeamID: hostileText, ChannelID: hostileText, UserID: hostileText, Verb: hostileText,
			MeetingID: hostileText, MeetingTitle: hostileText, Targets: []string{hostileText}, Outcome: commands.Outcome(hostileText), Detail: hostileText, Ref: hostileText})
		checkHostile(t, marshalReadable(t, struct {
			Text   string        `json:"text"`
			Blocks []slack.Block `json:"blocks"`
		}{text, blocks}))
	})
	for _, tc := range goldenCases() {
		t.Run("golden "+tc.name, func(t *testing.T) {
			t.Parallel()
			checkEscaped(t, marshalReadable(t, Render(tc.reply)))
		})
	}
}

func checkHostile(t *testing.T, raw []byte) {
	t.Helper()
	for _, bad := range []string{"<!channel>", "<!here>", "<@U0EVIL>", "<https://", "<!date^1^", "\u202E"} {
		if strings.Contains(string(raw), bad) {
			t.Errorf("%q reaches Slack unescaped:\n%s", bad, raw)
		}
	}
	if !strings.Contains(string(raw), "&lt;!channel&gt;") {
		t.Errorf("the escaped name is not shown at all:\n%s", raw)
	}
	checkEscaped(t, raw)
	checkOneLine(t, raw)
}

// checkOneLine reports user text (hostileText) that starts a line of its
// own, or whose mrkdwn formatting survives, in a marshalled message.
func checkOneLine(t *testing.T, raw []byte) {
	t.Helper()
	eachString(t, raw, func(path, x string) {
		for _, bad := range []string{"evil\n", "Bob\n", "*bold*", "_it_", "~s~", "`c`", "*Nothing to do…*"} {
			if strings.Contains(x, bad) {
				t.Errorf("%s: user text keeps %q: %q", path, bad, x)
			}
		}
		for _, line := range strings.Split(x, "\n") {
			if strings.HasPrefix(line, "&gt;") || strings.HasPrefix(line, ">") {
				t.Errorf("%s: user text starts a quoted line: %q", path, x)
			}
		}
	})
}
