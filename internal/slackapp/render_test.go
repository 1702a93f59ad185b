package slackapp

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/meeting"
)

// Fixed times keep the golden files stable.
var (
	fixedNow   = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	fixedLater = fixedNow.Add(83*time.Minute + 20*time.Second)
)

const (
	testMeetingID = "bbb4ab9c-5b7c-4a4c-9c5d-1f7e2a3b4c5d"
	testSessionID = "5c1e9d3a-0000-4f00-8000-000000000001"
	testRequester = "U024BE7LH"
)

var fakeFirstNames = []string{"Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy"}

// fakePeople returns n live participants with distinct names and IDs, joined a
// minute apart.
func fakePeople(n int) []meeting.Participant {
	ps := make([]meeting.Participant, n)
	for i := range ps {
		name := fakeFirstNames[i%len(fakeFirstNames)]
		if i >= len(fakeFirstNames) {
			name = fmt.Sprintf("%s %d", name, i/len(fakeFirstNames)+1)
		}
		ps[i] = meeting.Participant{
			ID:                  fmt.Sprintf("p-%03d", i+1),
			CustomParticipantID: fmt.Sprintf("user-%03d@example.com", i+1),
			Name:                name,
			Preset:              "group_call_participant",
			JoinedAt:            fixedNow.Add(time.Duration(i) * time.Minute),
		}
	}
	return ps
}

func asAffectedList(ps []meeting.Participant) []meeting.Affected {
	as := make([]meeting.Affected, len(ps))
	for i, p := range ps {
		as[i] = meeting.Affected{ID: p.ID, CustomParticipantID: p.CustomParticipantID, Name: p.Name}
	}
	return as
}

func liveSession(n int) meeting.Session {
	return meeting.Session{
		ID:               testSessionID,
		MeetingID:        testMeetingID,
		MeetingTitle:     "Weekly sync",
		Status:           meeting.StatusLive,
		LiveParticipants: n,
		PeakParticipants: n + 4,
		MinutesConsumed:  412.25,
		StartedAt:        fixedNow,
	}
}

// helpRegistry mirrors the verbs of the command registry, as help shows them.
var helpRegistry = []commands.VerbHelp{
	{Name: "help", Usage: "help [verb]", Summary: "Show this help, or one command's help with examples."},
	{Name: "status", Usage: "status [meeting]", Summary: "Show who is in a meeting, for how long, and its usage."},
	{Name: "mute", Usage: "mute [meeting] <who>… [--dry-run]", Summary: "Mute participants.", Moderator: true,
		Examples: []string{`mute bbb4ab9c Bob`, `mute bbb4ab9c "Carol Smith" <@U024BE7LH>`}},
	{Name: "mute-all", Usage: "mute-all [meeting] [--allow-unmute] [--dry-run]", Summary: "Mute everyone.", Moderator: true},
	{Name: "kick", Usage: "kick [meeting] <who>… [--dry-run]", Summary: "Remove participants from the meeting.", Moderator: true, Destructive: true,
		Examples: []string{`kick bbb4ab9c Bob`, `/meeting kick bbb4ab9c p-002 --dry-run`}},
	{Name: "kick-all", Usage: "kick-all [meeting] [--dry-run]", Summary: "Remove everyone, ending the session.", Moderator: true, Destructive: true},
	{Name: "poll", Usage: `poll [meeting] "question" "option" "option"… [--anonymous] [--hide-votes] [--dry-run]`, Summary: "Start a poll in the meeting.", Moderator: true},
}

