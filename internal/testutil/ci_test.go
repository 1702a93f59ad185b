package testutil

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestCIValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    string
		want bool
	}{
		{"", false},
		{"0", false},
		{"false", false},
		{"False", false},
		{"FALSE", false},
		{" false ", false},
		{"   ", false},
		{"true", true},
		{"TRUE", true},
		{"1", true},
		{"yes", true},
		{"github-actions", true},
	}
	for _, tt := range tests {
		if got := ciValue(tt.v); got != tt.want {
			t.Errorf("CI=%q: in CI = %v, want %v", tt.v, got, tt.want)
		}
	}
}

// TestInCIReadsTheEnvironment: InCI is ciValue of $CI, so CI=true and CI=1
// mean the same thing to every test that skips outside CI.
func TestInCIReadsTheEnvironment(t *testing.T) {
	for _, tt := range []struct {
		v    string
		want bool
	}{{"true", true}, {"1", true}, {"0", false}, {"false", false}, {"", false}} {
		t.Setenv("CI", tt.v)
		if got := InCI(); got != tt.want {
			t.Errorf("CI=%q: InCI() = %v, want %v", tt.v, got, tt.want)
		}
	}
}

// TestEveryCICheckUsesInCI: no test reads $CI itself, so that none can
// drift back to a rule of its own (CI == "true" let CI=1 skip them).
func TestEveryCICheckUsesInCI(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	self, err := filepath.Abs("ci.go")
	if err != nil {
		t.Fatal(err)
	}
	reads := regexp.MustCompile(`(Getenv|LookupEnv)\(\s*"CI"\s*\)`)
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || path == self {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if reads.Match(b) {
			rel, _ := filepath.Rel(root, path)
			t.Errorf("%s reads $CI itself; use testutil.InCI", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
