package rtkfake

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// specPath is the RealtimeKit OpenAPI document kept in the repository
// (testdata/specs at its root; see the README there for its source).
var specPath = filepath.Join("..", "..", "..", "testdata", "specs", "realtimekit-openapi.yaml")

// compileSpec loads the OpenAPI 3.0 document as a JSON Schema resource.
// OpenAPI 3.0's "nullable: true" is not JSON Schema, so it becomes a
// "null" in the type list.
//
// One deliberate deviation is patched in: ParticipantsList.left_at is typed
// string, but a peer still in the session has no time to give, and the
// fake (like the API the client is written for) sends null.
func compileSpec(t *testing.T) *jsonschema.Compiler {
	t.Helper()
	raw, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatalf("read the RealtimeKit spec: %v", err)
	}
	var doc any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("spec is not YAML: %v", err)
	}
	openAPINullable(doc)
	leftAt := doc.(map[string]any)["components"].(map[string]any)["schemas"].(map[string]any)["ParticipantsList"].(map[string]any)["properties"].(map[string]any)["left_at"].(map[string]any)
	leftAt["type"] = []any{"string", "null"}

	// Round-trip through JSON so numbers are what the validator expects.
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	jdoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("spec.json", jdoc); err != nil {
		t.Fatal(err)
	}
	return c
}

func openAPINullable(v any) {
	switch v := v.(type) {
	case map[string]any:
		if n, _ := v["nullable"].(bool); n {
			if typ, ok := v["type"].(string); ok {
				v["type"] = []any{typ, "null"}
			}
		}
		for _, c := range v {
			openAPINullable(c)
		}
	case []any:
		for _, c := range v {
			openAPINullable(c)
		}
	}
}

// responseSchema is a path into the spec for a response body schema.
func responseSchema(name string) string {
	return "spec.json#/components/responses/" + name + "/content/application~1json/schema"
}

const (
	schemaCFFailure    = "spec.json#/components/schemas/cf_api-response-common-failure"
	schemaGenericError = "spec.json#/components/schemas/GenericErrorResponse"
)

// Every answer the fake gives, success or error, fits the schema the spec
// gives for it.
func TestResponsesMatchSpec(t *testing.T) {
	t.Parallel()
	c := compileSpec(t)
	meeting := "meetings/" + liveMeeting
	tests := []struct {
		name       string
		setup      func(s *Server)
		method     string
		path       string
		body       string
		auth       string // default: the good token
		wantStatus int
		schema     string
	}{
		{name: "meeting", method: "GET", path: meeting, wantStatus: 200, schema: responseSchema("GetMeeting")},
		{name: "meeting not found", method: "GET", path: "meetings/" + unknownID, wantStatus: 404, schema: responseSchema("GenericError")},
		{name: "meeting participants", method: "GET", path: meeting + "/participants?per_page=2", wantStatus: 200, schema: responseSchema("GetAllParticipants")},
		{name: "active session", method: "GET", path: meeting + "/active-session", wantStatus: 200, schema: responseSchema("GetActiveSession")},
		{name: "no active session", method: "GET", path: "meetings/" + emptyMeeting + "/active-session", wantStatus: 404, schema: responseSchema("GetActiveSessionNotFound")},
		{name: "session participants", method: "GET", path: "sessions/" + liveSession + "/participants", wantStatus: 200, schema: responseSchema("GetSessionParticipants")},
		{name: "kick", method: "POST", path: meeting + "/active-session/kick", body: `{"participant_ids": ["u-ann"], "custom_participant_ids": ["bob@example.com"]}`, wantStatus: 200, schema: responseSchema("KickParticipants")},
		{name: "kick unknown", method: "POST", path: meeting + "/active-session/kick", body: `{"participant_ids": ["u-x"]}`, wantStatus: 404, schema: responseSchema("ParticipantNotFound")},
		{name: "mute", method: "POST", path: meeting + "/active-session/mute", body: `{"participant_ids": ["u-cat"], "custom_participant_ids": []}`, wantStatus: 200, schema: responseSchema("MuteParticipants")},
		{name: "mute-all", method: "POST", path: meeting + "/active-session/mute-all", body: `{"allow_unmute": true}`, wantStatus: 200, schema: responseSchema("MuteAllParticipants")},
		{name: "kick-all", method: "POST", path: meeting + "/active-session/kick-all", wantStatus: 200, schema: responseSchema("KickAllParticipants")},
		{name: "poll", method: "POST", path: meeting + "/active-session/poll", body: `{"question": "Q?", "options": ["a", "b"], "anonymous": true, "hide_votes": true}`, wantStatus: 201, schema: responseSchema("CreatePoll")},
		{name: "poll without question", method: "POST", path: meeting + "/active-session/poll", body: `{"options": ["a"]}`, wantStatus: 400, schema: schemaGenericError},
		{name: "bad token", method: "GET", path: meeting, auth: "Bearer nope", wantStatus: 401, schema: responseSchema("CloudflareAuthError")},
		{
			name: "rate limited", method: "GET", path: meeting, wantStatus: 429, schema: schemaCFFailure,
			setup: func(s *Server) { s.SetFault(RouteMeeting, Fault{Status: 429, RetryAfter: time.Second}) },
		},
		{
			name: "upstream failure", method: "GET", path: meeting, wantStatus: 503, schema: schemaGenericError,
			setup: func(s *Server) { s.SetFault(RouteMeeting, Fault{Status: 503}) },
		},
		{name: "unknown route", method: "GET", path: meeting + "/nope", wantStatus: 404, schema: schemaCFFailure},
	}
	// The compiler is not safe for concurrent use; compile up front.
	schemas := make(map[string]*jsonschema.Schema)
	for _, tt := range tests {
		if schemas[tt.schema] == nil {
			sch, err := c.Compile(tt.schema)
			if err != nil {
				t.Fatalf("compile %s: %v", tt.schema, err)
			}
			schemas[tt.schema] = sch
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sch := schemas[tt.schema]
			s, _ := newFixture(t)
			if tt.setup != nil {
				tt.setup(s)
			}
			auth := tt.auth
			if auth == "" {
				auth = "Bearer " + testToken
			}
			r := doWith(t, s, tt.method, apiPath(tt.path), tt.body, auth)
			if r.status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", r.status, tt.wantStatus, r.body)
			}
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.body))
			if err != nil {
				t.Fatalf("body is not JSON: %v", err)
			}
			if err := sch.Validate(v); err != nil {
				t.Errorf("body violates %s:\n%v\nbody: %s", strings.TrimPrefix(tt.schema, "spec.json#"), err, r.body)
			}
		})
	}
}

// The schema check must be able to fail: a body missing required fields
// and one with a wrong type are rejected.
func TestSpecSchemasReject(t *testing.T) {
	t.Parallel()
	c := compileSpec(t)
	for _, tt := range []struct{ schema, body string }{
		{responseSchema("GetActiveSession"), `{"success": true, "data": {"id": "s"}}`},
		{responseSchema("CreatePoll"), `{"success": true, "data": {"poll": {"id": "p", "question": "q", "options": [{"text": "a", "count": "0", "votes": []}]}}}`},
		{schemaCFFailure, `{"success": false, "error": {"code": 401, "message": "no"}}`},
	} {
		sch, err := c.Compile(tt.schema)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := jsonschema.UnmarshalJSON(strings.NewReader(tt.body))
		if sch.Validate(v) == nil {
			t.Errorf("%s accepted %s", tt.schema, tt.body)
		}
	}
}
