package config

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var allVars = []string{
	"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SLACK_API_URL", "CLOUDFLARE_API_TOKEN",
	"CLOUDFLARE_ACCOUNT_ID", "REALTIMEKIT_APP_ID", "CLOUDFLARE_BASE_URL", "BOT_MODERATORS",
	"BOT_MODERATOR_GROUPS", "BOT_ADMINS_ARE_MODERATORS", "BOT_AUDIT_CHANNEL",
	"BOT_MAX_CONCURRENT_COMMANDS", "BOT_SHUTDOWN_TIMEOUT", "BOT_CONFIRM_TTL", "BOT_HTTP_ADDR",
	"LOG_LEVEL", "LOG_FORMAT", "DATABASE_URL", "BOT_AUDIT_RETENTION", "REALTIMEKIT_RATE_LIMIT", "REALTIMEKIT_RATE_BURST",
}

// setEnv clears every variable Load reads, then sets env. Not parallel: the
// process environment is shared.
func setEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, k := range allVars {
		t.Setenv(k, "") // registers the restore of the old value
		os.Unsetenv(k)
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

func validEnv() map[string]string {
	return map[string]string{
		"SLACK_APP_TOKEN":       "xapp-1-secret-app",
		"SLACK_BOT_TOKEN":       "xoxb-secret-bot",
		"CLOUDFLARE_API_TOKEN":  "cf-secret-token",
		"CLOUDFLARE_ACCOUNT_ID": "023e105f4ecef8ad9ca31a8372d0c353",
		"REALTIMEKIT_APP_ID":    "app-1",
	}
}

func TestLoadDefaults(t *testing.T) {
	setEnv(t, validEnv())
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.SlackAPIURL != "https://slack.com/api/" || c.CloudflareBaseURL != "https://api.cloudflare.com/client/v4/" {
		t.Errorf("URLs = %q, %q", c.SlackAPIURL, c.CloudflareBaseURL)
	}
	if c.MaxConcurrentCommands != 64 || c.ShutdownTimeout != 20*time.Second || c.ConfirmTTL != 10*time.Minute {
		t.Errorf("limits = %d, %s, %s", c.MaxConcurrentCommands, c.ShutdownTimeout, c.ConfirmTTL)
	}
	if c.HTTPAddr != ":8080" || c.LogLevel != "info" || c.LogFormat != "json" || c.AdminsAreModerators {
		t.Errorf("got %+v", c)
	}
	if c.SlackBotToken.Reveal() != "xoxb-secret-bot" {
		t.Errorf("bot token not read")
	}
	if c.DatabaseURL != "" || c.AuditRetention != 90*24*time.Hour {
		t.Errorf("storage = %q, %s; want the SQLite default and 90 days", c.DatabaseURL.Reveal(), c.AuditRetention)
	}
}

func TestLoadStorage(t *testing.T) {
	tests := []struct {
		name      string
		url       string
		retention string
		want      string        // the problem reported; "" for none
		wantKeep  time.Duration // AuditRetention, when valid
	}{
		{name: "sqlite absolute", url: "sqlite:///var/lib/rtkbot/rtkbot.db", retention: "720h", wantKeep: 720 * time.Hour},
		{name: "sqlite relative", url: "sqlite:data/rtkbot.db", retention: "1h", wantKeep: time.Hour},
		{name: "postgres", url: "postgres://rtkbot:hunter2@db.internal:5432/rtkbot?sslmode=require", wantKeep: 2160 * time.Hour},
		{name: "postgresql over a socket", url: "postgresql:///rtkbot?host=/var/run/postgresql", wantKeep: 2160 * time.Hour},
		{name: "sqlite without a path", url: "sqlite://", want: "DATABASE_URL: a sqlite: URL needs a file path"},
		{name: "sqlite in memory", url: "sqlite::memory:", want: "DATABASE_URL: in-memory SQLite would lose everything on restart"},
		{name: "sqlite parameters", url: "sqlite:///x.db?_pragma=hunter2", want: "DATABASE_URL: a sqlite: URL takes no parameters"},
		{name: "postgres without slashes", url: "postgres:rtkbot:hunter2@db", want: "DATABASE_URL: a Postgres URL starts with postgres://"},
		{name: "postgres with a raw % in the password", url: "postgres://rtkbot:hunter%2@db/rtkbot", want: "DATABASE_URL: not a valid postgres:// URL"},
		{name: "mysql", url: "mysql://rtkbot:hunter2@db/rtkbot", want: "DATABASE_URL: must start with sqlite: (a file, for one process) or postgres://"},
		{name: "a bare password", url: "hunter2", want: "DATABASE_URL: must start with sqlite:"},
		{name: "retention too short", retention: "30m", want: "BOT_AUDIT_RETENTION: must be at least 1h"},
		{name: "retention in days", retention: "90d", want: `BOT_AUDIT_RETENTION: "90d" is not a duration`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := validEnv()
			if tt.url != "" {
				env["DATABASE_URL"] = tt.url
			}
			if tt.retention != "" {
				env["BOT_AUDIT_RETENTION"] = tt.retention
			}
			setEnv(t, env)
			c, err := Load()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.DatabaseURL.Reveal() != tt.url || c.AuditRetention != tt.wantKeep {
					t.Errorf("got %q, %s; want %q, %s", c.DatabaseURL.Reveal(), c.AuditRetention, tt.url, tt.wantKeep)
				}
				return
			}
			var cerr *Error
			if !errors.As(err, &cerr) || len(cerr.Problems) != 1 || !strings.HasPrefix(cerr.Problems[0], tt.want) {
				t.Fatalf("Load() error = %v, want one problem starting %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter") {
				t.Errorf("error leaks the password:\n%s", err)
			}
		})
	}
}

