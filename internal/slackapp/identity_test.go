package slackapp

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Verify tells a refused token (retrying cannot help) from Slack having
// trouble (retrying can), for each token and each way Slack refuses one.
func TestVerifyTellsRefusedTokensFromTrouble(t *testing.T) {
	t.Parallel()
	ok := func(w http.ResponseWriter, method string) {
		body := map[string]any{"ok": true}
		switch method {
		case "auth.test":
			body = map[string]any{"ok": true, "team_id": "T0TEAM", "user_id": "U0BOT", "bot_id": "B0BOT"}
		case "bots.info":
			body = map[string]any{"ok": true, "bot": map[string]any{"id": "B0BOT", "app_id": "A0APP"}}
		case "apps.connections.open":
			body = map[string]any{"ok": true, "url": "wss://127.0.0.1:1/link/?ticket=x"}
		}
		_ = json.NewEncoder(w).Encode(body)
	}
	tests := []struct {
		name    string
		method  string // the method that fails
		answer  string // its error code; "" for HTTP 503
		refused []TokenError
	}{
		{name: "bot token invalid", method: "auth.test", answer: "invalid_auth", refused: []TokenError{{TokenBot, "auth.test", "invalid_auth"}}},
		{name: "bot token revoked", method: "auth.test", answer: "token_revoked", refused: []TokenError{{TokenBot, "auth.test", "token_revoked"}}},
		{name: "workspace inactive", method: "auth.test", answer: "account_inactive", refused: []TokenError{{TokenBot, "auth.test", "account_inactive"}}},
		{name: "no token", method: "auth.test", answer: "not_authed", refused: []TokenError{{TokenBot, "auth.test", "not_authed"}}},
		{name: "app token invalid", method: "apps.connections.open", answer: "invalid_auth", refused: []TokenError{{TokenApp, "apps.connections.open", "invalid_auth"}}},
		{name: "Slack's own error", method: "auth.test", answer: "internal_error"},
		{name: "Slack unavailable", method: "apps.connections.open", answer: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				method := r.URL.Path[len("/api/"):]
				switch {
				case method != tt.method:
					ok(w, method)
				case tt.answer == "":
					http.Error(w, "upstream connect error", http.StatusServiceUnavailable)
				default:
					_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": tt.answer})
				}
			}))
			defer srv.Close()
			l, err := NewListener(Config{AppToken: "xapp-1", BotToken: "xoxb-1", APIURL: srv.URL + "/api/", Handler: &coreStub{}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = l.Verify(t.Context())
			if err == nil {
				t.Fatal("Verify succeeded")
			}
			var refused []TokenError
			if te := (*TokenError)(nil); errors.As(err, &te) {
				refused = append(refused, *te)
			}
			if diff := cmp.Diff(tt.refused, refused); diff != "" {
				t.Errorf("refusals (-want +got):\n%s\nerr: %v", diff, err)
			}
			if l.identity.Load() != nil {
				t.Error("identity learned despite the failure")
			}
		})
	}
}

// The app ID narrows the check only: when bots.info cannot say it (a
// missing scope, a Slack that does not offer the method), the app-level
// token names it, and the bot starts all the same. Envelope fields that
// are empty on either side are not compared.
func TestVerifyLearnsTheAppFromTheTokenWithoutBotsInfo(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		switch r.URL.Path {
		case "/api/auth.test":
			body = map[string]any{"ok": true, "team_id": "T0TEAM", "user_id": "U0BOT", "bot_id": "B0BOT"}
		case "/api/bots.info":
			body = map[string]any{"ok": false, "error": "missing_scope"}
		case "/api/apps.connections.open":
			body = map[string]any{"ok": true, "url": "wss://127.0.0.1:1/link/?ticket=x"}
		default:
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(body)
	}))
	defer srv.Close()
	l, err := NewListener(Config{AppToken: "xapp-1-A0APP-1234-abcd", BotToken: "xoxb-1", APIURL: srv.URL + "/api/", Handler: &coreStub{}})
	if err != nil {
		t.Fatal(err)
	}
	id, err := l.Verify(t.Context())
	if err != nil {
		t.Fatalf("Verify = %v, want success without bots.info", err)
	}
	if id.TeamID != "T0TEAM" || id.AppID != "A0APP" {
		t.Errorf("identity = %+v, want team T0TEAM and app A0APP (from the token)", id)
	}
	for _, tt := range []struct {
		team, enterprise, app string
		want                  string
	}{
		{"T0TEAM", "", "A0APP", ""},
		{"T0TEAM", "", "", ""},
		{"", "", "A0APP", ""},
		{"T0EVIL", "", "A0APP", "other_team"},
		{"T0TEAM", "", "A0EVIL", "other_app"},
		{"T0TEAM", "E0EVIL", "A0APP", "other_enterprise"},
	} {
		if got := l.foreign(tt.team, tt.enterprise, tt.app); got != tt.want {
			t.Errorf("foreign(%q, %q, %q) = %q, want %q", tt.team, tt.enterprise, tt.app, got, tt.want)
		}
	}
}
