// Package config reads rtkbot's configuration from the environment. The
// variable names are a contract with the people and tooling that deploy the
// bot; see README.md.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/rtkbot/rtkbot/internal/secret"
)

// Config is everything the bot reads from its environment.
type Config struct {
	SlackAppToken secret.String `envconfig:"SLACK_APP_TOKEN" required:"true"`
	SlackBotToken secret.String `envconfig:"SLACK_BOT_TOKEN" required:"true"`
	SlackAPIURL   string        `envconfig:"SLACK_API_URL" default:"https://slack.com/api/"`

	CloudflareAPIToken  secret.String `envconfig:"CLOUDFLARE_API_TOKEN" required:"true"`
	CloudflareAccountID string        `envconfig:"CLOUDFLARE_ACCOUNT_ID" required:"true"`
	RealtimeKitAppID    string        `envconfig:"REALTIMEKIT_APP_ID" required:"true"`
	CloudflareBaseURL   string        `envconfig:"CLOUDFLARE_BASE_URL" default:"https://api.cloudflare.com/client/v4/"`
	// RealtimeKitRateLimit and RealtimeKitBurst shape the one token bucket
	// every RealtimeKit request waits on. The default stays under
	// Cloudflare's 1200 requests / 5 min per token; raise it only for a
	// token of your own with a higher limit.
	RealtimeKitRateLimit float64 `envconfig:"REALTIMEKIT_RATE_LIMIT" default:"3.5"`
	RealtimeKitBurst     int     `envconfig:"REALTIMEKIT_RATE_BURST" default:"20"`

	Moderators          []string `envconfig:"BOT_MODERATORS"`
	ModeratorGroups     []string `envconfig:"BOT_MODERATOR_GROUPS"`
	AdminsAreModerators bool     `envconfig:"BOT_ADMINS_ARE_MODERATORS" default:"false"`
	AuditChannel        string   `envconfig:"BOT_AUDIT_CHANNEL"`

	// DatabaseURL names the bot's database: sqlite:///path/to/rtkbot.db
	// (one process) or postgres://user:password@host/db (shared by
	// replicas). Empty means a SQLite file at ./data/rtkbot.db. It is a
	// secret because a Postgres URL may carry a password.
	DatabaseURL secret.String `envconfig:"DATABASE_URL"`
	// AuditRetention is how long audit entries are kept before the
	// background pruning deletes them.
	AuditRetention time.Duration `envconfig:"BOT_AUDIT_RETENTION" default:"2160h"`

	MaxConcurrentCommands int           `envconfig:"BOT_MAX_CONCURRENT_COMMANDS" default:"64"`
	ShutdownTimeout       time.Duration `envconfig:"BOT_SHUTDOWN_TIMEOUT" default:"20s"`
	ConfirmTTL            time.Duration `envconfig:"BOT_CONFIRM_TTL" default:"10m"`
	HTTPAddr              string        `envconfig:"BOT_HTTP_ADDR" default:":8080"`

	LogLevel  string `envconfig:"LOG_LEVEL" default:"info"`
	LogFormat string `envconfig:"LOG_FORMAT" default:"json"`
}

// Error lists every configuration problem found, one per line, so an
// operator fixes them all in one go. It never contains a secret's value.
type Error struct {
	Problems []string
}

func (e *Error) Error() string {
	return "invalid configuration:\n  - " + strings.Join(e.Problems, "\n  - ")
}

// Load reads the configuration from the process environment and validates it.
// On failure it returns an *Error listing every problem.
func Load() (Config, error) {
	var c Config
	var problems []string
	// envconfig stops at the first field it cannot parse. Processing one
	// field at a time, through a one-field struct with the same tags, lets us
	// report every problem at once while envconfig still does the parsing.
	unread := make(map[string]bool) // variables that could not be parsed
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		name := f.Tag.Get("envconfig")
		raw, set := os.LookupEnv(name)
		if p := checkRaw(f, raw, set); p != "" {
			problems = append(problems, p)
			unread[name] = true
			continue
		}
		one := reflect.New(reflect.StructOf([]reflect.StructField{{Name: f.Name, Type: f.Type, Tag: f.Tag}}))
		if err := envconfig.Process("", one.Interface()); err != nil {
			problems = append(problems, describe(f, raw, err))
			unread[name] = true
			continue
		}
		v.Field(i).Set(one.Elem().Field(0))
	}
	c.tidy()
	// A variable that could not be parsed is left at its zero value, which
	// validate would report again, less helpfully.
	for _, p := range c.validate() {
		if name, _, _ := strings.Cut(p, ":"); !unread[name] {
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		return c, &Error{Problems: problems}
	}
	return c, nil
}

