package commands

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/rtkbot/rtkbot/internal/meeting"
)

const (
	otherMeeting = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d" // a second meeting, see withOtherMeeting
	otherTitle   = "Board <meeting> & co"
	unknownUUID  = "deadbeef-0000-4000-8000-000000000000" // neither a meeting nor anyone
)

// linkedAt is when the pre-made link of linkedTo was made.
var linkedAt = t0.Add(-24 * time.Hour)

// linkedTo links the test channel to meeting id before the test runs.
func linkedTo(id, title string) func(*storeEnv) {
	return func(se *storeEnv) {
		se.links.set(func(f *fakeLinks) {
			f.links[[2]string{teamID, chanID}] = ChannelLink{MeetingID: id, MeetingTitle: title, LinkedBy: "UOTHERMOD", LinkedAt: linkedAt}
		})
	}
}

func TestLinkVerbs(t *testing.T) {
	t.Parallel()
	now := t0.Add(30 * time.Minute)
	current := ChannelLink{MeetingID: meetingID, MeetingTitle: title, LinkedBy: "UOTHERMOD", LinkedAt: linkedAt}
	notLinked := "This channel is not linked to a meeting. A moderator can link it with /meeting link <meeting-id>; commands here can then leave the meeting ID out."
	refusal := func(verb string) string {
		return "Only moderators can run /meeting " + verb + ", and you are not one. To be one, you must be listed in the bot's BOT_MODERATORS setting."
	}
	tests := []struct {
		name      string
		setup     func(*storeEnv)
		user      string
		text      string
		want      []Reply
		wantLink  *ChannelLink // the channel's link afterwards; nil: none
		wantAudit []AuditEntry
		wantCalls []string // RealtimeKit methods called
	}{
		{
			name: "link",
			user: modID,
			text: "link " + strings.ToUpper(meetingID), // IDs are stored in their canonical lower case
			want: []Reply{{Visibility: InChannel, Link: &LinkView{Action: LinkLinked, RequesterID: modID, MeetingID: meetingID,
				MeetingTitle: title, LinkedBy: modID, LinkedAt: now}}},
			wantLink: &ChannelLink{MeetingID: meetingID, MeetingTitle: title, LinkedBy: modID, LinkedAt: now},
			wantAudit: []AuditEntry{{Time: now, TeamID: teamID, ChannelID: chanID, UserID: modID, Verb: "link", MeetingID: meetingID,
				MeetingTitle: title, Outcome: OutcomeOK, Detail: "linked channel C1 to the meeting"}},
			wantCalls: []string{"Meeting"},
		},
		{
			name:  "relink replaces the link",
			setup: linkedTo(otherMeeting, otherTitle),
			user:  modID,
			text:  "link " + meetingID,
			want: []Reply{{Visibility: InChannel, Link: &LinkView{Action: LinkLinked, RequesterID: modID, MeetingID: meetingID,
				MeetingTitle: title, LinkedBy: modID, LinkedAt: now}}},
			wantLink: &ChannelLink{MeetingID: meetingID, MeetingTitle: title, LinkedBy: modID, LinkedAt: now},
			wantAudit: []AuditEntry{{Time: now, TeamID: teamID, ChannelID: chanID, UserID: modID, Verb: "link", MeetingID: meetingID,
				MeetingTitle: title, Outcome: OutcomeOK, Detail: "linked channel C1 to the meeting"}},
			wantCalls: []string{"Meeting"},
		},
		{
			name: "link to an unknown meeting",
			user: modID,
			text: "link " + unknownUUID,
			want: []Reply{{Visibility: Ephemeral, Error: &ErrorView{Code: CodeNotFound, Message: "No meeting with ID " + unknownUUID +
				" in this RealtimeKit app. Check the ID: it is the meeting's UUID (or a room name like abcdef-ghijkl)."}}},
			wantCalls: []string{"Meeting"},
		},
		{
			name: "link to something that is no meeting ID",
			user: modID,
			text: "link weekly",
			want: []Reply{{Visibility: Ephemeral, Error: &ErrorView{Code: CodeInvalid, Message: "“weekly” is not a meeting ID. A meeting ID is a UUID (like " +
				sampleMeetingID + ") or a room name (like abcdef-ghijkl). Example: /meeting link " + sampleMeetingID}}},
		},
		{
			name: "link by a non-moderator",
			user: userID,
			text: "link " + meetingID,
			want: []Reply{{Visibility: Ephemeral, Error: &ErrorView{Code: CodeForbidden, Message: refusal("link")}}},
			wantAudit: []AuditEntry{{Time: now, TeamID: teamID, ChannelID: chanID, UserID: userID, Verb: "link", MeetingID: meetingID,
				Outcome: OutcomeRefused, Detail: refusal("link")}},
		},
		{
			name:     "anyone may see the link",
			setup:    linkedTo(meetingID, title),
			user:     userID,
			text:     "link",
			want:     []Reply{{Visibility: Ephemeral, Link: &LinkView{Action: LinkShown, RequesterID: userID, MeetingID: meetingID, MeetingTitle: title, LinkedBy: "UOTHERMOD", LinkedAt: linkedAt}}},
			wantLink: &current,
		},
		{
			name: "no link to see",
			user: userID,
			text: "link",
			want: []Reply{{Visibility: Ephemeral, Notice: &NoticeView{Text: notLinked}}},
		},
		{
			name:  "unlink",
			setup: linkedTo(meetingID, title),
			user:  modID,
			text:  "unlink",
			want: []Reply{{Visibility: InChannel, Link: &LinkView{Action: LinkUnlinked, RequesterID: modID, MeetingID: meetingID,
				MeetingTitle: title, LinkedBy: "UOTHERMOD", LinkedAt: linkedAt}}},
			wantAudit: []AuditEntry{{Time: now, TeamID: teamID, ChannelID: chanID, UserID: modID, Verb: "unlink", MeetingID: meetingID,
				MeetingTitle: title, Outcome: OutcomeOK, Detail: "unlinked channel C1 from the meeting"}},
		},
		{
			name: "unlink without a link",
			user: modID,
			text: "unlink",
			want: []Reply{{Visibility: Ephemeral, Notice: &NoticeView{Text: "This channel is not linked to a meeting, so there was nothing to unlink."}}},
		},
		{
			name:     "unlink by a non-moderator",
			setup:    linkedTo(meetingID, title),
			user:     userID,
			text:     "unlink",
			want:     []Reply{{Visibility: Ephemeral, Error: &ErrorView{Code: CodeForbidden, Message: refusal("unlink")}}},
			wantLink: &current,
			wantAudit: []AuditEntry{{Time: now, TeamID: teamID, ChannelID: chanID, UserID: userID, Verb: "unlink",
				Outcome: OutcomeRefused, Detail: refusal("unlink")}},
		},
		{
			name: "unlink takes no arguments",
			user: modID,
			text: "unlink " + meetingID,
			want: []Reply{{Visibility: Ephemeral, Error: &ErrorView{Code: CodeInvalid,
				Message: "unlink takes no arguments, but got “" + meetingID + "”. Usage: /meeting unlink"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			se := newStoreEnv(t)
			if tt.setup != nil {
				tt.setup(se)
			}
			got := se.run(t.Context(), tt.user, tt.text)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("replies mismatch (-want +got):\n%s", diff)
			}
			var gotLink *ChannelLink
			if l, ok := se.links.get(); ok {
				gotLink = &l
			}
			if diff := cmp.Diff(tt.wantLink, gotLink); diff != "" {
				t.Errorf("stored link mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantAudit, se.aud.Entries(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("audit mismatch (-want +got):\n%s", diff)
			}
			var calls []string
			for _, c := range se.rt.Calls() {
				calls = append(calls, c.Method)
			}
			if diff := cmp.Diff(tt.wantCalls, calls); diff != "" {
				t.Errorf("RealtimeKit calls mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLinksUnavailable: without a database the link verbs say so, and the
// "which meeting?" error does not point at them.
func TestLinksUnavailable(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"link", "link " + meetingID, "unlink"} {
		t.Run(text, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			got := errorOf(t, e.run(t.Context(), modID, text))
			want := ErrorView{Code: CodeInvalid, Message: "Channel links are not available: this bot runs without a database to keep them. Name the meeting in each command instead."}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLinkStorageFails: a database error is an internal error with a
// reference, never blamed on RealtimeKit, even when it is a timeout.
func TestLinkStorageFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		err  error
	}{
		{name: "link", text: "link " + meetingID, err: errDBDown},
		{name: "show", text: "link", err: errDBDown},
		{name: "unlink", text: "unlink", err: errDBDown},
		{name: "default meeting", text: "mute carol", err: errDBDown},
		{name: "default meeting times out", text: "status", err: fmt.Errorf("query: %w", context.DeadlineExceeded)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			se := newStoreEnv(t)
			se.links.set(func(f *fakeLinks) { f.err = tt.err })
			got := errorOf(t, se.run(t.Context(), modID, tt.text))
			want := ErrorView{Code: CodeInternal, Ref: "id1",
				Message: "Something went wrong on our side: internal error (ref id1). Nothing was changed."}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if m := se.rt.Mutations(); len(m) != 0 {
				t.Errorf("mutations %+v, want none", m)
			}
			if logs := se.logs.String(); !strings.Contains(logs, `"ref":"id1"`) || !strings.Contains(logs, tt.err.Error()) {
				t.Errorf("the error is not logged with its ref:\n%s", logs)
			}
		})
	}
}

// withOtherMeeting teaches the fake RealtimeKit a second live meeting, whose
// only participant is Zed.
func withOtherMeeting(se *storeEnv) {
	zed := meeting.Participant{ID: "77777777-7777-4777-8777-777777777777", Name: "Zed", JoinedAt: t0}
	meetingFn, session, live := se.rt.MeetingFn, se.rt.ActiveSessionFn, se.rt.LiveParticipantsFn
	se.rt.MeetingFn = func(ctx context.Context, id string) (meeting.Meeting, error) {
		if id == otherMeeting {
			return meeting.Meeting{ID: id, Title: otherTitle}, nil
		}
		return meetingFn(ctx, id)
	}
	se.rt.ActiveSessionFn = func(ctx context.Context, id string) (meeting.Session, error) {
		if id == otherMeeting {
			return meeting.Session{ID: "sess-2", MeetingID: id, MeetingTitle: otherTitle, Status: meeting.StatusLive, LiveParticipants: 1}, nil
		}
		return session(ctx, id)
	}
	se.rt.LiveParticipantsFn = func(ctx context.Context, id string) ([]meeting.Participant, error) {
		if id == otherMeeting {
			return []meeting.Participant{zed}, nil
		}
		return live(ctx, id)
	}
	se.rt.MuteFn = func(_ context.Context, id string, t meeting.Targets) ([]meeting.Affected, error) {
		if id == otherMeeting {
			return []meeting.Affected{{ID: zed.ID, Name: zed.Name}}, nil
		}
		var out []meeting.Affected
		for _, p := range t.ParticipantIDs {
			out = append(out, affected(p)...)
		}
		return out, nil
	}
}
