package rtkfake

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v6"
	"github.com/cloudflare/cloudflare-go/v6/option"
	"github.com/cloudflare/cloudflare-go/v6/realtime_kit"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The fake is only useful if the SDK the client is built on reads its
// answers. These tests drive every route through cloudflare-go's own
// realtime_kit services (and its generic Post for mute, which the SDK does
// not wrap) and check both the decoded values and that the SDK marked no
// field invalid (a type mismatch it would otherwise swallow).

func sdkClient(t *testing.T, s *Server) *cloudflare.Client {
	t.Helper()
	return cloudflare.NewClient(
		option.WithBaseURL(s.BaseURL()),
		option.WithAPIToken(testToken),
		option.WithHTTPClient(s.Client()),
		option.WithMaxRetries(0),
	)
}

// decodeReport walks a response that cloudflare-go decoded. Every decoded
// struct carries a JSON member whose apijson.Field values say how each
// field decoded (invalid: a type mismatch the SDK would otherwise swallow)
// and whose ExtraFields holds keys the SDK does not know (a misspelt or
// invented field name).
func decodeReport(v any) (invalid, extra []string) {
	var walk func(path string, rv reflect.Value)
	walk = func(path string, rv reflect.Value) {
		switch rv.Kind() {
		case reflect.Pointer:
			if !rv.IsNil() {
				walk(path, rv.Elem())
			}
		case reflect.Slice:
			for i := range rv.Len() {
				walk(fmt.Sprintf("%s[%d]", path, i), rv.Index(i))
			}
		case reflect.Struct:
			meta := rv.FieldByName("JSON")
			if meta.IsValid() && meta.Kind() == reflect.Struct {
				for i := range meta.NumField() {
					f := meta.Field(i)
					if m := f.MethodByName("IsInvalid"); m.IsValid() && m.Call(nil)[0].Bool() {
						invalid = append(invalid, path+"."+meta.Type().Field(i).Name)
					}
				}
				if ef := meta.FieldByName("ExtraFields"); ef.IsValid() {
					keys := ef.MapKeys()
					slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
					for _, k := range keys {
						extra = append(extra, path+"."+k.String())
					}
				}
			}
			for i := range rv.NumField() {
				if name := rv.Type().Field(i).Name; name != "JSON" && rv.Type().Field(i).IsExported() {
					walk(path+"."+name, rv.Field(i))
				}
			}
		}
	}
	walk("", reflect.ValueOf(v))
	return invalid, extra
}

func invalidFields(v any) []string {
	invalid, _ := decodeReport(v)
	return invalid
}

// checkDecoded fails unless the SDK decoded every field and knew every key
// but those in allowedExtra (paths like ".Data.preferred_region").
func checkDecoded(t *testing.T, res any, allowedExtra ...string) {
	t.Helper()
	invalid, extra := decodeReport(res)
	if len(invalid) > 0 {
		t.Errorf("cloudflare-go could not decode fields %v", invalid)
	}
	if diff := cmp.Diff(allowedExtra, extra, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("fields cloudflare-go does not know (-allowed +got):\n%s", diff)
	}
}

