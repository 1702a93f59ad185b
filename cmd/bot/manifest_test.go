package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/rtkbot/rtkbot/internal/slackapp"
)

// The manifest is what an installer pastes into Slack: it must pass Slack's
// own schema and agree with what the code expects (command, Socket Mode,
// interactivity, scopes).
func TestManifestMatchesSlackSchemaAndCode(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "manifest.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("manifest.yml is not YAML: %v", err)
	}

	schemaPath := filepath.Join("..", "..", "testdata", "specs", "slack-app-manifest.schema.1.0.0.json")
	c := jsonschema.NewCompiler()
	// Slack's schema is written for JavaScript: its patterns use lookaheads,
	// which Go's RE2 cannot compile. regexp2 in ECMAScript mode can.
	c.UseRegexpEngine(func(expr string) (jsonschema.Regexp, error) {
		re, err := regexp2.Compile(expr, regexp2.ECMAScript)
		if err != nil {
			return nil, err
		}
		return ecmaRegexp{re}, nil
	})
	schema, err := c.Compile(schemaPath)
	if err != nil {
		t.Fatalf("compile Slack's manifest schema: %v", err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("manifest.yml violates Slack's schema:\n%v", err)
	}

	var m struct {
		Features struct {
			SlashCommands []struct {
				Command      string `yaml:"command"`
				Description  string `yaml:"description"`
				UsageHint    string `yaml:"usage_hint"`
				ShouldEscape bool   `yaml:"should_escape"`
			} `yaml:"slash_commands"`
		} `yaml:"features"`
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Interactivity struct {
				IsEnabled bool `yaml:"is_enabled"`
			} `yaml:"interactivity"`
			SocketMode bool `yaml:"socket_mode_enabled"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Features.SlashCommands) != 1 {
		t.Fatalf("slash commands = %d, want 1", len(m.Features.SlashCommands))
	}
	cmd := m.Features.SlashCommands[0]
	if cmd.Command != slackapp.SlashCommand {
		t.Errorf("command = %q, want %q", cmd.Command, slackapp.SlashCommand)
	}
	if !cmd.ShouldEscape {
		t.Error("should_escape is off: mentions would arrive as plain names the bot cannot resolve")
	}
	if strings.TrimSpace(cmd.Description) == "" || strings.TrimSpace(cmd.UsageHint) == "" {
		t.Error("the slash command needs a description and a usage hint")
	}
	if !m.Settings.SocketMode || !m.Settings.Interactivity.IsEnabled {
		t.Errorf("socket mode = %v, interactivity = %v; both must be on", m.Settings.SocketMode, m.Settings.Interactivity.IsEnabled)
	}
	for _, s := range []string{"commands", "chat:write", "chat:write.public", "users:read", "users:read.email", "usergroups:read"} {
		if !slices.Contains(m.OAuth.Scopes.Bot, s) {
			t.Errorf("bot scope %q missing", s)
		}
	}
}

type ecmaRegexp struct{ re *regexp2.Regexp }

func (r ecmaRegexp) MatchString(s string) bool {
	ok, err := r.re.MatchString(s)
	return err == nil && ok
}

func (r ecmaRegexp) String() string { return r.re.String() }
