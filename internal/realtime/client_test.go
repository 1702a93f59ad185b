package realtime_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rtkbot/rtkbot/internal/meeting"
	"github.com/rtkbot/rtkbot/internal/realtime"
	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
)

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	valid := realtime.Config{APIToken: testToken, AccountID: testAccount, AppID: testApp}
	tests := []struct {
		name  string
		tweak func(*realtime.Config)
		want  string // in the error
	}{
		{"no token", func(c *realtime.Config) { c.APIToken = "" }, "API token is empty"},
		{"no account", func(c *realtime.Config) { c.AccountID = "" }, "account ID is empty"},
		{"no app", func(c *realtime.Config) { c.AppID = "" }, "app ID is empty"},
		{"bad base URL", func(c *realtime.Config) { c.BaseURL = "api.cloudflare.com" }, "not an http(s) URL"},
		{"negative rate", func(c *realtime.Config) { c.RateLimit = -1 }, "rate limit"},
		{"unbounded retries", func(c *realtime.Config) { c.MaxRetries = 50 }, "max retries 50"},
		{"long cache", func(c *realtime.Config) { c.CacheTTL = 5 * time.Second }, "cache TTL 5s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := valid
			tt.tweak(&cfg)
			_, err := realtime.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: err = %v, want one mentioning %q", err, tt.want)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error reveals the token: %v", err)
			}
		})
	}
	if _, err := realtime.New(valid); err != nil {
		t.Errorf("New(valid config) = %v", err)
	}
}

