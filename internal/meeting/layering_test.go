package meeting_test

import (
	"bufio"
	"bytes"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/rtkbot/rtkbot"

// TestLayering: dependencies point inward. The vocabulary here imports only
// the standard library; the command core imports no adapter and no wire
// library; the Slack and storage adapters import the core and this package,
// never the RealtimeKit adapter or each other. Only internal/app (and
// tests) see every adapter. The check is on the packages as built (go list
// -deps), so an indirect import through a third package counts too.
func TestLayering(t *testing.T) {
	t.Parallel()
	adapters := []string{module + "/internal/realtime", "github.com/cloudflare/cloudflare-go", module + "/internal/app"}
	tests := []struct {
		pkg       string
		forbidden []string // import paths, each with its subpackages
		stdOnly   bool     // nothing outside the standard library but pkg itself
	}{
		{pkg: "meeting", stdOnly: true},
		{pkg: "commands", forbidden: append([]string{
			"github.com/slack-go/slack", "net/http",
			module + "/internal/slackapp", module + "/internal/store",
		}, adapters...)},
		{pkg: "slackapp", forbidden: append([]string{module + "/internal/store"}, adapters...)},
		{pkg: "store", forbidden: append([]string{"github.com/slack-go/slack", module + "/internal/slackapp"}, adapters...)},
		{pkg: "realtime", forbidden: []string{
			"github.com/slack-go/slack", module + "/internal/commands", module + "/internal/slackapp",
			module + "/internal/store", module + "/internal/app",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			t.Parallel()
			self := module + "/internal/" + tt.pkg
			deps := listDeps(t, self)
			if _, ok := deps[self]; !ok {
				t.Fatalf("go list -deps %s does not list the package itself: %v", self, deps)
			}
			bad := map[string]bool{}
			for dep, d := range deps {
				bad[dep] = tt.stdOnly && !d.standard && dep != self
				for _, f := range tt.forbidden {
					bad[dep] = bad[dep] || dep == f || strings.HasPrefix(dep, f+"/")
				}
			}
			// Report each forbidden package where the graph first reaches
			// it, with the allowed packages that import it: the imports to
			// remove.
			for _, dep := range slices.Sorted(maps.Keys(deps)) {
				if !bad[dep] {
					continue
				}
				var by []string
				for _, p := range importers(deps, dep) {
					if !bad[p] {
						by = append(by, p)
					}
				}
				if len(by) > 0 {
					t.Errorf("%s depends on %s, imported by %s", self, dep, strings.Join(by, ", "))
				}
			}
		})
	}
}

type dep struct {
	standard bool
	imports  []string
}

// listDeps returns every package pkg's build depends on, itself included.
func listDeps(t *testing.T, pkg string) map[string]dep {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", "list", "-deps", "-f", `{{.ImportPath}} {{.Standard}}{{range .Imports}} {{.}}{{end}}`, pkg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, stderr.String())
	}
	deps := map[string]dep{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			t.Fatalf("go list: unexpected line %q", sc.Text())
		}
		deps[f[0]] = dep{standard: f[1] == "true", imports: f[2:]}
	}
	return deps
}

// importers names the packages in deps that import target directly, so a
// failure says which import to remove.
func importers(deps map[string]dep, target string) []string {
	var out []string
	for p, d := range deps {
		for _, i := range d.imports {
			if i == target {
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return out
}
