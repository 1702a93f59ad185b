package commands

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/rtkbot/rtkbot/internal/meeting"
)

// TestVerbs runs each verb's success path (and its dry run) as a moderator
// and checks what the user sees, what reached RealtimeKit, and the audit.
func TestVerbs(t *testing.T) {
	t.Parallel()
	now := t0.Add(30 * time.Minute)
	byJoin := []meeting.Participant{
		participant(pAlice), participant(pBob), participant(pBobby),
		participant(pCarol), participant(pDave), participant(pChannel),
	}
	action := func(v ActionView) ActionView {
		v.RequesterID, v.MeetingID, v.MeetingTitle = modID, meetingID, title
		return v
	}
	audit := func(verb string, targets []string, detail string) AuditEntry {
		return AuditEntry{Time: now, TeamID: teamID, ChannelID: chanID, UserID: modID, Verb: verb,
			MeetingID: meetingID, MeetingTitle: title, Targets: targets, Outcome: OutcomeOK, Detail: detail}
	}
	tests := []struct {
		name      string
		text      string
		want      []Reply
		wantCalls []rtCall // mutating calls only
		wantAudit []AuditEntry
		outcome   Outcome
	}{
		{
			name:    "status",
			text:    "status " + meetingID,
			want:    []Reply{{Visibility: InChannel, Status: &StatusView{Session: liveSession(), Participants: byJoin, Now: now}}},
			outcome: OutcomeOK,
		},
		{
			name: "mute by mention and name",
			text: "mute " + meetingID + ` <@UBOB|bob> "carol jones"`,
			want: []Reply{{Visibility: InChannel, Action: ptr(action(ActionView{Verb: "mute", Affected: affected(pBob, pCarol)}))}},
			wantCalls: []rtCall{{Method: "Mute", MeetingID: meetingID,
				Targets: meeting.Targets{ParticipantIDs: []string{pBob, pCarol}}}},
			wantAudit: []AuditEntry{audit("mute", []string{"Bob Smith (" + pBob + ")", "Carol Jones (" + pCarol + ")"}, "muted 2 participant(s)")},
			outcome:   OutcomeOK,
		},
		{
			name:    "mute dry run",
			text:    "mute " + meetingID + " dave --dry-run",
			want:    []Reply{{Visibility: Ephemeral, Action: ptr(action(ActionView{Verb: "mute", Affected: affected(pDave), DryRun: true}))}},
			outcome: OutcomeDryRun,
		},
		{
			name:      "mute-all",
			text:      "mute-all " + meetingID,
			want:      []Reply{{Visibility: InChannel, Action: ptr(action(ActionView{Verb: "mute-all", Count: 6}))}},
			wantCalls: []rtCall{{Method: "MuteAll", MeetingID: meetingID}},
			wantAudit: []AuditEntry{audit("mute-all", nil, "muted 6 participant(s), allow unmute: false")},
			outcome:   OutcomeOK,
		},
		{
			name:      "mute-all allowing unmute",
			text:      "mute-all " + meetingID + " --allow-unmute",
			want:      []Reply{{Visibility: InChannel, Action: ptr(action(ActionView{Verb: "mute-all", Count: 6, AllowUnmute: true}))}},
			wantCalls: []rtCall{{Method: "MuteAll", MeetingID: meetingID, AllowUnmute: true}},
			wantAudit: []AuditEntry{audit("mute-all", nil, "muted 6 participant(s), allow unmute: true")},
			outcome:   OutcomeOK,
		},
		{
			name:    "mute-all dry run",
			text:    "mute-all --dry-run " + meetingID,
			want:    []Reply{{Visibility: Ephemeral, Action: ptr(action(ActionView{Verb: "mute-all", Count: 6, DryRun: true}))}},
			outcome: OutcomeDryRun,
		},
		{
			name: "kick asks for confirmation",
			text: "kick " + meetingID + " bobby " + pAlice,
			want: []Reply{{Visibility: Ephemeral, Confirm: &ConfirmView{ID: "id1", Verb: "kick", RequesterID: modID, MeetingID: meetingID,
				MeetingTitle: title, Targets: []meeting.Participant{participant(pBobby), participant(pAlice)}, LiveCount: 6,
				ExpiresAt: now.Add(DefaultConfirmTTL)}}},
			outcome: OutcomePending,
		},
		{
			name:    "kick dry run",
			text:    "kick " + meetingID + " bobby --dry-run",
			want:    []Reply{{Visibility: Ephemeral, Action: ptr(action(ActionView{Verb: "kick", Affected: affected(pBobby), DryRun: true}))}},
			outcome: OutcomeDryRun,
		},
		{
			name: "kick-all asks for confirmation",
			text: "kick-all " + meetingID,
			want: []Reply{{Visibility: Ephemeral, Confirm: &ConfirmView{ID: "id1", Verb: "kick-all", RequesterID: modID, MeetingID: meetingID,
				MeetingTitle: title, LiveCount: 6, ExpiresAt: now.Add(DefaultConfirmTTL)}}},
			outcome: OutcomePending,
		},
		{
			name:    "kick-all dry run",
			text:    "kick-all " + meetingID + " --dry-run",
			want:    []Reply{{Visibility: Ephemeral, Action: ptr(action(ActionView{Verb: "kick-all", Count: 6, DryRun: true}))}},
			outcome: OutcomeDryRun,
		},
		{
			name: "poll",
			text: "poll " + meetingID + ` “Lunch?” "Pizza" " Sushi " --anonymous --hide-votes`,
			want: []Reply{{Visibility: InChannel, Poll: &PollView{MeetingID: meetingID, MeetingTitle: title, RequesterID: modID,
				Poll: meeting.Poll{ID: "poll-1", Question: "Lunch?", Anonymous: true, HideVotes: true, CreatedBy: "rtkbot",
					Options: []meeting.PollOption{{Text: "Pizza"}, {Text: "Sushi"}}}}}},
			wantCalls: []rtCall{{Method: "CreatePoll", MeetingID: meetingID, Question: "Lunch?", Options: []string{"Pizza", "Sushi"},
				Anonymous: true, HideVotes: true}},
			wantAudit: []AuditEntry{audit("poll", nil, `created poll poll-1: “Lunch?” (2 options)`)},
			outcome:   OutcomeOK,
		},
		{
			name: "poll dry run",
			text: "poll " + meetingID + ` "Ship?" "Yes" "No" --dry-run`,
			want: []Reply{{Visibility: Ephemeral, Poll: &PollView{MeetingID: meetingID, MeetingTitle: title, RequesterID: modID, DryRun: true,
				Poll: meeting.Poll{Question: "Ship?", Options: []meeting.PollOption{{Text: "Yes"}, {Text: "No"}}}}}},
			outcome: OutcomeDryRun,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var observed []Outcome
			e := newEnv(t, func(c *Config) {
				c.Observe = func(_ string, o Outcome, _ time.Duration) { observed = append(observed, o) }
			})
			got := e.run(t.Context(), modID, tt.text)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("replies mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantCalls, e.rt.Mutations(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("mutating calls mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantAudit, e.aud.Entries(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("audit mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]Outcome{tt.outcome}, observed); diff != "" {
				t.Errorf("observed outcome mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReadsBeforeActing checks which read calls each verb makes: status
// reads in parallel, mute-all needs only the session.
func TestReadsBeforeActing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want []string
	}{
		{"status " + meetingID, []string{"ActiveSession", "LiveParticipants"}},
		{"mute-all " + meetingID, []string{"ActiveSession", "MuteAll"}},
		{"poll " + meetingID + ` "q" "a" "b"`, []string{"ActiveSession", "CreatePoll"}},
		{"help", nil},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.run(t.Context(), modID, tt.text)
			var got []string
			for _, c := range e.rt.Calls() {
				got = append(got, c.Method)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Errorf("calls mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNoSession(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		meeting string
		noTitle bool
		want    ErrorView
	}{
		{name: "known meeting", meeting: meetingID, want: ErrorView{Code: CodeNotFound,
			Message: "No meeting in progress in “Weekly sync” (" + meetingID + "): nobody has joined yet, or the session has ended."}},
		{name: "unknown meeting", meeting: "abcdef-ghijkl", want: ErrorView{Code: CodeNotFound,
			Message: "No meeting with ID abcdef-ghijkl in this RealtimeKit app. Check the ID: it is the meeting's UUID (or a room name like abcdef-ghijkl)."}},
		{name: "meeting lookup fails", meeting: meetingID, noTitle: true, want: ErrorView{Code: CodeNotFound,
			Message: "No meeting in progress for " + meetingID + ": nobody has joined yet, or the session has ended."}},
	}
	for _, tt := range tests {
		for _, verb := range []string{"status", "mute-all", "kick-all"} {
			t.Run(tt.name+"/"+verb, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t)
				e.rt.ActiveSessionFn = func(context.Context, string) (meeting.Session, error) {
					return meeting.Session{}, fmt.Errorf("GET active-session: HTTP 404: %w", meeting.ErrNoActiveSession)
				}
				if tt.noTitle {
					e.rt.MeetingFn = func(context.Context, string) (meeting.Meeting, error) {
						return meeting.Meeting{}, fmt.Errorf("GET meeting: %w", meeting.ErrUpstream)
					}
				}
				got := errorOf(t, e.run(t.Context(), modID, verb+" "+tt.meeting))
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("error mismatch (-want +got):\n%s", diff)
				}
				if m := e.rt.Mutations(); len(m) != 0 {
					t.Errorf("mutating calls %+v, want none", m)
				}
			})
		}
	}
}

func TestMissingMeeting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want string
	}{
		{name: "status", text: "status",
			want: "Which meeting? Add its ID right after the verb, e.g. /meeting status " + sampleMeetingID},
		{name: "status with a non-ID", text: "status weekly",
			want: "“weekly” is not a meeting ID. A meeting ID is a UUID (like " + sampleMeetingID + ") or a room name (like abcdef-ghijkl). Example: /meeting status " + sampleMeetingID},
		{name: "mute with only a name", text: "mute bob",
			want: "Which meeting? Add its ID right after the verb, e.g. /meeting mute " + sampleMeetingID + ` @bob "Carol Jones"`},
		{name: "quoted ID is not a meeting", text: `kick-all "` + meetingID + `"`,
			want: "“" + meetingID + "” is not a meeting ID. A meeting ID is a UUID (like " + sampleMeetingID + ") or a room name (like abcdef-ghijkl). Example: /meeting kick-all " + sampleMeetingID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			got := errorOf(t, e.run(t.Context(), modID, tt.text))
			if diff := cmp.Diff(ErrorView{Code: CodeInvalid, Message: tt.want}, got); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if calls := e.rt.Calls(); len(calls) != 0 {
				t.Errorf("upstream calls %+v, want none", calls)
			}
		})
	}
}

// TestDefaultMeeting checks the hook a later issue uses for channel links.
func TestDefaultMeeting(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) {
		c.DefaultMeeting = func(_ context.Context, team, channel string) (string, error) {
			if team == teamID && channel == chanID {
				return meetingID, nil
			}
			return "", nil
		}
	})
	got := e.run(t.Context(), modID, "mute carol")
	want := []Reply{{Visibility: InChannel, Action: &ActionView{Verb: "mute", RequesterID: modID, MeetingID: meetingID,
		MeetingTitle: title, Affected: affected(pCarol)}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replies mismatch (-want +got):\n%s", diff)
	}
}

func TestArgumentErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want string
	}{
		{name: "mute nobody", text: "mute " + meetingID,
			want: "Who should I mute? Name them with a @mention, a participant ID or their name in the meeting (quote names with spaces). Example: /meeting mute " + sampleMeetingID + ` @bob "Carol Jones"`},
		{name: "kick nobody", text: "kick " + meetingID + " --dry-run",
			want: "Who should I kick? Name them with a @mention, a participant ID or their name in the meeting (quote names with spaces). Example: /meeting kick " + sampleMeetingID + ` @bob "Carol Jones"`},
		{name: "status takes no arguments", text: "status " + meetingID + " bob carol",
			want: "status takes no arguments after the meeting ID, but got “bob” and “carol”. Usage: /meeting status [meeting]"},
		{name: "help takes one", text: "help kick mute",
			want: "help takes at most 1 argument, but got “mute” too. Usage: /meeting help [verb]"},
		{name: "unknown flag with suggestion", text: "kick " + meetingID + " bob --dryrun",
			want: "Unknown flag --dryrun for kick. Did you mean --dry-run? kick accepts --dry-run. Usage: /meeting kick [meeting] <who>… [--dry-run]"},
		{name: "flag of another verb", text: "mute " + meetingID + " bob --allow-unmute",
			want: "Unknown flag --allow-unmute for mute. mute accepts --dry-run. Usage: /meeting mute [meeting] <who>… [--dry-run]"},
		{name: "several unknown flags", text: "mute-all " + meetingID + " --force --now",
			want: "Unknown flags --force, --now for mute-all. mute-all accepts --allow-unmute and --dry-run. Usage: /meeting mute-all [meeting] [--allow-unmute] [--dry-run]"},
		{name: "flags on a verb without any", text: "status " + meetingID + " --dry-run",
			want: "Unknown flag --dry-run for status. status takes no flags. Usage: /meeting status [meeting]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			got := errorOf(t, e.run(t.Context(), modID, tt.text))
			if diff := cmp.Diff(ErrorView{Code: CodeInvalid, Message: tt.want}, got); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if calls := e.rt.Calls(); len(calls) != 0 {
				t.Errorf("upstream calls %+v, want none", calls)
			}
		})
	}
}

// TestRedelivery checks that an envelope delivered twice runs once.
func TestRedelivery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := Request{TeamID: teamID, ChannelID: chanID, UserID: modID, Text: "poll " + meetingID + ` "q" "a" "b"`, EnvelopeID: "env-1"}
	first := e.svc.Handle(t.Context(), r)
	second := e.svc.Handle(t.Context(), r)
	if len(first) != 1 || first[0].Poll == nil {
		t.Fatalf("first delivery: %s", describe(first))
	}
	if len(second) != 0 {
		t.Errorf("second delivery answered %s, want nothing", describe(second))
	}
	if n := len(e.rt.Mutations()); n != 1 {
		t.Errorf("%d CreatePoll calls, want 1", n)
	}
	r.EnvelopeID = "env-2"
	if third := e.svc.Handle(t.Context(), r); len(third) != 1 {
		t.Errorf("a new envelope answered %s", describe(third))
	}
}

func ptr[T any](v T) *T { return &v }
