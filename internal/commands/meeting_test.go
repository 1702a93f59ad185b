package commands

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rtkbot/rtkbot/internal/meeting"
)

// kind names the view a reply carries, for compact assertions.
func kind(r Reply) string {
	switch {
	case r.Error != nil:
		return "error: " + r.Error.Message
	case r.Help != nil:
		return "help"
	case r.Status != nil:
		return "status " + r.Status.Session.MeetingID
	case r.Action != nil:
		return r.Action.Verb + " " + r.Action.MeetingID
	case r.Confirm != nil:
		return "confirm " + r.Confirm.Verb + " " + r.Confirm.MeetingID
	case r.Poll != nil:
		return "poll " + r.Poll.MeetingID
	case r.Notice != nil:
		return "notice: " + r.Notice.Text
	case r.Link != nil:
		return "link " + r.Link.Action + " " + r.Link.MeetingID
	case r.Audit != nil:
		return "audit " + r.Audit.MeetingID
	case r.DeleteOriginal:
		return "delete original"
	}
	return "empty"
}

func kinds(replies []Reply) []string {
	out := make([]string, len(replies))
	for i, r := range replies {
		out[i] = kind(r)
	}
	return out
}

// TestLinkedChannelDefaultMeeting: in a linked channel every verb that acts
// on a meeting may leave it out, and acts on the linked one; an explicit
// meeting ID still wins.
func TestLinkedChannelDefaultMeeting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text        string
		want        string // kind of the only reply
		wantMeeting string // every RealtimeKit call is about it
	}{
		{text: "status", want: "status " + meetingID, wantMeeting: meetingID},
		{text: "mute carol", want: "mute " + meetingID, wantMeeting: meetingID},
		{text: "mute <@UBOB|bob> --dry-run", want: "mute " + meetingID, wantMeeting: meetingID},
		{text: "mute-all --allow-unmute", want: "mute-all " + meetingID, wantMeeting: meetingID},
		{text: "kick carol", want: "confirm kick " + meetingID, wantMeeting: meetingID},
		{text: "kick-all", want: "confirm kick-all " + meetingID, wantMeeting: meetingID},
		{text: `poll "Lunch?" "Pizza" "Sushi"`, want: "poll " + meetingID, wantMeeting: meetingID},
		{text: "audit", want: "audit " + meetingID},
		{text: "audit 5", want: "audit " + meetingID},
		{text: "status " + otherMeeting, want: "status " + otherMeeting, wantMeeting: otherMeeting},
		{text: "mute-all " + otherMeeting, want: "mute-all " + otherMeeting, wantMeeting: otherMeeting},
		{text: "audit " + otherMeeting + " 3", want: "audit " + otherMeeting},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			t.Parallel()
			se := newStoreEnv(t)
			linkedTo(meetingID, title)(se)
			withOtherMeeting(se)
			got := se.run(t.Context(), modID, tt.text)
			if diff := cmp.Diff([]string{tt.want}, kinds(got)); diff != "" {
				t.Fatalf("replies mismatch (-want +got):\n%s", diff)
			}
			for _, c := range se.rt.Calls() {
				if c.MeetingID != tt.wantMeeting {
					t.Errorf("%s called for meeting %s, want %s", c.Method, c.MeetingID, tt.wantMeeting)
				}
			}
		})
	}
}

// TestMissingMeetingWithLinks: where links are available, the "which
// meeting?" errors say how to make the ID optional.
func TestMissingMeetingWithLinks(t *testing.T) {
	t.Parallel()
	const hint = ". To leave the ID out in this channel, link the channel to the meeting once: /meeting link <meeting-id>"
	tests := []struct {
		text string
		want string
	}{
		{text: "status", want: "Which meeting? Add its ID right after the verb, e.g. /meeting status " + sampleMeetingID + hint},
		{text: "mute bob", want: "Which meeting? Add its ID right after the verb, e.g. /meeting mute " + sampleMeetingID + ` @bob "Carol Jones"` + hint},
		{text: "audit 5", want: "Which meeting? Add its ID right after the verb, e.g. /meeting audit " + sampleMeetingID + hint},
		{text: "kick-all weekly", want: "“weekly” is not a meeting ID. A meeting ID is a UUID (like " + sampleMeetingID +
			") or a room name (like abcdef-ghijkl). Example: /meeting kick-all " + sampleMeetingID + hint},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			t.Parallel()
			se := newStoreEnv(t)
			got := errorOf(t, se.run(t.Context(), modID, tt.text))
			if diff := cmp.Diff(ErrorView{Code: CodeInvalid, Message: tt.want}, got); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if calls := se.rt.Calls(); len(calls) != 0 {
				t.Errorf("RealtimeKit calls %+v, want none", calls)
			}
		})
	}
}

