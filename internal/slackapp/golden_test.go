package slackapp

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
)

// goldenMsg is what goes over the wire to a response_url: the fields Slack
// reads, without the empty metadata a bare slack.Msg would also carry.
type goldenMsg struct {
	ResponseType    string       `json:"response_type"`
	ReplaceOriginal bool         `json:"replace_original"`
	DeleteOriginal  bool         `json:"delete_original,omitempty"`
	Text            string       `json:"text"`
	Blocks          slack.Blocks `json:"blocks"`
}

func wireForm(m slack.Msg) goldenMsg {
	return goldenMsg{ResponseType: m.ResponseType, ReplaceOriginal: m.ReplaceOriginal, DeleteOriginal: m.DeleteOriginal,
		Text: m.Text, Blocks: m.Blocks}
}

// marshalReadable marshals v for people to read: indented, in slack-go's
// field order, and with the HTML escapes that encoding/json adds (slack-go
// marshals blocks with json.Marshal) turned back into the characters, so
// that golden files show "&lt;" as Slack receives it rather than
// "\u0026lt;". The result is the same JSON value.
func marshalReadable(t testing.TB, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		t.Fatalf("indent: %v", err)
	}
	buf.WriteByte('\n')
	return unescapeHTML(buf.Bytes())
}

// unescapeHTML replaces \u003c, \u003e and \u0026 in JSON text with <, >
// and &, skipping escaped backslashes so that a literal "\\u0026" in a
// string stays as it is.
func unescapeHTML(js []byte) []byte {
	out := make([]byte, 0, len(js))
	for i := 0; i < len(js); i++ {
		if js[i] != '\\' || i+1 >= len(js) {
			out = append(out, js[i])
			continue
		}
		if js[i+1] == 'u' && i+6 <= len(js) {
			switch string(js[i+2 : i+6]) {
			case "003c":
				out, i = append(out, '<'), i+5
				continue
			case "003e":
				out, i = append(out, '>'), i+5
				continue
			case "0026":
				out, i = append(out, '&'), i+5
				continue
			}
		}
		out, i = append(out, js[i], js[i+1]), i+1
	}
	return out
}

// checkGolden compares got, marshalled, with testdata/golden/<TestName>.json,
// or rewrites that file when UPDATE_GOLDEN is set.
func checkGolden(t *testing.T, got any) {
	t.Helper()
	data := marshalReadable(t, got)
	path := filepath.Join("testdata", "golden", filepath.FromSlash(t.Name())+".json")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file: %v (run UPDATE_GOLDEN=1 go test ./internal/slackapp/ to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(data)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s\nRun UPDATE_GOLDEN=1 go test ./internal/slackapp/ if the change is intended, and review the diff.", path, diff)
	}
}

// TestMarshalReadableKeepsValue guards the golden files' readability helper:
// undoing the HTML escapes must not change the JSON value.
func TestMarshalReadableKeepsValue(t *testing.T) {
	t.Parallel()
	in := map[string]any{"s": `<!channel> &amp; \u0026 \\u003c \ "q" ` + "\u2028", "n": []any{"<>", 1.5}}
	var got, want any
	if err := json.Unmarshal(marshalReadable(t, in), &got); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(in)
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("value changed (-want +got):\n%s", diff)
	}
}
