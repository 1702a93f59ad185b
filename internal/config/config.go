// Package config reads rtkbot's configuration from the environment. The
// variable names are a contract with the people and tooling that deploy the
// bot; see README.md.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"regexp"
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

	Moderators          []string `envconfig:"BOT_MODERATORS"`
	ModeratorGroups     []string `envconfig:"BOT_MODERATOR_GROUPS"`
	AdminsAreModerators bool     `envconfig:"BOT_ADMINS_ARE_MODERATORS" default:"false"`
	AuditChannel        string   `envconfig:"BOT_AUDIT_CHANNEL"`

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
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		one := reflect.New(reflect.StructOf([]reflect.StructField{{Name: f.Name, Type: f.Type, Tag: f.Tag}}))
		if err := envconfig.Process("", one.Interface()); err != nil {
			problems = append(problems, describe(f, err))
			continue
		}
		v.Field(i).Set(one.Elem().Field(0))
	}
	problems = append(problems, c.validate()...)
	if len(problems) > 0 {
		return c, &Error{Problems: problems}
	}
	return c, nil
}

// describe turns an envconfig error into a line naming the variable, without
// echoing the value (it could be a misplaced token).
func describe(f reflect.StructField, err error) string {
	name := f.Tag.Get("envconfig")
	var perr *envconfig.ParseError
	if errors.As(err, &perr) {
		return fmt.Sprintf("%s: cannot parse as %s", name, typeName(f.Type))
	}
	if strings.Contains(err.Error(), "required key") {
		return fmt.Sprintf("%s: required, not set", name)
	}
	return fmt.Sprintf("%s: %s", name, "invalid value")
}

func typeName(t reflect.Type) string {
	switch {
	case t == reflect.TypeOf(time.Duration(0)):
		return "a duration (e.g. 20s, 10m)"
	case t.Kind() == reflect.Bool:
		return "a boolean (true or false)"
	case t.Kind() == reflect.Int:
		return "a whole number"
	}
	return t.String()
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
	if c.MaxConcurrentCommands < 1 {
		p = append(p, "BOT_MAX_CONCURRENT_COMMANDS: must be at least 1")
	}
	if c.ShutdownTimeout <= 0 {
		p = append(p, "BOT_SHUTDOWN_TIMEOUT: must be positive")
	}
	if c.ConfirmTTL < 10*time.Second {
		p = append(p, "BOT_CONFIRM_TTL: must be at least 10s")
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

// ParseLevel maps LOG_LEVEL to a slog level.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("%q is not one of debug, info, warn, error", s)
	}
	return l, nil
}