// TestParticipantIDInLinkedChannel checks the rule that tells a participant
// ID from a meeting ID in a linked channel (see chooseMeeting).
func TestParticipantIDInLinkedChannel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		text      string
		linked    bool // to meetingID; else no link
		rateLimit bool // listing who is live in the linked meeting fails
		want      []string
		wantCalls []string // RealtimeKit calls, "Method meeting"
	}{
		{
			name:      "a live participant's ID alone is a target",
			text:      "kick " + pCarol,
			linked:    true,
			want:      []string{"confirm kick " + meetingID},
			wantCalls: []string{"ActiveSession " + meetingID, "LiveParticipants " + meetingID},
		},
		{
			name:   "live participants' IDs are targets",
			text:   "mute " + pCarol + " " + pDave,
			linked: true,
			want:   []string{"mute " + meetingID},
			// Who is live is read once, both to choose and to resolve.
			wantCalls: []string{"LiveParticipants " + meetingID, "ActiveSession " + meetingID, "Mute " + meetingID},
		},
		{
			name:   "another meeting's ID followed by names is that meeting",
			text:   "mute " + otherMeeting + " zed",
			linked: true,
			want:   []string{"mute " + otherMeeting},
			wantCalls: []string{"LiveParticipants " + meetingID, "ActiveSession " + otherMeeting, "LiveParticipants " + otherMeeting,
				"Mute " + otherMeeting},
		},
		{
			name:      "the linked meeting's own ID is the meeting",
			text:      "mute " + meetingID + " carol",
			linked:    true,
			want:      []string{"mute " + meetingID},
			wantCalls: []string{"ActiveSession " + meetingID, "LiveParticipants " + meetingID, "Mute " + meetingID},
		},
		{
			name:   "an unknown UUID alone is a target, and matches no one",
			text:   "mute " + unknownUUID,
			linked: true,
			want: []string{"error: No one in “Weekly sync” matches “" + unknownUUID + "”. Live now (6): Bob Smith (" + pBob + "), Alice Archer (" +
				pAlice + "), Bobby Tables (" + pBobby + "), Carol Jones (" + pCarol + "), dave (" + pDave + ") and <!channel> (" + pChannel + ")."},
			wantCalls: []string{"ActiveSession " + meetingID, "LiveParticipants " + meetingID},
		},
		{
			name:   "an unknown UUID followed by names is a meeting",
			text:   "mute " + unknownUUID + " carol",
			linked: true,
			want: []string{"error: No meeting with ID " + unknownUUID +
				" in this RealtimeKit app. Check the ID: it is the meeting's UUID (or a room name like abcdef-ghijkl)."},
			wantCalls: []string{"LiveParticipants " + meetingID, "ActiveSession " + unknownUUID, "LiveParticipants " + unknownUUID,
				"Meeting " + unknownUUID},
		},
		{
			name:      "when who is live cannot be read, nothing is guessed",
			text:      "mute " + pCarol + " dave",
			linked:    true,
			rateLimit: true,
			want:      []string{"error: RealtimeKit is rate limiting the bot; nothing was changed. Try again in 2 s."},
			wantCalls: []string{"LiveParticipants " + meetingID},
		},
		{
			name: "in an unlinked channel a UUID first is the meeting",
			text: "mute " + pCarol,
			want: []string{"error: Who should I mute? Name them with a @mention, a participant ID or their name in the meeting (quote names with spaces). " +
				"Example: /meeting mute " + sampleMeetingID + ` @bob "Carol Jones"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			se := newStoreEnv(t)
			withOtherMeeting(se)
			if tt.linked {
				linkedTo(meetingID, title)(se)
			}
			if tt.rateLimit {
				se.rt.LiveParticipantsFn = func(context.Context, string) ([]meeting.Participant, error) {
					return nil, fmt.Errorf("GET live participants: %w", &meeting.RateLimitError{RetryAfter: 1500 * time.Millisecond})
				}
			}
			got := se.run(t.Context(), modID, tt.text)
			if diff := cmp.Diff(tt.want, kinds(got)); diff != "" {
				t.Errorf("replies mismatch (-want +got):\n%s", diff)
			}
			var calls []string
			for _, c := range se.rt.Calls() {
				calls = append(calls, c.Method+" "+c.MeetingID)
			}
			// The session and who is live are read in parallel.
			if diff := cmp.Diff(sortedParallel(tt.wantCalls), sortedParallel(calls)); diff != "" {
				t.Errorf("RealtimeKit calls mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// sortedParallel puts each run of adjacent ActiveSession/LiveParticipants
// calls for one meeting (made in parallel) in a fixed order.
func sortedParallel(calls []string) []string {
	out := append([]string(nil), calls...)
	for i := 0; i+1 < len(out); i++ {
		a, b := out[i], out[i+1]
		_, ma, _ := strings.Cut(a, " ")
		_, mb, _ := strings.Cut(b, " ")
		if ma == mb && strings.HasPrefix(a, "LiveParticipants") && strings.HasPrefix(b, "ActiveSession") {
			out[i], out[i+1] = b, a
		}
	}
	return out
}