// goldenCases is every message kind and variant Render produces. The limits
// and escaping tests reuse it, so a new case is checked by all of them.
func goldenCases() []struct {
	name  string
	reply commands.Reply
} {
	ended := liveSession(0)
	ended.Status = meeting.StatusEnded
	ended.EndedAt = fixedNow.Add(2*time.Hour + 5*time.Minute)
	ended.PeakParticipants = 12

	three := fakePeople(3)
	spoofed := fakePeople(3)
	spoofed[1].Name = spoofName
	spoofedSession := liveSession(3)
	spoofedSession.MeetingTitle = "Weekly sync\n> *URGENT* _all hands_"
	return []struct {
		name  string
		reply commands.Reply
	}{
		{"status_3_people", commands.Reply{Visibility: commands.InChannel, Status: &commands.StatusView{
			Session: liveSession(3), Participants: three, Now: fixedLater}}},
		{"status_35_people", commands.Reply{Visibility: commands.InChannel, Status: &commands.StatusView{
			Session: liveSession(35), Participants: fakePeople(35), Now: fixedLater}}},
		{"status_ended", commands.Reply{Visibility: commands.InChannel, Status: &commands.StatusView{
			Session: ended, Now: fixedLater.Add(3 * time.Hour)}}},
		{"mute", commands.Reply{Visibility: commands.InChannel, Action: &commands.ActionView{
			Verb: "mute", RequesterID: testRequester, MeetingID: testMeetingID, MeetingTitle: "Weekly sync",
			Affected: asAffectedList(three[1:])}}},
		{"mute_dry_run", commands.Reply{Visibility: commands.Ephemeral, Action: &commands.ActionView{
			Verb: "mute", RequesterID: testRequester, MeetingID: testMeetingID, MeetingTitle: "Weekly sync",
			Affected: asAffectedList(three[1:]), DryRun: true}}},
		{"mute_all", commands.Reply{Visibility: commands.InChannel, Action: &commands.ActionView{
			Verb: "mute-all", RequesterID: testRequester, MeetingID: testMeetingID, MeetingTitle: "Weekly sync", Count: 12}}},
		{"mute_all_allow_unmute", commands.Reply{Visibility: commands.InChannel, Action: &commands.ActionView{
			Verb: "mute-all", RequesterID: testRequester, MeetingID: testMeetingID, MeetingTitle: "Weekly sync", Count: 12, AllowUnmute: true}}},
		{"mute_all_dry_run", commands.Reply{Visibility: commands.Ephemeral, Action: &commands.ActionView{
			Verb: "mute-all", RequesterID: testRequester, MeetingID: testMeetingID, MeetingTitle: "Weekly sync", Count: 3,
			Affected: asAffectedList(three), DryRun: true}}},
		{"kick_confirm", commands.Reply{Visibility: commands.Ephemeral, Confirm: &commands.ConfirmView{
			ID: "cf-7d1f0b", Verb: "kick", RequesterID: testRequester, MeetingID: testMeetingID, MeetingTitle: "Weekly sync",
			Targets: three[1:], ExpiresAt: fixedNow.Add(10 * time.Minute)}}},
		{"kick_all_confirm", commands.Reply{Visibility: commands.Ephemeral, Confirm: &commands.ConfirmView{
			ID: "cf-9a2c44", Verb: "kick-all", RequesterID: testRequester, MeetingID: testMeetingID, MeetingTitle: "Weekly sync",
			LiveCount: 12, ExpiresAt: fixedNow.Add(10 * time.Minute)}}},
		{"kick_result", commands.Reply{Visibility: commands.InChannel, Action: &commands.ActionView{
			Verb: "kick", RequesterID: testRequester, MeetingID: testMeetingID, MeetingTitle: "Weekly sync",
			Affected: asAffectedList(three[1:2])}}},
		{"kick_prompt_deleted", commands.Reply{Visibility: commands.Ephemeral, DeleteOriginal: true}},
		{"kick_dry_run", commands.Reply{Visibility: commands.Ephemeral, Action: &commands.ActionView{
			Verb: "kick", RequesterID: testRequester, MeetingID: testMeetingID, MeetingTitle: "Weekly sync",
			Affected: asAffectedList(three[1:]), DryRun: true}}},
		{"kick_all_result", commands.Reply{Visibility: commands.InChannel, Action: &commands.ActionView{
			Verb: "kick-all", RequesterID: testRequester, MeetingID: testMeetingID, MeetingTitle: "Weekly sync", Count: 12}}},
		{"kick_all_dry_run", commands.Reply{Visibility: commands.Ephemeral, Action: &commands.ActionView{
			Verb: "kick-all", RequesterID: testRequester, MeetingID: testMeetingID, MeetingTitle: "Weekly sync", Count: 3,
			Affected: asAffectedList(three), DryRun: true}}},
		{"poll", commands.Reply{Visibility: commands.InChannel, Poll: &commands.PollView{
			MeetingID: testMeetingID, MeetingTitle: "Weekly sync", RequesterID: testRequester,
			Poll: meeting.Poll{ID: "poll-5e2a", Question: "Lunch?", CreatedBy: "rtkbot",
				Options: []meeting.PollOption{{Text: "Pizza"}, {Text: "Sushi"}, {Text: "Salad", Votes: 1}}}}}},
		{"poll_anonymous_hide_votes", commands.Reply{Visibility: commands.InChannel, Poll: &commands.PollView{
			MeetingID: testMeetingID, MeetingTitle: "Weekly sync", RequesterID: testRequester,
			Poll: meeting.Poll{ID: "poll-6f3b", Question: "Ship on Friday?", Anonymous: true, HideVotes: true,
				Options: []meeting.PollOption{{Text: "Yes"}, {Text: "No"}}}}}},
		{"poll_dry_run", commands.Reply{Visibility: commands.Ephemeral, Poll: &commands.PollView{
			MeetingID: testMeetingID, MeetingTitle: "Weekly sync", RequesterID: testRequester, DryRun: true,
			Poll: meeting.Poll{Question: "Lunch?", Options: []meeting.PollOption{{Text: "Pizza"}, {Text: "Sushi"}}}}}},
		{"help_all", commands.Reply{Visibility: commands.Ephemeral, Help: &commands.HelpView{Verbs: helpRegistry}}},
		{"help_verb", commands.Reply{Visibility: commands.Ephemeral, Help: &commands.HelpView{Verb: &helpRegistry[4]}}},
		{"help_unknown_suggestion", commands.Reply{Visibility: commands.Ephemeral, Help: &commands.HelpView{
			Verbs: helpRegistry, Unknown: "kik", Suggestion: "kick"}}},
		{"help_unknown_no_suggestion", commands.Reply{Visibility: commands.Ephemeral, Help: &commands.HelpView{
			Verbs: helpRegistry, Unknown: "dance"}}},
		{"status_spoofed_name", commands.Reply{Visibility: commands.InChannel, Status: &commands.StatusView{
			Session: spoofedSession, Participants: spoofed, Now: fixedLater}}},
		{"mute_spoofed_name", commands.Reply{Visibility: commands.InChannel, Action: &commands.ActionView{
			Verb: "mute", RequesterID: testRequester, MeetingID: testMeetingID, MeetingTitle: spoofedSession.MeetingTitle,
			Affected: asAffectedList(spoofed[1:])}}},
		{"error_spoofed_name", errorReply(commands.CodeNotFound, "No one in “Weekly sync” matches “zed”. Live now (2): Alice (p-001) and "+
			spoofName+" (p-002).")},
		{"error_invalid", errorReply(commands.CodeInvalid, `Poll options must be different: "Yes" appears twice.`)},
		{"error_invalid_no_message", errorReply(commands.CodeInvalid, "")},
		{"error_not_found", errorReply(commands.CodeNotFound, "No one called \"Zed\" is in Weekly sync. Live now: Alice, Bob, Carol.")},
		{"error_ambiguous", errorReply(commands.CodeAmbiguous, "\"Al\" matches 2 people:\nAlice (p-001)\nAlan (p-004)")},
		{"error_forbidden", errorReply(commands.CodeForbidden, "Only moderators can kick. No moderators are configured: set BOT_MODERATORS.")},
		{"error_expired", errorReply(commands.CodeExpired, "")},
		{"error_conflict", errorReply(commands.CodeConflict, "This kick was already confirmed.")},
		{"error_rate_limited", commands.Reply{Visibility: commands.InChannel, Error: &commands.ErrorView{
			Code: commands.CodeRateLimited, Message: "RealtimeKit is rate limiting us.", RetryAfter: 11200 * time.Millisecond}}},
		{"error_rate_limited_no_wait", errorReply(commands.CodeRateLimited, "")},
		{"error_timeout", errorReply(commands.CodeTimeout, "")},
		{"error_upstream", errorReply(commands.CodeUpstream, "RealtimeKit rejected the API token.")},
		{"error_internal", commands.Reply{Error: &commands.ErrorView{Code: commands.CodeInternal, Ref: "7KQ2ZD"}}},
		{"error_internal_ref_in_message", commands.Reply{ReplaceOriginal: true, Error: &commands.ErrorView{Code: commands.CodeInternal, Ref: "7KQ2ZD",
			Message: "Something went wrong on our side: internal error (ref 7KQ2ZD). Nothing was changed."}}},
		{"error_rate_limited_wait_in_message", errorReply(commands.CodeRateLimited, "RealtimeKit is rate limiting the bot; nothing was changed. Try again in 12 s.")},
		{"error_unknown_code", errorReply("teapot", "Short and stout.")},
		{"notice", commands.Reply{Visibility: commands.Ephemeral, ReplaceOriginal: true, Notice: &commands.NoticeView{Text: "Cancelled. Nobody was kicked."}}},
		{"link_linked", commands.Reply{Visibility: commands.InChannel, Link: &commands.LinkView{Action: commands.LinkLinked,
			RequesterID: testRequester, MeetingID: testMeetingID, MeetingTitle: "Weekly sync", LinkedBy: testRequester, LinkedAt: fixedNow}}},
		{"link_unlinked", commands.Reply{Visibility: commands.InChannel, Link: &commands.LinkView{Action: commands.LinkUnlinked,
			RequesterID: testRequester, MeetingID: testMeetingID, MeetingTitle: "Weekly sync"}}},
		{"link_shown", commands.Reply{Visibility: commands.Ephemeral, Link: &commands.LinkView{Action: commands.LinkShown,
			RequesterID: "U0ASKER", MeetingID: testMeetingID, MeetingTitle: "Weekly sync", LinkedBy: testRequester, LinkedAt: fixedNow}}},
		{"audit_three", commands.Reply{Visibility: commands.Ephemeral, Audit: &commands.AuditView{MeetingID: testMeetingID, MeetingTitle: "Weekly sync", Limit: 10, Refusals: true,
			Entries: []commands.AuditEntry{
				{Time: fixedNow, UserID: testRequester, Verb: "kick", Targets: []string{"Bob (p-002)"}, Outcome: commands.OutcomeOK, Detail: "kicked 1 participant"},
				{Time: fixedNow.Add(-time.Minute), UserID: "U0NOTAMOD", Verb: "mute-all", Outcome: commands.OutcomeRefused, Detail: "not a moderator"},
				{Time: fixedNow.Add(-2 * time.Minute), UserID: testRequester, Verb: "poll", Outcome: commands.OutcomeFailed, Detail: "RealtimeKit answered 500", Ref: "7KQ2ZD"},
			}}}},
		{"audit_empty", commands.Reply{Visibility: commands.Ephemeral, Audit: &commands.AuditView{MeetingID: testMeetingID, Limit: 10}}},
		{"audit_empty_with_refusals", commands.Reply{Visibility: commands.Ephemeral, Audit: &commands.AuditView{MeetingID: testMeetingID, Limit: 10, Refusals: true}}},
		{"audit_actions", commands.Reply{Visibility: commands.Ephemeral, Audit: &commands.AuditView{MeetingID: testMeetingID, MeetingTitle: "Weekly sync", Limit: 10,
			Entries: []commands.AuditEntry{
				{Time: fixedNow, UserID: testRequester, Verb: "mute", Targets: []string{"Bob (p-002)"}, Outcome: commands.OutcomeOK, Detail: "muted 1 participant(s)"},
			}}}},
		{"audit_fifty_long", commands.Reply{Visibility: commands.Ephemeral, Audit: &commands.AuditView{MeetingID: testMeetingID, MeetingTitle: "Weekly sync",
			Limit: 50, Entries: longAuditEntries(50)}}},
		{"empty_reply", commands.Reply{Visibility: commands.InChannel}},
	}
}

