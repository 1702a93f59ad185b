package app

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoSlackWireInApp: the app wires adapters together; building and
// posting Slack messages is slackapp's (one client, one rate-limit
// handling), so no file here imports slack-go.
func TestNoSlackWireInApp(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); strings.HasPrefix(path, "github.com/slack-go/") {
				t.Errorf("%s imports %s; Slack I/O belongs in internal/slackapp", name, path)
			}
		}
	}
}
