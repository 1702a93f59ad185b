package commands

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// auditTrail is a meeting's history as the audit log returns it, newest
// first, with an older title and another meeting's entry mixed in.
func auditTrail(n int) []AuditEntry {
	var out []AuditEntry
	for i := range n {
		e := AuditEntry{Time: t0.Add(-time.Duration(i) * time.Minute), TeamID: teamID, ChannelID: chanID, UserID: modID,
			Verb: "mute", MeetingID: meetingID, MeetingTitle: title, Targets: []string{"Carol Jones (" + pCarol + ")"},
			Outcome: OutcomeOK, Detail: "muted 1 participant(s)"}
		if i == 0 {
			e.MeetingTitle = "" // e.g. a refusal recorded before the title was known
		}
		if i > 3 {
			e.MeetingTitle = "Old title"
		}
		out = append(out, e)
		if i == 2 {
			out = append(out, AuditEntry{TeamID: teamID, MeetingID: otherMeeting, Verb: "kick-all", Outcome: OutcomeOK})
		}
	}
	return out
}

func TestAuditVerb(t *testing.T) {
	t.Parallel()
	trail := auditTrail(60)
	mine := func(n int) []AuditEntry {
		var out []AuditEntry
		for _, e := range trail {
			if e.MeetingID == meetingID && len(out) < n {
				out = append(out, e)
			}
		}
		return out
	}
	refusal := "Only moderators can run /meeting audit, and you are not one. To be one, you must be listed in the bot's BOT_MODERATORS setting."
	tests := []struct {
		name      string
		user      string
		text      string
		want      Reply
		wantAsked []string // what the audit log was asked
		wantAudit []AuditEntry
	}{
		{
			name:      "linked meeting, default count",
			user:      modID,
			text:      "audit",
			want:      Reply{Visibility: Ephemeral, Audit: &AuditView{MeetingID: meetingID, MeetingTitle: title, Entries: mine(10), Limit: 10}},
			wantAsked: []string{"T1 " + meetingID + " 10"},
		},
		{
			name:      "linked meeting, at most",
			user:      modID,
			text:      "audit 50",
			want:      Reply{Visibility: Ephemeral, Audit: &AuditView{MeetingID: meetingID, MeetingTitle: title, Entries: mine(50), Limit: 50}},
			wantAsked: []string{"T1 " + meetingID + " 50"},
		},
		{
			name:      "another meeting",
			user:      modID,
			text:      "audit " + otherMeeting + " 2",
			want:      Reply{Visibility: Ephemeral, Audit: &AuditView{MeetingID: otherMeeting, Entries: []AuditEntry{trail[3]}, Limit: 2}},
			wantAsked: []string{"T1 " + otherMeeting + " 2"},
		},
		{
			name:      "with refusals",
			user:      modID,
			text:      "audit 5 --refusals",
			want:      Reply{Visibility: Ephemeral, Audit: &AuditView{MeetingID: meetingID, MeetingTitle: title, Entries: mine(5), Limit: 5, Refusals: true}},
			wantAsked: []string{"T1 " + meetingID + " 5 refusals"},
		},
		{
			name: "too many",
			user: modID,
			text: "audit 51",
			want: Reply{Visibility: Ephemeral, Error: &ErrorView{Code: CodeInvalid,
				Message: "audit shows 1 to 50 entries, not 51. Example: /meeting audit " + sampleMeetingID + " 25"}},
		},
		{
			name: "zero",
			user: modID,
			text: "audit 0",
			want: Reply{Visibility: Ephemeral, Error: &ErrorView{Code: CodeInvalid,
				Message: "audit shows 1 to 50 entries, not 0. Example: /meeting audit " + sampleMeetingID + " 25"}},
		},
		{
			name: "not a number",
			user: modID,
			text: "audit ten",
			want: Reply{Visibility: Ephemeral, Error: &ErrorView{Code: CodeInvalid,
				Message: "“ten” is not a number of entries. Give a whole number from 1 to 50, e.g. /meeting audit " + sampleMeetingID + " 25"}},
		},
		{
			name: "non-moderator",
			user: userID,
			text: "audit",
			want: Reply{Visibility: Ephemeral, Error: &ErrorView{Code: CodeForbidden, Message: refusal}},
			wantAudit: []AuditEntry{{Time: t0.Add(30 * time.Minute), TeamID: teamID, ChannelID: chanID, UserID: userID, Verb: "audit",
				MeetingID: meetingID, Outcome: OutcomeRefused, Detail: refusal}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			se := newStoreEnv(t)
			linkedTo(meetingID, title)(se)
			se.log.entries = trail
			got := se.run(t.Context(), tt.user, tt.text)
			if diff := cmp.Diff([]Reply{tt.want}, got); diff != "" {
				t.Errorf("replies mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantAsked, se.log.Asked()); diff != "" {
				t.Errorf("audit log queries mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantAudit, se.aud.Entries(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("audit entries recorded mismatch (-want +got):\n%s", diff)
			}
			if calls := se.rt.Calls(); len(calls) != 0 {
				t.Errorf("RealtimeKit calls %+v, want none", calls)
			}
			if n := len(se.dels.Claims()); n != 0 {
				t.Errorf("%d delivery claims for a read, want none", n)
			}
		})
	}
}

func TestAuditVerbWithoutLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	got := errorOf(t, e.run(t.Context(), modID, "audit "+meetingID))
	want := ErrorView{Code: CodeInvalid, Message: "The audit log is not available: this bot runs without a database to keep it."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("error mismatch (-want +got):\n%s", diff)
	}
}

func TestAuditVerbLogFails(t *testing.T) {
	t.Parallel()
	se := newStoreEnv(t)
	se.log.err = errDBDown
	got := errorOf(t, se.run(t.Context(), modID, "audit "+meetingID))
	want := ErrorView{Code: CodeInternal, Ref: "id1", Message: "Something went wrong on our side: internal error (ref id1). Nothing was changed."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("error mismatch (-want +got):\n%s", diff)
	}
}
