package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// dockerIgnore is .dockerignore's patterns, read as Docker reads them for
// the forms the file uses: paths relative to the context root (a leading
// "/" is dropped), filepath.Match globs, "**/" matching any number of
// leading directories, and a pattern matching a directory excluding all
// below it. Exceptions ("!") are not supported; the test refuses them.
type dockerIgnore []string

func readDockerIgnore(t *testing.T) dockerIgnore {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var d dockerIgnore
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "!"):
			t.Fatalf(".dockerignore: exception %q: this test's matcher does not support them", line)
		}
		d = append(d, filepath.Clean(strings.TrimPrefix(line, "/")))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return d
}

// excludes reports whether path (slash-separated, relative to the context)
// is left out of the build context.
func (d dockerIgnore) excludes(path string) bool {
	parts := strings.Split(path, "/")
	for _, p := range d {
		for end := 1; end <= len(parts); end++ { // path or one of its parent directories
			if globMatch(p, parts[:end]) {
				return true
			}
		}
	}
	return false
}

func globMatch(pattern string, parts []string) bool {
	if rest, ok := strings.CutPrefix(pattern, "**/"); ok {
		for i := range parts {
			if globMatch(rest, parts[i:]) {
				return true
			}
		}
		return false
	}
	ok, _ := filepath.Match(pattern, strings.Join(parts, "/"))
	return ok
}

// The Docker build context leaves out secrets, state and build outputs,
// and keeps every file `go build ./cmd/bot` needs.
func TestDockerIgnore(t *testing.T) {
	d := readDockerIgnore(t)
	for _, p := range []string{
		".git/HEAD", ".git", "data/rtkbot.db", "data/rtkbot-inbox.db", "rtkbot.env", "prod.env", ".env",
		"loadgen", "bot", "rtkfake", ".cache/prism/bin/prism", "bench/bolt/node_modules/x/index.js",
		"internal/app/app.test", "cover.out", "dist/rtkbot",
	} {
		if !d.excludes(p) {
			t.Errorf("%s is sent to the Docker build context", p)
		}
	}

	// Every source and embedded file of the module's packages in the
	// binary, and the module files.
	need := []string{"go.mod", "go.sum"}
	out, err := exec.Command("go", "list", "-deps",
		"-f", `{{if .Module}}{{if .Module.Main}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}} {{end}}{{range .EmbedFiles}}{{$d}}/{{.}} {{end}}{{end}}{{end}}`,
		".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range strings.Fields(string(out)) {
		rel, err := filepath.Rel(root, f)
		if err != nil {
			t.Fatal(err)
		}
		need = append(need, filepath.ToSlash(rel))
	}
	if len(need) < 10 {
		t.Fatalf("go list found only %v", need)
	}
	for _, p := range need {
		if d.excludes(p) {
			t.Errorf("%s is needed by the build but left out of the Docker build context", p)
		}
	}
}