func TestLoadLists(t *testing.T) {
	env := validEnv()
	env["BOT_MODERATORS"] = "U111,W222"
	env["BOT_MODERATOR_GROUPS"] = "S123"
	env["BOT_ADMINS_ARE_MODERATORS"] = "true"
	env["BOT_AUDIT_CHANNEL"] = "C999"
	setEnv(t, env)
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"U111", "W222"}, c.Moderators); diff != "" {
		t.Errorf("Moderators (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"S123"}, c.ModeratorGroups); diff != "" {
		t.Errorf("ModeratorGroups (-want +got):\n%s", diff)
	}
	if !c.AdminsAreModerators || c.AuditChannel != "C999" {
		t.Errorf("got %+v", c)
	}
}

func TestLoadReportsEveryProblemWithoutSecrets(t *testing.T) {
	setEnv(t, map[string]string{
		"SLACK_APP_TOKEN":             "xoxb-wrong-kind-secret",
		"SLACK_BOT_TOKEN":             "xapp-wrong-kind-secret",
		"BOT_MAX_CONCURRENT_COMMANDS": "lots",
		"BOT_SHUTDOWN_TIMEOUT":        "soon",
		"BOT_ADMINS_ARE_MODERATORS":   "maybe",
		"BOT_MODERATORS":              "alice",
		"BOT_AUDIT_CHANNEL":           "#audit",
		"LOG_FORMAT":                  "xml",
		"LOG_LEVEL":                   "loud",
		"SLACK_API_URL":               "slack.com",
	})
	_, err := Load()
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("Load() error = %v, want *Error", err)
	}
	want := []string{
		"SLACK_APP_TOKEN: must be an app-level token",
		"SLACK_BOT_TOKEN: must be a bot token",
		"SLACK_API_URL: \"slack.com\" is not an http(s) URL",
		"CLOUDFLARE_API_TOKEN: required, not set",
		"CLOUDFLARE_ACCOUNT_ID: required, not set",
		"REALTIMEKIT_APP_ID: required, not set",
		`BOT_ADMINS_ARE_MODERATORS: "maybe" is not true or false`,
		`BOT_MAX_CONCURRENT_COMMANDS: "lots" is not a whole number`,
		`BOT_SHUTDOWN_TIMEOUT: "soon" is not a duration; give a number with a unit`,
		`BOT_MODERATORS: "alice" is not a Slack user ID`,
		`BOT_AUDIT_CHANNEL: "#audit" is not a Slack channel ID`,
		`LOG_LEVEL: "loud" is not one of`,
		`LOG_FORMAT: "xml" is not json or text`,
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error does not say %q:\n%s", w, msg)
		}
	}
	if strings.Contains(msg, "secret") {
		t.Errorf("error leaks a token value:\n%s", msg)
	}
}