// longAuditEntries returns n audit entries, newest first, as long as real
// ones get: kicks of 40 people with long names, and failures whose detail
// quotes a long upstream error.
func longAuditEntries(n int) []commands.AuditEntry {
	outcomes := []commands.Outcome{commands.OutcomeOK, commands.OutcomeRefused, commands.OutcomeFailed, commands.OutcomeDryRun}
	es := make([]commands.AuditEntry, n)
	for i := range es {
		targets := make([]string, 40)
		for j := range targets {
			targets[j] = fmt.Sprintf("Participant %02d with a rather long display name (p-%03d)", j+1, j+1)
		}
		e := commands.AuditEntry{Time: fixedNow.Add(-time.Duration(i) * time.Minute), UserID: fmt.Sprintf("U0MOD%04d", i), Verb: "kick",
			MeetingID: testMeetingID, MeetingTitle: "Weekly sync", Targets: targets, Outcome: outcomes[i%len(outcomes)],
			Detail: fmt.Sprintf("entry %d: ", i+1) + strings.Repeat("RealtimeKit answered 502 Bad Gateway while kicking; ", 12)}
		if e.Outcome == commands.OutcomeFailed {
			e.Ref = fmt.Sprintf("REF%03d", i)
		}
		es[i] = e
	}
	return es
}

