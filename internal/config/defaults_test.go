package config

import (
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/realtime"
	"github.com/rtkbot/rtkbot/internal/slackapp"
)

// packageDefaults are the defaults the packages apply to a zero Config
// field, keyed by the variable that sets that field. The variables' own
// defaults (the default:"..." tags, which the README documents) must be the
// same values: otherwise the bot would run with one number and the packages'
// docs and tests would describe another. Config does not import the
// packages, so the tags stay literal and this test keeps them honest.
var packageDefaults = map[string]any{
	"SLACK_API_URL":               slackapp.DefaultAPIURL,
	"CLOUDFLARE_BASE_URL":         realtime.DefaultBaseURL,
	"REALTIMEKIT_RATE_LIMIT":      float64(realtime.DefaultRateLimit),
	"REALTIMEKIT_RATE_BURST":      realtime.DefaultBurst,
	"BOT_MAX_CONCURRENT_COMMANDS": slackapp.DefaultMaxConcurrent,
	"BOT_SHUTDOWN_TIMEOUT":        slackapp.DefaultShutdownTimeout,
	"BOT_CONFIRM_TTL":             commands.DefaultConfirmTTL,
}

// TestDefaultTagsMatchPackageDefaults reads every default:"..." tag of
// Config and compares it with the constant of the package the value is
// for.
func TestDefaultTagsMatchPackageDefaults(t *testing.T) {
	seen := make(map[string]bool)
	typ := reflect.TypeOf(Config{})
	for i := range typ.NumField() {
		f := typ.Field(i)
		name := f.Tag.Get("envconfig")
		want, ok := packageDefaults[name]
		if !ok {
			continue
		}
		seen[name] = true
		tag, ok := f.Tag.Lookup("default")
		if !ok {
			t.Errorf("%s: no default tag; want %v", name, want)
			continue
		}
		got, err := parseDefault(f.Type, tag)
		if err != nil {
			t.Errorf("%s: default %q: %v", name, tag, err)
			continue
		}
		if got != want {
			t.Errorf("%s: default tag %q is %v (%T); the package default is %v (%T)", name, tag, got, got, want, want)
		}
	}
	for name := range packageDefaults {
		if !seen[name] {
			t.Errorf("%s: no Config field has this variable", name)
		}
	}
}

// parseDefault reads a default tag as the field's type, in the form the
// package constants have.
func parseDefault(typ reflect.Type, s string) (any, error) {
	switch {
	case typ == reflect.TypeOf(time.Duration(0)):
		return time.ParseDuration(s)
	case typ.Kind() == reflect.String:
		return s, nil
	case typ.Kind() == reflect.Int:
		return strconv.Atoi(s)
	case typ.Kind() == reflect.Float64:
		return strconv.ParseFloat(s, 64)
	}
	return nil, &reflect.ValueError{Method: "parseDefault", Kind: typ.Kind()}
}
