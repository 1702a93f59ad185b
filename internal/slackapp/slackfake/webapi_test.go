package slackfake

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
)

func TestUsersInfo(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{TeamID: "T0TEAM"})
	s.AddUser(User{ID: "U0ADA", Name: "ada", RealName: "Ada Lovelace", DisplayName: "Ada L",
		Email: "ada@example.com", IsAdmin: true})
	s.AddUser(User{ID: "U0OWN", Name: "own", IsOwner: true, TeamID: "T0OTHER"})
	api := newAPI(s, s.BotToken())

	type view struct {
		ID, TeamID, Name, RealName, DisplayName, Email string
		IsAdmin, IsOwner                               bool
	}
	tests := []struct {
		name    string
		user    string
		want    view
		wantErr string
	}{
		{"admin with email", "U0ADA", view{"U0ADA", "T0TEAM", "ada", "Ada Lovelace", "Ada L", "ada@example.com", true, false}, ""},
		{"owner of another team", "U0OWN", view{"U0OWN", "T0OTHER", "own", "", "", "", false, true}, ""},
		{"unknown user", "U0NOPE", view{}, "user_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, err := api.GetUserInfoContext(t.Context(), tt.user)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := view{u.ID, u.TeamID, u.Name, u.RealName, u.Profile.DisplayName, u.Profile.Email, u.IsAdmin, u.IsOwner}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("user (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUserGroupMembers(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	s.AddUserGroup("S0MODS", []string{"U1", "U2"})
	s.AddUserGroup("S0EMPTY", nil)
	api := newAPI(s, s.BotToken())
	tests := []struct {
		name, group string
		want        []string
		wantErr     string
	}{
		{"members", "S0MODS", []string{"U1", "U2"}, ""},
		{"empty group", "S0EMPTY", []string{}, ""},
		{"unknown group", "S0NOPE", nil, "no_such_subteam"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := api.GetUserGroupMembersContext(t.Context(), tt.group)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{TeamID: "T0TEAM", BotUserID: "U0BOT"})
	tests := []struct {
		name, token, wantErr string
	}{
		{"bot token", s.BotToken(), ""},
		{"wrong token", "xoxb-wrong", "invalid_auth"},
		{"app token", s.AppToken(), "not_allowed_token_type"},
		{"no token", "", "not_authed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := newAPI(s, tt.token).AuthTestContext(t.Context())
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.TeamID != "T0TEAM" || got.UserID != "U0BOT" || got.BotID != DefaultBotID {
				t.Errorf("auth.test = %+v", got)
			}
		})
	}
}

// TestTokenSources posts by hand: the token in the form, in the header,
// with a JSON body, and a wrong one in each.
func TestTokenSources(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	tests := []struct {
		name        string
		bearer      string
		contentType string
		body        string
		want        string // "ok" or the error
	}{
		{"form token", "", "application/x-www-form-urlencoded",
			url.Values{"token": {s.BotToken()}, "channel": {"C1"}, "text": {"hi"}}.Encode(), "ok"},
		{"header token, form body", s.BotToken(), "application/x-www-form-urlencoded",
			url.Values{"channel": {"C1"}, "text": {"hi"}}.Encode(), "ok"},
		{"header token, JSON body", s.BotToken(), "application/json; charset=utf-8",
			`{"channel":"C1","text":"hi","blocks":[{"type":"divider"}]}`, "ok"},
		{"wrong form token", "", "application/x-www-form-urlencoded",
			url.Values{"token": {"xoxb-nope"}, "channel": {"C1"}, "text": {"hi"}}.Encode(), "invalid_auth"},
		{"wrong header token", "xoxb-nope", "application/json", `{"channel":"C1","text":"hi"}`, "invalid_auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := callAPI(t, s, "chat.postMessage", tt.bearer, tt.contentType, tt.body)
			if got != tt.want {
				t.Errorf("chat.postMessage = %s, want %s", got, tt.want)
			}
		})
	}
	t.Run("apps.connections.open with a JSON body", func(t *testing.T) {
		t.Parallel()
		if got := callAPI(t, s, "apps.connections.open", s.AppToken(), "application/json", `{}`); got != "ok" {
			t.Errorf("apps.connections.open = %s, want ok", got)
		}
	})
	t.Run("apps.connections.open with a form body", func(t *testing.T) {
		t.Parallel()
		body := url.Values{"token": {s.AppToken()}}.Encode()
		if got := callAPI(t, s, "apps.connections.open", "", "application/x-www-form-urlencoded", body); got != "ok" {
			t.Errorf("apps.connections.open = %s, want ok", got)
		}
	})
}

// callAPI posts to a Web API method and returns "ok" or the error code.
func callAPI(t *testing.T, s *Server, method, bearer, contentType, body string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.APIURL()+method, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: decode: %v", method, err)
	}
	if out.OK {
		return "ok"
	}
	return out.Error
}

func TestChatMethodsRecorded(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := NewTestServer(t, Config{Now: clock.Now})
	api := newAPI(s, s.BotToken())
	ctx := t.Context()
	section := slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*Title*", false, false), nil, nil)

	_, ts, err := api.PostMessageContext(ctx, "C0AUDIT", slack.MsgOptionText("kicked Bob", false), slack.MsgOptionBlocks(section))
	if err != nil {
		t.Fatal(err)
	}
	ephTS, err := api.PostEphemeralContext(ctx, "C1", "U0ADA", slack.MsgOptionText("only you", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "C0AUDIT", ts, slack.MsgOptionText("kicked Bob and Carol", false)); err != nil {
		t.Fatal(err)
	}
	_, _, _, err = api.UpdateMessageContext(ctx, "C1", ephTS, slack.MsgOptionText("x", false))
	if err == nil || err.Error() != "message_not_found" {
		t.Errorf("updating an ephemeral message: error %v, want message_not_found", err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1"); err == nil || err.Error() != "no_text" {
		t.Errorf("empty message: error %v, want no_text", err)
	}

	got, err := s.WaitPosted(waitCtx(t), 3)
	if err != nil {
		t.Fatal(err)
	}
	blocks, _ := json.Marshal([]slack.Block{section})
	want := []Posted{
		{Method: "chat.postMessage", Channel: "C0AUDIT", Text: "kicked Bob", Blocks: blocks, TS: ts, At: clock.Now()},
		{Method: "chat.postEphemeral", Channel: "C1", User: "U0ADA", Text: "only you", TS: ephTS, At: clock.Now()},
		{Method: "chat.update", Channel: "C0AUDIT", Text: "kicked Bob and Carol", TS: ts, At: clock.Now()},
	}
	if diff := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool {
		return p.Last().String() == ".Params"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("posted (-want +got):\n%s", diff)
	}
	if got[0].Params.Has("token") {
		t.Error("recorded params include the token")
	}
}

func TestBlockKitLimits(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	api := newAPI(s, s.BotToken())
	section := func(n int) slack.Block {
		return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, strings.Repeat("é", n), false, false), nil, nil)
	}
	repeat := func(b slack.Block, n int) []slack.Block {
		out := make([]slack.Block, n)
		for i := range out {
			out[i] = b
		}
		return out
	}
	button := func(label string) slack.Block {
		return slack.NewActionBlock("a", slack.NewButtonBlockElement("confirm", "v", slack.NewTextBlockObject(slack.PlainTextType, label, false, false)))
	}
	tests := []struct {
		name    string
		blocks  []slack.Block
		wantErr string
	}{
		{"3000 characters", []slack.Block{section(3000)}, ""},
		{"3001 characters", []slack.Block{section(3001)}, "invalid_blocks"},
		{"50 blocks", repeat(slack.NewDividerBlock(), 50), ""},
		{"51 blocks", repeat(slack.NewDividerBlock(), 51), "invalid_blocks"},
		{"button label of 75", []slack.Block{button(strings.Repeat("k", 75))}, ""},
		{"button label of 76", []slack.Block{button(strings.Repeat("k", 76))}, "invalid_blocks"},
		{"empty section text", []slack.Block{section(0)}, "invalid_blocks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := api.PostMessageContext(t.Context(), "C1", slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(tt.blocks...))
			if got := fmt.Sprint(err); (tt.wantErr == "" && err != nil) || (tt.wantErr != "" && got != tt.wantErr) {
				t.Errorf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestRateLimitInjection(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	s.AddUser(User{ID: "U1", Name: "one"})
	s.InjectRateLimit("chat.postMessage", 2500*time.Millisecond, 2)
	api := newAPI(s, s.BotToken())
	for i := range 2 {
		_, _, err := api.PostMessageContext(t.Context(), "C1", slack.MsgOptionText("hi", false))
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) || rl.RetryAfter != 3*time.Second {
			t.Fatalf("call %d: error %v, want RateLimitedError with RetryAfter 3s", i+1, err)
		}
	}
	if _, err := api.GetUserInfoContext(t.Context(), "U1"); err != nil {
		t.Errorf("users.info while chat.postMessage is limited: %v", err)
	}
	if _, _, err := api.PostMessageContext(t.Context(), "C1", slack.MsgOptionText("hi", false)); err != nil {
		t.Fatalf("third call: %v", err)
	}
	if got, want := s.Calls("chat.postMessage"), 3; got != want {
		t.Errorf("calls = %d, want %d", got, want)
	}
	if got := len(s.Posted()); got != 1 {
		t.Errorf("posted %d messages, want 1 (rate-limited calls post nothing)", got)
	}
}

// auth.test and bots.info together tell an app who it is: its workspace
// (and Enterprise Grid org), its bot user and, through bots.info, its app.
func TestIdentityThroughAuthTestAndBotsInfo(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{AppID: "A0APP", TeamID: "T0TEAM", EnterpriseID: "E0ORG", BotUserID: "U0BOT", BotID: "B0BOT"})
	api := newAPI(s, s.BotToken())
	at, err := api.AuthTestContext(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if at.TeamID != "T0TEAM" || at.EnterpriseID != "E0ORG" || at.UserID != "U0BOT" || at.BotID != "B0BOT" {
		t.Errorf("auth.test = %+v", at)
	}
	bot, err := api.GetBotInfoContext(t.Context(), slack.GetBotInfoParameters{Bot: at.BotID})
	if err != nil {
		t.Fatal(err)
	}
	if bot.AppID != "A0APP" || bot.UserID != "U0BOT" {
		t.Errorf("bots.info = %+v", bot)
	}
	if _, err := api.GetBotInfoContext(t.Context(), slack.GetBotInfoParameters{Bot: "B0OTHER"}); err == nil || err.Error() != "bot_not_found" {
		t.Errorf("bots.info of another bot: err = %v, want bot_not_found", err)
	}
	if _, err := newAPI(s, "xoxb-wrong").AuthTestContext(t.Context()); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("auth.test with a wrong token: err = %v, want invalid_auth", err)
	}
}