func errorReply(code commands.ErrorCode, msg string) commands.Reply {
	return commands.Reply{Visibility: commands.Ephemeral, Error: &commands.ErrorView{Code: code, Message: msg}}
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkGolden(t, wireForm(Render(tc.reply)))
		})
	}
}

func TestRenderAuditGolden(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		entry commands.AuditEntry
	}{
		{"kick_ok", commands.AuditEntry{Time: fixedNow, TeamID: "T0001", ChannelID: "C0123ABC", UserID: testRequester,
			Verb: "kick", MeetingID: testMeetingID, MeetingTitle: "Weekly sync",
			Targets: []string{"Bob (p-002)", "Carol (p-003)"}, Outcome: commands.OutcomeOK, Detail: "kicked 2 participants"}},
		{"mute_all_refused", commands.AuditEntry{Time: fixedNow, TeamID: "T0001", ChannelID: "C0123ABC", UserID: "U0NOTAMOD",
			Verb: "mute-all", MeetingID: testMeetingID, MeetingTitle: "Weekly sync",
			Outcome: commands.OutcomeRefused, Detail: "not a moderator"}},
		{"kick_spoofed_name", commands.AuditEntry{Time: fixedNow, TeamID: "T0001", ChannelID: "C0123ABC", UserID: testRequester,
			Verb: "kick", MeetingID: testMeetingID, MeetingTitle: "Weekly sync\n> *URGENT*",
			Targets: []string{spoofName + " (p-002)"}, Outcome: commands.OutcomeOK, Detail: "kicked 1 participant"}},
		{"poll_failed", commands.AuditEntry{Time: fixedNow, TeamID: "T0001", ChannelID: "G0PRIVATE", UserID: testRequester,
			Verb: "poll", MeetingID: testMeetingID, Outcome: commands.OutcomeFailed, Detail: "RealtimeKit answered 500", Ref: "7KQ2ZD"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			text, blocks := RenderAudit(tc.entry)
			checkGolden(t, struct {
				Text   string        `json:"text"`
				Blocks []slack.Block `json:"blocks"`
			}{text, blocks})
		})
	}
}