// A required variable set to nothing (SLACK_BOT_TOKEN= in an env file) is
// as missing as an unset one, and is reported with every other problem.
func TestLoadTreatsBlankRequiredVariablesAsMissing(t *testing.T) {
	setEnv(t, map[string]string{
		"SLACK_APP_TOKEN":       "",
		"SLACK_BOT_TOKEN":       "   ",
		"CLOUDFLARE_API_TOKEN":  "",
		"CLOUDFLARE_ACCOUNT_ID": "",
		"REALTIMEKIT_APP_ID":    "",
		"LOG_FORMAT":            "xml",
	})
	_, err := Load()
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("Load() error = %v, want *Error", err)
	}
	want := []string{
		"SLACK_APP_TOKEN: required, but set to an empty value",
		"SLACK_BOT_TOKEN: required, but set to an empty value",
		"CLOUDFLARE_API_TOKEN: required, but set to an empty value",
		"CLOUDFLARE_ACCOUNT_ID: required, but set to an empty value",
		"REALTIMEKIT_APP_ID: required, but set to an empty value",
		`LOG_FORMAT: "xml" is not json or text`,
	}
	if diff := cmp.Diff(want, cerr.Problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestLoadTrimsSpacesAroundValuesAndListItems(t *testing.T) {
	env := validEnv()
	env["BOT_MODERATORS"] = "U111, W222 ,U333,"
	env["BOT_MODERATOR_GROUPS"] = " S123"
	env["BOT_AUDIT_CHANNEL"] = "C999 "
	env["SLACK_BOT_TOKEN"] = "xoxb-secret-bot\n" // a secret file's trailing newline
	setEnv(t, env)
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"U111", "W222", "U333"}, c.Moderators); diff != "" {
		t.Errorf("Moderators (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"S123"}, c.ModeratorGroups); diff != "" {
		t.Errorf("ModeratorGroups (-want +got):\n%s", diff)
	}
	if c.AuditChannel != "C999" || c.SlackBotToken.Reveal() != "xoxb-secret-bot" {
		t.Errorf("AuditChannel = %q, bot token trimmed = %t", c.AuditChannel, c.SlackBotToken.Reveal() == "xoxb-secret-bot")
	}
}

// Messages say what a value must look like in words, never as a Go type.
func TestLoadDescribesBadValuesInWords(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"REALTIMEKIT_RATE_LIMIT", "abc", `REALTIMEKIT_RATE_LIMIT: "abc" is not a number, e.g. 3.5`},
		{"REALTIMEKIT_RATE_BURST", "1.5", `REALTIMEKIT_RATE_BURST: "1.5" is not a whole number`},
		{"BOT_CONFIRM_TTL", "600", `BOT_CONFIRM_TTL: "600" is not a duration; give a number with a unit, e.g. 20s, 10m or 2160h`},
		// A long or token-shaped value may be a token in the wrong place.
		{"REALTIMEKIT_RATE_LIMIT", "xoxb-secret", "REALTIMEKIT_RATE_LIMIT: the value is not a number"},
		{"BOT_SHUTDOWN_TIMEOUT", "cf-secret-0123456789abcdef", "BOT_SHUTDOWN_TIMEOUT: the value is not a duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			env := validEnv()
			env[tt.name] = tt.value
			setEnv(t, env)
			_, err := Load()
			var cerr *Error
			if !errors.As(err, &cerr) || len(cerr.Problems) != 1 || !strings.HasPrefix(cerr.Problems[0], tt.want) {
				t.Fatalf("Load() error = %v, want one problem starting %q", err, tt.want)
			}
			for _, goType := range []string{"float64", "int", "time.Duration", "bool", "parse as"} {
				if strings.Contains(cerr.Problems[0], goType) {
					t.Errorf("problem names a Go type (%s): %s", goType, cerr.Problems[0])
				}
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error shows a token-shaped value: %s", err)
			}
		})
	}
}

// Docker's --env-file keeps quotes as part of the value: say so, rather
// than "must be a bot token (xoxb-…)" for a value that visibly is one.
func TestLoadHintsAtQuotedValues(t *testing.T) {
	env := validEnv()
	env["SLACK_BOT_TOKEN"] = `"xoxb-secret-bot"`
	env["BOT_MODERATORS"] = `'U111,U222'`
	setEnv(t, env)
	_, err := Load()
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("Load() error = %v, want *Error", err)
	}
	want := []string{
		"SLACK_BOT_TOKEN: the value is wrapped in quotes; remove them (Docker and Compose env files keep quotes as part of the value)",
		"BOT_MODERATORS: the value is wrapped in quotes; remove them (Docker and Compose env files keep quotes as part of the value)",
	}
	if diff := cmp.Diff(want, cerr.Problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("error leaks the token:\n%s", err)
	}
}