func TestSDKReadsEveryRoute(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	cf := sdkClient(t, s)
	rtk := cf.RealtimeKit
	ctx := t.Context()
	acct := cloudflare.F(testAccount)

	m, err := rtk.Meetings.GetMeetingByID(ctx, testApp, liveMeeting, realtime_kit.MeetingGetMeetingByIDParams{AccountID: acct})
	if err != nil {
		t.Fatalf("GetMeetingByID: %v", err)
	}
	// preferred_region is in the spec's Meeting, not in the SDK.
	checkDecoded(t, m, ".Data.preferred_region")
	if m.Data.ID != liveMeeting || m.Data.Title != "Standup & <Retro>" || m.Data.Status != "ACTIVE" || !m.Data.CreatedAt.Equal(t0.Add(-24*time.Hour)) {
		t.Errorf("meeting = %+v", m.Data)
	}

	mp, err := rtk.Meetings.GetMeetingParticipants(ctx, testApp, liveMeeting, realtime_kit.MeetingGetMeetingParticipantsParams{
		AccountID: acct, PageNo: cloudflare.F(2.0), PerPage: cloudflare.F(3.0),
	})
	if err != nil {
		t.Fatalf("GetMeetingParticipants: %v", err)
	}
	checkDecoded(t, mp)
	if len(mp.Data) != 1 || mp.Data[0].ID != "u-dan" || mp.Data[0].CustomParticipantID != "dan@example.com" ||
		mp.Data[0].PresetName != "group_call_participant" || mp.Paging.TotalCount != 4 {
		t.Errorf("meeting participants page 2 = %+v, paging %+v", mp.Data, mp.Paging)
	}

	as, err := rtk.ActiveSession.GetActiveSession(ctx, testApp, liveMeeting, realtime_kit.ActiveSessionGetActiveSessionParams{AccountID: acct})
	if err != nil {
		t.Fatalf("GetActiveSession: %v", err)
	}
	checkDecoded(t, as)
	d := as.Data
	gotSession := []any{d.ID, d.AssociatedID, d.MeetingDisplayName, string(d.Status), d.LiveParticipants, d.MaxConcurrentParticipants, d.MinutesConsumed, d.StartedAt, d.EndedAt}
	wantSession := []any{liveSession, liveMeeting, "Standup & <Retro>", "LIVE", 5.0, 9.0, 134.0, "2026-03-02T15:00:00.000Z", ""}
	if diff := cmp.Diff(wantSession, gotSession); diff != "" {
		t.Errorf("active session (-want +got):\n%s", diff)
	}

	sp, err := rtk.Sessions.GetSessionParticipants(ctx, testApp, liveSession, realtime_kit.SessionGetSessionParticipantsParams{
		AccountID: acct, PageNo: cloudflare.F(1.0), PerPage: cloudflare.F(100.0),
		SortBy:    cloudflare.F(realtime_kit.SessionGetSessionParticipantsParamsSortByJoinedAt),
		SortOrder: cloudflare.F(realtime_kit.SessionGetSessionParticipantsParamsSortOrderAsc),
	})
	if err != nil {
		t.Fatalf("GetSessionParticipants: %v", err)
	}
	checkDecoded(t, sp)
	var peers []string
	for _, p := range sp.Data.Participants {
		state := "live"
		if p.LeftAt != "" || !p.JSON.LeftAt.IsNull() {
			state = "left " + p.LeftAt
		}
		peers = append(peers, fmt.Sprintf("%s %s %q %s %s", p.ID, p.UserID, p.DisplayName, p.PresetName, state))
	}
	wantPeers := []string{
		`p-ann u-ann "Ann" group_call_host live`,
		`p-bob u-bob "Bob" group_call_participant live`,
		`p-cat1 u-cat "Cat" group_call_participant left 2026-03-02T15:10:00.000Z`,
		`p-bob2 u-bob "Bob (phone)" group_call_participant live`,
		`p-guest  "Guest Gus" webinar_viewer live`,
		`p-cat2 u-cat "Cat" group_call_participant live`,
	}
	if diff := cmp.Diff(wantPeers, peers); diff != "" {
		t.Errorf("session participants (-want +got):\n%s", diff)
	}

	poll, err := rtk.ActiveSession.NewPoll(ctx, testApp, liveMeeting, realtime_kit.ActiveSessionNewPollParams{
		AccountID: acct, Question: cloudflare.F("Lunch?"), Options: cloudflare.F([]string{"Pizza", "Salad"}),
		Anonymous: cloudflare.F(true), HideVotes: cloudflare.F(true),
	})
	if err != nil {
		t.Fatalf("NewPoll: %v", err)
	}
	checkDecoded(t, poll)
	p := poll.Data.Poll
	if p.ID != "00000000-0000-4000-8000-000000000001" || p.Question != "Lunch?" || len(p.Options) != 2 ||
		p.Options[1].Text != "Salad" || p.Options[1].Count != 0 || !p.Anonymous || !p.HideVotes || p.CreatedBy != testApp {
		t.Errorf("poll = %+v", p)
	}

	var muted struct {
		Data struct {
			Participants []struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"participants"`
		} `json:"data"`
	}
	if err := cf.Post(ctx, "accounts/"+testAccount+"/realtime/kit/"+testApp+"/meetings/"+liveMeeting+"/active-session/mute",
		map[string][]string{"participant_ids": {"u-cat"}, "custom_participant_ids": {}}, &muted); err != nil {
		t.Fatalf("Post mute: %v", err)
	}
	if len(muted.Data.Participants) != 1 || muted.Data.Participants[0].ID != "u-cat" || muted.Data.Participants[0].Name != "Cat" {
		t.Errorf("mute answer = %+v", muted.Data)
	}

	var mutedAll struct {
		Data struct {
			Count float64 `json:"muted_participants_count"`
		} `json:"data"`
	}
	if err := cf.Post(ctx, "accounts/"+testAccount+"/realtime/kit/"+testApp+"/meetings/"+liveMeeting+"/active-session/mute-all",
		map[string]bool{"allow_unmute": false}, &mutedAll); err != nil {
		t.Fatalf("Post mute-all: %v", err)
	}
	if mutedAll.Data.Count != 5 {
		t.Errorf("muted_participants_count = %v, want 5", mutedAll.Data.Count)
	}

	kick, err := rtk.ActiveSession.KickParticipants(ctx, testApp, liveMeeting, realtime_kit.ActiveSessionKickParticipantsParams{
		AccountID: acct, ParticipantIDs: cloudflare.F([]string{"u-ann"}), CustomParticipantIDs: cloudflare.F([]string{"bob@example.com"}),
	})
	if err != nil {
		t.Fatalf("KickParticipants: %v", err)
	}
	// custom_participant_id is the fake's addition; see affectedJSON.
	checkDecoded(t, kick, ".Data.Participants[0].custom_participant_id", ".Data.Participants[1].custom_participant_id")
	var kicked []string
	for _, p := range kick.Data.Participants {
		kicked = append(kicked, p.ID+" "+p.Name)
	}
	if diff := cmp.Diff([]string{"u-ann Ann", "u-bob Bob"}, kicked); diff != "" {
		t.Errorf("kicked (-want +got):\n%s", diff)
	}

	all, err := rtk.ActiveSession.KickAllParticipants(ctx, testApp, liveMeeting, realtime_kit.ActiveSessionKickAllParticipantsParams{AccountID: acct})
	if err != nil {
		t.Fatalf("KickAllParticipants: %v", err)
	}
	checkDecoded(t, all)
	if all.Data.KickedParticipantsCount != 2 { // the guest and Cat were left
		t.Errorf("kicked_participants_count = %v, want 2", all.Data.KickedParticipantsCount)
	}

	_, err = rtk.ActiveSession.GetActiveSession(ctx, testApp, liveMeeting, realtime_kit.ActiveSessionGetActiveSessionParams{AccountID: acct})
	var apiErr *cloudflare.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		t.Fatalf("GetActiveSession after kick-all: %v, want a 404 *cloudflare.Error", err)
	}
}

// The SDK's own request encoding (query floats, array bodies) must be what
// the fake parses; the recorded requests show what it sent.
func TestSDKRequestsAsRecorded(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	rtk := sdkClient(t, s).RealtimeKit
	_, err := rtk.Sessions.GetSessionParticipants(t.Context(), testApp, liveSession, realtime_kit.SessionGetSessionParticipantsParams{
		AccountID: cloudflare.F(testAccount), PageNo: cloudflare.F(2.0), PerPage: cloudflare.F(4.0),
	})
	if err != nil {
		t.Fatal(err)
	}
	reqs := s.RequestsFor(RouteSessionParticipants)
	if len(reqs) != 1 {
		t.Fatalf("recorded %d session-participants requests, want 1", len(reqs))
	}
	if got := reqs[0].Query.Get("page_no") + "," + reqs[0].Query.Get("per_page"); got != "2,4" {
		t.Errorf("SDK sent page_no,per_page = %s, want 2,4", got)
	}
	if got := reqs[0].BearerToken(); got != testToken {
		t.Errorf("SDK sent token %q", got)
	}
}

// invalidFields must catch what it is for, or the tests above prove
// nothing.
func TestInvalidFieldsCatchesTypeMismatch(t *testing.T) {
	t.Parallel()
	var res realtime_kit.ActiveSessionGetActiveSessionResponse
	body := `{"success": true, "data": {"id": "s", "live_participants": "five", "status": "LIVE"}}`
	if err := res.UnmarshalJSON([]byte(body)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{".Data.LiveParticipants"}, invalidFields(&res)); diff != "" {
		t.Errorf("invalid fields (-want +got):\n%s", diff)
	}
}