func TestBusyMessageGolden(t *testing.T) {
	t.Parallel()
	checkGolden(t, wireForm(BusyMessage()))
}

// TestRenderMsgJSON checks the fields a response_url reads, as slack-go
// marshals a slack.Msg.
func TestRenderMsgJSON(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name             string
		reply            commands.Reply
		wantResponseType string
		wantReplace      bool
		wantFirstBlock   string
	}{
		{"status in channel", goldenCases()[0].reply, "in_channel", false, "header"},
		{"notice replacing the prompt", commands.Reply{Visibility: commands.Ephemeral, ReplaceOriginal: true,
			Notice: &commands.NoticeView{Text: "Cancelled."}}, "ephemeral", true, "section"},
		{"error asked in channel stays ephemeral", commands.Reply{Visibility: commands.InChannel,
			Error: &commands.ErrorView{Code: commands.CodeNotFound}}, "ephemeral", false, "section"},
		{"confirm asked in channel stays ephemeral", commands.Reply{Visibility: commands.InChannel,
			Confirm: &commands.ConfirmView{ID: "c1", Verb: "kick", Targets: fakePeople(1)}}, "ephemeral", false, "section"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw, err := json.Marshal(Render(tc.reply))
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				ResponseType    *string `json:"response_type"`
				ReplaceOriginal *bool   `json:"replace_original"`
				Text            *string `json:"text"`
				Blocks          []struct {
					Type string `json:"type"`
				} `json:"blocks"`
			}
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatal(err)
			}
			if got.ResponseType == nil || *got.ResponseType != tc.wantResponseType {
				t.Errorf("response_type = %v, want %q in %s", got.ResponseType, tc.wantResponseType, raw)
			}
			if got.ReplaceOriginal == nil || *got.ReplaceOriginal != tc.wantReplace {
				t.Errorf("replace_original = %v, want %v in %s", got.ReplaceOriginal, tc.wantReplace, raw)
			}
			if got.Text == nil || *got.Text == "" {
				t.Errorf("no text fallback in %s", raw)
			}
			if len(got.Blocks) == 0 || got.Blocks[0].Type != tc.wantFirstBlock {
				t.Errorf("blocks = %+v, want first block %q", got.Blocks, tc.wantFirstBlock)
			}
		})
	}
}

