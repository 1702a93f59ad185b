package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
	"github.com/rtkbot/rtkbot/internal/testutil"
)

// started runs the command on a free port and returns its base URL and
// output; the command stops when the test ends, and must exit 0.
func started(t *testing.T, args []string, env map[string]string) (baseURL string, stdout *testutil.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	stdout = &testutil.Buffer{}
	stderr := &testutil.Buffer{}
	ready := make(chan string, 1)
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), func(k string) string { return env[k] },
			stdout, stderr, func(u string) { ready <- u })
	}()
	select {
	case baseURL = <-ready:
	case code := <-exit:
		t.Fatalf("rtkfake exited with %d before serving: %s", code, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("rtkfake did not start")
	}
	t.Cleanup(func() {
		cancel()
		if code := <-exit; code != 0 {
			t.Errorf("exit code %d after cancel, want 0; stderr: %s", code, stderr.String())
		}
	})
	return baseURL, stdout
}

func get(t *testing.T, url, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func TestServesDemoSeedWithDefaults(t *testing.T) {
	t.Parallel()
	seed := filepath.Join("..", "..", "examples", "demo-meeting.json")
	base, out := started(t, []string{"-seed", seed}, nil)

	for _, want := range []string{
		"export CLOUDFLARE_BASE_URL=" + base,
		"export CLOUDFLARE_ACCOUNT_ID=" + rtkfake.DefaultAccountID,
		"export REALTIMEKIT_APP_ID=" + rtkfake.DefaultAppID,
		"export CLOUDFLARE_API_TOKEN=" + rtkfake.DefaultToken,
		"9f3c2a1e-5b7d-4e8f-a012-3c4d5e6f7a81  Weekly All-Hands (live, 6 participants)",
		"9f3c2a1e-5b7d-4e8f-a012-3c4d5e6f7a82  Design Review (no active session)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	status, body := get(t, base+"accounts/"+rtkfake.DefaultAccountID+"/realtime/kit/"+rtkfake.DefaultAppID+
		"/meetings/9f3c2a1e-5b7d-4e8f-a012-3c4d5e6f7a81/active-session", rtkfake.DefaultToken)
	var res struct {
		Data struct {
			Title string `json:"meeting_display_name"`
			Live  int    `json:"live_participants"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &res); err != nil || status != 200 || res.Data.Title != "Weekly All-Hands" || res.Data.Live != 6 {
		t.Errorf("GET active-session: status %d, %+v, %v; want Weekly All-Hands with 6 live", status, res.Data, err)
	}
}

// The bot's own environment configures the fake, and a real token from it
// is never printed.
func TestCredentialsFromEnvironment(t *testing.T) {
	t.Parallel()
	const token = "env-secret-token-1234"
	env := map[string]string{
		"CLOUDFLARE_API_TOKEN":  token,
		"CLOUDFLARE_ACCOUNT_ID": "aaaabbbbccccddddeeeeffff00001111",
		"REALTIMEKIT_APP_ID":    "app-from-env",
	}
	base, out := started(t, nil, env)
	if strings.Contains(out.String(), token) {
		t.Errorf("output shows the token:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "export REALTIMEKIT_APP_ID=app-from-env") || !strings.Contains(out.String(), "No meetings") {
		t.Errorf("output:\n%s", out.String())
	}
	path := base + "accounts/aaaabbbbccccddddeeeeffff00001111/realtime/kit/app-from-env/meetings/m1"
	if status, body := get(t, path, token); status != 404 || !strings.Contains(string(body), "No meeting found") {
		t.Errorf("with the env token: status %d, body %s; want RealtimeKit's 404", status, body)
	}
	if status, _ := get(t, path, rtkfake.DefaultToken); status != 401 {
		t.Errorf("with the demo token: status %d, want 401", status)
	}
}

func TestFlagsOverrideEnvironment(t *testing.T) {
	t.Parallel()
	env := map[string]string{"CLOUDFLARE_API_TOKEN": "env-token", "REALTIMEKIT_APP_ID": "env-app"}
	base, _ := started(t, []string{"-token", "flag-token", "-app", "flag-app", "-account", "acc"}, env)
	if status, _ := get(t, base+"accounts/acc/realtime/kit/flag-app/meetings/m1", "flag-token"); status != 404 {
		t.Errorf("flag credentials: status %d, want 404 (authenticated, no such meeting)", status)
	}
	if status, _ := get(t, base+"accounts/acc/realtime/kit/env-app/meetings/m1", "flag-token"); status != 403 {
		t.Errorf("env app ID: status %d, want 403", status)
	}
}

func TestStartupErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{name: "missing seed file", args: []string{"-seed", "no-such-file.json"}, wantCode: 1, wantErr: "no-such-file.json"},
		{name: "invalid seed", args: []string{"-seed", filepath.Join("testdata", "bad-seed.json")}, wantCode: 1, wantErr: "not a registered participant"},
		{name: "unknown flag", args: []string{"-port", "1"}, wantCode: 2, wantErr: "flag provided but not defined"},
		{name: "stray argument", args: []string{"serve"}, wantCode: 2, wantErr: "unexpected arguments"},
		{name: "bad address", args: []string{"-addr", "256.0.0.1:99999"}, wantCode: 1, wantErr: "listen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr testutil.Buffer
			code := run(t.Context(), tt.args, func(string) string { return "" }, &stdout, &stderr, nil)
			if code != tt.wantCode || !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tt.wantCode, tt.wantErr)
			}
		})
	}
}