// checkRaw reports what is wrong with a variable's text before it is
// parsed: a required variable that is unset or blank (envconfig takes
// "set" for "given", so SLACK_BOT_TOKEN= slipped through and failed later,
// after the database was created), or a value wrapped in quotes, which
// Docker's --env-file and Compose's env_file keep as part of the value.
func checkRaw(f reflect.StructField, raw string, set bool) string {
	name := f.Tag.Get("envconfig")
	if f.Tag.Get("required") == "true" && strings.TrimSpace(raw) == "" {
		if set {
			return name + ": required, but set to an empty value"
		}
		return name + ": required, not set"
	}
	if t := strings.TrimSpace(raw); len(t) >= 2 && (t[0] == '"' || t[0] == '\'') && t[len(t)-1] == t[0] {
		return fmt.Sprintf("%s: the value is wrapped in quotes; remove them (Docker and Compose env files keep quotes as part of the value)", name)
	}
	return ""
}

// tidy trims the spaces people put around values and after the commas of
// lists ("U1, U2"), and drops empty list items ("U1,U2,"). Tokens and IDs
// never contain spaces, so this only removes what was never meant.
func (c *Config) tidy() {
	trim := func(s *string) { *s = strings.TrimSpace(*s) }
	trimSecret := func(s *secret.String) { *s = secret.String(strings.TrimSpace(s.Reveal())) }
	trimSecret(&c.SlackAppToken)
	trimSecret(&c.SlackBotToken)
	trimSecret(&c.CloudflareAPIToken)
	trimSecret(&c.DatabaseURL)
	for _, s := range []*string{&c.SlackAPIURL, &c.CloudflareAccountID, &c.RealtimeKitAppID,
		&c.CloudflareBaseURL, &c.AuditChannel, &c.HTTPAddr, &c.LogLevel, &c.LogFormat} {
		trim(s)
	}
	c.Moderators = tidyList(c.Moderators)
	c.ModeratorGroups = tidyList(c.ModeratorGroups)
}