// TestMethods calls every method against the fake and checks both what the
// caller gets and what RealtimeKit received.
func TestMethods(t *testing.T) {
	t.Parallel()
	page1 := url.Values{"page_no": {"1"}, "per_page": {"100"}}
	sessionPage1 := url.Values{"page_no": {"1"}, "per_page": {"100"}, "sort_by": {"joinedAt"}, "sort_order": {"ASC"}}
	tests := []struct {
		name string
		call func(ctx context.Context, c *realtime.Client) (any, error)
		want any
		// wantReqs is built per test since bodies need t.
		wantReqs func(t *testing.T) []wireRequest
		// check inspects the fake's state afterwards.
		check func(t *testing.T, f *rtkfake.Server, got any)
	}{
		{
			name: "Meeting",
			call: func(ctx context.Context, c *realtime.Client) (any, error) { return c.Meeting(ctx, meetingID) },
			want: meeting.Meeting{ID: meetingID, Title: "Standup", Status: "ACTIVE"},
			wantReqs: func(t *testing.T) []wireRequest {
				return []wireRequest{{Method: "GET", Path: apiPath("meetings/" + meetingID)}}
			},
		},
		{
			name: "ActiveSession",
			call: func(ctx context.Context, c *realtime.Client) (any, error) { return c.ActiveSession(ctx, meetingID) },
			want: meeting.Session{
				ID:               sessionID,
				MeetingID:        meetingID,
				MeetingTitle:     "Standup",
				Status:           meeting.StatusLive,
				LiveParticipants: 2,
				PeakParticipants: 3,
				MinutesConsumed:  9 + 3.5 + 8, // Ana 9 min, Cy 3.5 min until she left, Bob 8 min
				StartedAt:        t0,
			},
			wantReqs: func(t *testing.T) []wireRequest {
				return []wireRequest{{Method: "GET", Path: apiPath("meetings/" + meetingID + "/active-session")}}
			},
		},
		{
			name: "LiveParticipants",
			call: func(ctx context.Context, c *realtime.Client) (any, error) { return c.LiveParticipants(ctx, meetingID) },
			want: []meeting.Participant{
				{ID: "u-ana", CustomParticipantID: "ana@example.com", Name: "Ana", Preset: "host", JoinedAt: t0.Add(time.Minute)},
				{ID: "u-bob", CustomParticipantID: "bob@example.com", Name: "Bob", Preset: "participant", JoinedAt: t0.Add(2 * time.Minute)},
			},
			wantReqs: func(t *testing.T) []wireRequest {
				return []wireRequest{
					{Method: "GET", Path: apiPath("meetings/" + meetingID + "/active-session")},
					{Method: "GET", Path: apiPath("sessions/" + sessionID + "/participants"), Query: sessionPage1},
				}
			},
		},
		{
			name: "MeetingParticipants",
			call: func(ctx context.Context, c *realtime.Client) (any, error) {
				return c.MeetingParticipants(ctx, meetingID)
			},
			want: []meeting.Participant{
				{ID: "u-ana", CustomParticipantID: "ana@example.com", Name: "Ana", Preset: "host"},
				{ID: "u-bob", CustomParticipantID: "bob@example.com", Name: "Bob", Preset: "participant"},
				{ID: "u-cy", CustomParticipantID: "cy@example.com", Name: "Cy", Preset: "participant"},
			},
			wantReqs: func(t *testing.T) []wireRequest {
				return []wireRequest{{Method: "GET", Path: apiPath("meetings/" + meetingID + "/participants"), Query: page1}}
			},
		},
		{
			name: "Kick by participant ID",
			call: func(ctx context.Context, c *realtime.Client) (any, error) {
				return c.Kick(ctx, meetingID, meeting.Targets{ParticipantIDs: []string{"u-bob"}})
			},
			want: []meeting.Affected{{ID: "u-bob", CustomParticipantID: "bob@example.com", Name: "Bob"}},
			wantReqs: func(t *testing.T) []wireRequest {
				return []wireRequest{{Method: "POST", Path: apiPath("meetings/" + meetingID + "/active-session/kick"),
					Body: jsonOf(t, `{"participant_ids":["u-bob"],"custom_participant_ids":[]}`)}}
			},
			check: func(t *testing.T, f *rtkfake.Server, _ any) { wantLive(t, f, "u-ana") },
		},
		{
			name: "Kick by custom ID",
			call: func(ctx context.Context, c *realtime.Client) (any, error) {
				return c.Kick(ctx, meetingID, meeting.Targets{CustomParticipantIDs: []string{"ana@example.com"}})
			},
			want: []meeting.Affected{{ID: "u-ana", CustomParticipantID: "ana@example.com", Name: "Ana"}},
			wantReqs: func(t *testing.T) []wireRequest {
				return []wireRequest{{Method: "POST", Path: apiPath("meetings/" + meetingID + "/active-session/kick"),
					Body: jsonOf(t, `{"participant_ids":[],"custom_participant_ids":["ana@example.com"]}`)}}
			},
			check: func(t *testing.T, f *rtkfake.Server, _ any) { wantLive(t, f, "u-bob") },
		},
		{
			name: "Kick both kinds in one request",
			call: func(ctx context.Context, c *realtime.Client) (any, error) {
				return c.Kick(ctx, meetingID, meeting.Targets{ParticipantIDs: []string{"u-ana"}, CustomParticipantIDs: []string{"bob@example.com"}})
			},
			want: []meeting.Affected{
				{ID: "u-ana", CustomParticipantID: "ana@example.com", Name: "Ana"},
				{ID: "u-bob", CustomParticipantID: "bob@example.com", Name: "Bob"},
			},
			wantReqs: func(t *testing.T) []wireRequest {
				return []wireRequest{{Method: "POST", Path: apiPath("meetings/" + meetingID + "/active-session/kick"),
					Body: jsonOf(t, `{"participant_ids":["u-ana"],"custom_participant_ids":["bob@example.com"]}`)}}
			},
			check: func(t *testing.T, f *rtkfake.Server, _ any) { wantLive(t, f) },
		},
		{
			name: "Mute",
			call: func(ctx context.Context, c *realtime.Client) (any, error) {
				return c.Mute(ctx, meetingID, meeting.Targets{ParticipantIDs: []string{"u-bob"}})
			},
			want: []meeting.Affected{{ID: "u-bob", CustomParticipantID: "bob@example.com", Name: "Bob"}},
			wantReqs: func(t *testing.T) []wireRequest {
				return []wireRequest{{Method: "POST", Path: apiPath("meetings/" + meetingID + "/active-session/mute"),
					Body: jsonOf(t, `{"participant_ids":["u-bob"],"custom_participant_ids":[]}`)}}
			},
			check: func(t *testing.T, f *rtkfake.Server, _ any) { wantMuted(t, f, "u-bob") },
		},
		{
			name: "Mute by custom ID",
			call: func(ctx context.Context, c *realtime.Client) (any, error) {
				return c.Mute(ctx, meetingID, meeting.Targets{CustomParticipantIDs: []string{"ana@example.com"}})
			},
			want: []meeting.Affected{{ID: "u-ana", CustomParticipantID: "ana@example.com", Name: "Ana"}},
			wantReqs: func(t *testing.T) []wireRequest {
				return []wireRequest{{Method: "POST", Path: apiPath("meetings/" + meetingID + "/active-session/mute"),
					Body: jsonOf(t, `{"participant_ids":[],"custom_participant_ids":["ana@example.com"]}`)}}
			},
			check: func(t *testing.T, f *rtkfake.Server, _ any) { wantMuted(t, f, "u-ana") },
		},
		{
			name: "KickAll",
			call: func(ctx context.Context, c *realtime.Client) (any, error) { return c.KickAll(ctx, meetingID) },
			want: 2,
			wantReqs: func(t *testing.T) []wireRequest {
				return []wireRequest{{Method: "POST", Path: apiPath("meetings/" + meetingID + "/active-session/kick-all")}}
			},
			check: func(t *testing.T, f *rtkfake.Server, _ any) {
				if f.SessionActive(meetingID) {
					t.Error("session still active after kick-all")
				}
			},
		},
		{
			name: "MuteAll allowing unmute",
			call: func(ctx context.Context, c *realtime.Client) (any, error) { return c.MuteAll(ctx, meetingID, true) },
			want: 2,
			wantReqs: func(t *testing.T) []wireRequest {
				return []wireRequest{{Method: "POST", Path: apiPath("meetings/" + meetingID + "/active-session/mute-all"),
					Body: jsonOf(t, `{"allow_unmute":true}`)}}
			},
			check: func(t *testing.T, f *rtkfake.Server, _ any) { wantMuted(t, f, "u-ana", "u-bob") },
		},
		{
			name: "MuteAll forbidding unmute",
			call: func(ctx context.Context, c *realtime.Client) (any, error) { return c.MuteAll(ctx, meetingID, false) },
			want: 2,
			wantReqs: func(t *testing.T) []wireRequest {
				return []wireRequest{{Method: "POST", Path: apiPath("meetings/" + meetingID + "/active-session/mute-all"),
					Body: jsonOf(t, `{"allow_unmute":false}`)}}
			},
		},
		{
			name: "CreatePoll",
			call: func(ctx context.Context, c *realtime.Client) (any, error) {
				return c.CreatePoll(ctx, meetingID, "Lunch?", []string{"Pizza", "Salad"}, true, false)
			},
			want: meeting.Poll{
				Question:  "Lunch?",
				Options:   []meeting.PollOption{{Text: "Pizza"}, {Text: "Salad"}},
				Anonymous: true,
				CreatedBy: testApp,
			},
			wantReqs: func(t *testing.T) []wireRequest {
				return []wireRequest{{Method: "POST", Path: apiPath("meetings/" + meetingID + "/active-session/poll"),
					Body: jsonOf(t, `{"question":"Lunch?","options":["Pizza","Salad"],"anonymous":true,"hide_votes":false}`)}}
			},
			check: func(t *testing.T, f *rtkfake.Server, got any) {
				polls := f.Polls(meetingID)
				if len(polls) != 1 || polls[0].ID != got.(meeting.Poll).ID {
					t.Errorf("fake holds polls %+v, want exactly the one returned (%s)", polls, got.(meeting.Poll).ID)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			c := newClient(t, f)
			got, err := tt.call(t.Context(), c)
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			// The poll's ID is the fake's to choose; check compares it.
			ignorePollID := cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "ID" && p.Index(-2).Type().Name() == "Poll" }, cmp.Ignore())
			if diff := cmp.Diff(tt.want, got, ignorePollID); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			diffRequests(t, f, tt.wantReqs(t))
			if tt.check != nil {
				tt.check(t, f, got)
			}
		})
	}
}

