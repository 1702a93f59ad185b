package commands

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rtkbot/rtkbot/internal/meeting"
)

// TestResolveRuleOrder pins which rule wins when a typed word or a mention
// could match people by more than one rule: the earlier rule decides, so a
// full name is never ambiguous because it also starts someone else's, and
// a mention never takes someone whose name merely starts with the Slack
// user's name. Each case adds people to the usual live list so that
// swapping two rules, or letting a mention match by prefix, changes who is
// resolved.
func TestResolveRuleOrder(t *testing.T) {
	t.Parallel()
	const (
		pBo      = "aaaaaaaa-0000-4000-8000-000000000001"
		pDaveG   = "aaaaaaaa-0000-4000-8000-000000000002"
		pNamedID = "aaaaaaaa-0000-4000-8000-000000000003"
		pCustom  = "aaaaaaaa-0000-4000-8000-000000000004"
		pMoe     = "aaaaaaaa-0000-4000-8000-000000000005"
	)
	tests := []struct {
		name     string
		extra    []meeting.Participant // live besides liveParticipants()
		drop     string                // a participant ID of liveParticipants() not live
		who      string
		want     string    // the one participant ID resolved
		wantCode ErrorCode // or the error code
	}{
		{
			// "bo" is also the start of "Bob Smith" and "Bobby Tables".
			name:  "exact name beats prefix",
			extra: []meeting.Participant{{ID: pBo, Name: "Bo"}},
			who:   "bo", want: pBo,
		},
		{
			name:  "exact name beats prefix, full name in quotes",
			extra: []meeting.Participant{{ID: pBo, Name: "Bob Smith Jr"}},
			who:   `"Bob Smith"`, want: pBob,
		},
		{
			// Someone named like Carol's custom ID.
			name:  "custom participant ID beats name",
			extra: []meeting.Participant{{ID: pNamedID, Name: "carol-ext-7"}},
			who:   "carol-ext-7", want: pCarol,
		},
		{
			// Someone whose custom ID is Carol's participant ID.
			name:  "participant ID beats custom participant ID",
			extra: []meeting.Participant{{ID: pCustom, CustomParticipantID: pCarol, Name: "Mallory"}},
			who:   pCarol, want: pCarol,
		},
		{
			name:  "participant ID beats name",
			extra: []meeting.Participant{{ID: pNamedID, Name: pCarol}},
			who:   pCarol, want: pCarol,
		},
		{
			name:  "custom participant ID beats a longer name it starts",
			extra: []meeting.Participant{{ID: pNamedID, Name: "carol-ext-77"}},
			who:   "carol-ext-7", want: pCarol,
		},
		{
			// UDAVE's display name is "Dave": only "Dave Grohl" starts
			// with it once the participant called "dave" has left.
			name:  "mention: a display name never matches by prefix",
			drop:  pDave,
			extra: []meeting.Participant{{ID: pDaveG, Name: "Dave Grohl"}},
			who:   "<@UDAVE|dave>", wantCode: CodeNotFound,
		},
		{
			// UCAROL's email, display name and real name all start
			// the custom ID and the name of this participant.
			name: "mention: email, display and real name never match by prefix",
			drop: pCarol,
			extra: []meeting.Participant{
				{ID: pCustom, CustomParticipantID: "carol@example.com.evil", Name: "Carol Jonesy"},
				{ID: pNamedID, CustomParticipantID: "carolina", Name: "carol@example.community"},
			},
			who: "<@UCAROL|carol>", wantCode: CodeNotFound,
		},
		{
			// The same words typed rather than mentioned do match by
			// prefix: the rule is about mentions only.
			name:  "typed word still matches by prefix",
			drop:  pDave,
			extra: []meeting.Participant{{ID: pDaveG, Name: "Dave Grohl"}},
			who:   "dave", want: pDaveG,
		},
		{
			// The mentioned user's display name "Mo" is exactly one
			// name and the start of another.
			name:  "mention: exact display name, not the one it starts",
			extra: []meeting.Participant{{ID: pMoe, Name: "Moe Szyslak"}, {ID: pBo, Name: "mo"}},
			who:   "<@" + modID + "|mo>", want: pBo,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			var live []meeting.Participant
			for _, p := range liveParticipants() {
				if p.ID != tt.drop {
					live = append(live, p)
				}
			}
			live = append(live, tt.extra...)
			e.rt.LiveParticipantsFn = func(context.Context, string) ([]meeting.Participant, error) { return live, nil }
			got := e.run(t.Context(), modID, "mute "+meetingID+" "+tt.who+" --dry-run")
			if tt.wantCode != "" {
				if ev := errorOf(t, got); ev.Code != tt.wantCode {
					t.Errorf("error %+v, want code %s", ev, tt.wantCode)
				}
				return
			}
			if len(got) != 1 || got[0].Action == nil {
				t.Fatalf("want an action naming %s, got %s", tt.want, describe(got))
			}
			var ids []string
			for _, a := range got[0].Action.Affected {
				ids = append(ids, a.ID)
			}
			if diff := cmp.Diff([]string{tt.want}, ids); diff != "" {
				t.Errorf("resolved mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