func tidyList(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// describe turns an envconfig error into a line naming the variable and
// what it should look like, in words rather than Go types. It quotes the
// value only when it is short and not token-shaped: a long value in the
// wrong variable could be a misplaced token.
func describe(f reflect.StructField, raw string, err error) string {
	name := f.Tag.Get("envconfig")
	var perr *envconfig.ParseError
	if !errors.As(err, &perr) {
		return fmt.Sprintf("%s: invalid value", name)
	}
	shown := "the value"
	if t := strings.TrimSpace(raw); len(t) <= 20 && !strings.HasPrefix(t, "xox") && !strings.HasPrefix(t, "xapp") {
		shown = strconv.Quote(t)
	}
	return fmt.Sprintf("%s: %s is not %s", name, shown, kindName(f.Type))
}

// kindName says in words what a field's text must be.
func kindName(t reflect.Type) string {
	switch {
	case t == reflect.TypeOf(time.Duration(0)):
		return "a duration; give a number with a unit, e.g. 20s, 10m or 2160h"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() == reflect.Int:
		return "a whole number"
	case t.Kind() == reflect.Float64:
		return "a number, e.g. 3.5"
	}
	return "a valid value"
}

var (
	userIDPattern    = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
	groupIDPattern   = regexp.MustCompile(`^S[A-Z0-9]{2,}$`)
	channelIDPattern = regexp.MustCompile(`^[CGD][A-Z0-9]{2,}$`)
)

func (c Config) validate() []string {
	var p []string
	if c.SlackAppToken != "" && !strings.HasPrefix(c.SlackAppToken.Reveal(), "xapp-") {
		p = append(p, "SLACK_APP_TOKEN: must be an app-level token (xapp-…) with the connections:write scope")
	}
	if c.SlackBotToken != "" && !strings.HasPrefix(c.SlackBotToken.Reveal(), "xoxb-") {
		p = append(p, "SLACK_BOT_TOKEN: must be a bot token (xoxb-…)")
	}
	p = append(p, checkURL("SLACK_API_URL", c.SlackAPIURL)...)
	p = append(p, checkURL("CLOUDFLARE_BASE_URL", c.CloudflareBaseURL)...)
	for _, id := range c.Moderators {
		if !userIDPattern.MatchString(id) {
			p = append(p, fmt.Sprintf("BOT_MODERATORS: %q is not a Slack user ID (U… or W…)", id))
		}
	}
	for _, id := range c.ModeratorGroups {
		if !groupIDPattern.MatchString(id) {
			p = append(p, fmt.Sprintf("BOT_MODERATOR_GROUPS: %q is not a Slack user group ID (S…)", id))
		}
	}
	if c.AuditChannel != "" && !channelIDPattern.MatchString(c.AuditChannel) {
		p = append(p, fmt.Sprintf("BOT_AUDIT_CHANNEL: %q is not a Slack channel ID (C… or G…); use the ID, not the name", c.AuditChannel))
	}
	if c.RealtimeKitRateLimit <= 0 {
		p = append(p, "REALTIMEKIT_RATE_LIMIT: must be a positive number of requests per second")
	}
	if c.RealtimeKitBurst < 1 {
		p = append(p, "REALTIMEKIT_RATE_BURST: must be at least 1")
	}
	if c.MaxConcurrentCommands < 1 {
		p = append(p, "BOT_MAX_CONCURRENT_COMMANDS: must be at least 1")
	}
	if c.ShutdownTimeout <= 0 {
		p = append(p, "BOT_SHUTDOWN_TIMEOUT: must be positive")
	}
	if c.ConfirmTTL < 10*time.Second {
		p = append(p, "BOT_CONFIRM_TTL: must be at least 10s")
	}
	p = append(p, checkDatabaseURL(c.DatabaseURL.Reveal())...)
	if c.AuditRetention < time.Hour {
		p = append(p, "BOT_AUDIT_RETENTION: must be at least 1h (e.g. 2160h for 90 days)")
	}
	if _, err := ParseLevel(c.LogLevel); err != nil {
		p = append(p, "LOG_LEVEL: "+err.Error())
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		p = append(p, fmt.Sprintf("LOG_FORMAT: %q is not json or text", c.LogFormat))
	}
	return p
}

func checkURL(name, raw string) []string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return []string{fmt.Sprintf("%s: %q is not an http(s) URL", name, raw)}
	}
	return nil
}

// checkDatabaseURL checks DATABASE_URL's form without ever quoting it (or
// url.Parse's errors, which do): it may carry a password. The store checks
// the rest when it connects.
func checkDatabaseURL(raw string) []string {
	if raw == "" {
		return nil
	}
	const notShown = " (the value is not shown: it may hold a password)"
	scheme, rest, _ := strings.Cut(raw, ":")
	switch strings.ToLower(scheme) {
	case "sqlite":
		path := strings.TrimPrefix(rest, "//")
		switch {
		case path == "":
			return []string{"DATABASE_URL: a sqlite: URL needs a file path, e.g. sqlite:///var/lib/rtkbot/rtkbot.db"}
		case path == ":memory:":
			return []string{"DATABASE_URL: in-memory SQLite would lose everything on restart; give a file path"}
		case strings.ContainsAny(path, "?#"):
			return []string{"DATABASE_URL: a sqlite: URL takes no parameters; rtkbot sets the SQLite options itself"}
		}
	case "postgres", "postgresql":
		if !strings.HasPrefix(rest, "//") {
			return []string{"DATABASE_URL: a Postgres URL starts with postgres://, e.g. postgres://rtkbot:password@db.internal:5432/rtkbot" + notShown}
		}
		if _, err := url.Parse(raw); err != nil {
			return []string{"DATABASE_URL: not a valid postgres:// URL; percent-encode special characters in the password" + notShown}
		}
	default:
		return []string{"DATABASE_URL: must start with sqlite: (a file, for one process) or postgres:// (shared by several replicas)" + notShown}
	}
	return nil
}

// ParseLevel maps LOG_LEVEL to a slog level.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("%q is not one of debug, info, warn, error", s)
	}
	return l, nil
}