// wantLive checks who is still in the standup, by user ID.
func wantLive(t *testing.T, f *rtkfake.Server, userIDs ...string) {
	t.Helper()
	var got []string
	for _, p := range f.LiveParticipants(meetingID) {
		got = append(got, p.UserID)
	}
	if diff := cmp.Diff(userIDs, got); diff != "" {
		t.Errorf("live in the fake (-want +got):\n%s", diff)
	}
}

// wantMuted checks who is muted in the standup, by user ID.
func wantMuted(t *testing.T, f *rtkfake.Server, userIDs ...string) {
	t.Helper()
	var got []string
	for _, p := range f.LiveParticipants(meetingID) {
		if p.Muted {
			got = append(got, p.UserID)
		}
	}
	if diff := cmp.Diff(userIDs, got); diff != "" {
		t.Errorf("muted in the fake (-want +got):\n%s", diff)
	}
}

// TestCredentialsOnlyFromConfig: Config is the only source of credentials.
// Cloudflare's SDK client reads CLOUDFLARE_* variables from the environment;
// none of them may reach the wire, on SDK-built requests (GET meeting) or on
// our own (mute).
func TestCredentialsOnlyFromConfig(t *testing.T) {
	t.Setenv("CLOUDFLARE_API_TOKEN", "env-token")
	t.Setenv("CLOUDFLARE_API_KEY", "env-key")
	t.Setenv("CLOUDFLARE_EMAIL", "env@example.com")
	t.Setenv("CLOUDFLARE_API_USER_SERVICE_KEY", "env-service-key")
	f := newFake(t)
	c := newClient(t, f)
	if _, err := c.Meeting(t.Context(), meetingID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Mute(t.Context(), meetingID, meeting.Targets{ParticipantIDs: []string{"u-bob"}}); err != nil {
		t.Fatal(err)
	}
	reqs := f.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2: %v", len(reqs), reqs)
	}
	for _, r := range reqs {
		if got := r.BearerToken(); got != testToken {
			t.Errorf("%s: bearer token %q, want the configured one", r, got)
		}
		for _, h := range []string{"X-Auth-Key", "X-Auth-Email", "X-Auth-User-Service-Key"} {
			if v := r.Header.Get(h); v != "" {
				t.Errorf("%s: header %s = %q, want none", r, h, v)
			}
		}
	}
}