// TestRenderConfirmButtons checks what the listener relies on: the buttons'
// action IDs and values, and the danger style of the one that kicks.
func TestRenderConfirmButtons(t *testing.T) {
	t.Parallel()
	msg := Render(commands.Reply{Confirm: &commands.ConfirmView{
		ID: "cf-42", Verb: "kick", MeetingID: testMeetingID, Targets: fakePeople(3), ExpiresAt: fixedNow}})
	var got []string
	for _, b := range msg.Blocks.BlockSet {
		ab, ok := b.(*slack.ActionBlock)
		if !ok {
			continue
		}
		for _, e := range ab.Elements.ElementSet {
			btn := e.(*slack.ButtonBlockElement)
			got = append(got, fmt.Sprintf("%s value=%s style=%q text=%q", btn.ActionID, btn.Value, btn.Style, btn.Text.Text))
		}
	}
	want := []string{
		ActionConfirm + ` value=cf-42 style="danger" text="Kick 3"`,
		ActionCancel + ` value=cf-42 style="" text="Cancel"`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("buttons (-want +got):\n%s", diff)
	}
}

func BenchmarkRenderStatus(b *testing.B) {
	r := commands.Reply{Visibility: commands.InChannel, Status: &commands.StatusView{
		Session: liveSession(35), Participants: fakePeople(35), Now: fixedLater}}
	b.ReportAllocs()
	for b.Loop() {
		_ = Render(r)
	}
}

// TestMsgCapsBlocks checks the last line of defence behind the renderers:
// a message never carries more than 50 blocks, and says what it dropped.
func TestMsgCapsBlocks(t *testing.T) {
	t.Parallel()
	var r rendered
	for i := range 60 {
		r.blocks = append(r.blocks, mdSection(fmt.Sprint(i)))
	}
	r.text = "many"
	blocks := r.msg(false).Blocks.BlockSet
	if len(blocks) != maxBlocks {
		t.Fatalf("%d blocks, want %d", len(blocks), maxBlocks)
	}
	last, ok := blocks[maxBlocks-1].(*slack.ContextBlock)
	if !ok {
		t.Fatalf("last block is %T, want a context block", blocks[maxBlocks-1])
	}
	got := last.ContextElements.Elements[0].(*slack.TextBlockObject).Text
	if want := "…and 11 more not shown."; got != want {
		t.Errorf("last block says %q, want %q", got, want)
	}
}
