package config

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// exampleFile is the env file shipped at the repository root.
var exampleFile = filepath.Join("..", "..", "rtkbot.env.example")

// exampleLine is "NAME=value", or "# NAME=value" for a variable left at its
// default.
var exampleLine = regexp.MustCompile(`^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$`)

type exampleVar struct {
	value string
	set   bool // not commented out
}

// readExample parses the example as `docker run --env-file` reads it.
func readExample(t *testing.T) map[string]exampleVar {
	t.Helper()
	f, err := os.Open(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	vars := make(map[string]exampleVar)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		m := exampleLine.FindStringSubmatch(line)
		if m == nil {
			if line != "" && !strings.HasPrefix(line, "#") {
				t.Errorf("%s:%d: %q is neither NAME=value nor a comment", exampleFile, n, line)
			}
			continue
		}
		name, value := m[2], m[3]
		if _, dup := vars[name]; dup {
			t.Errorf("%s:%d: %s appears twice", exampleFile, n, name)
		}
		if strings.ContainsAny(value, `"'`) || value != strings.TrimSpace(value) {
			t.Errorf("%s:%d: %s=%s: Docker keeps quotes and spaces as part of the value", exampleFile, n, name, value)
		}
		vars[name] = exampleVar{value: value, set: m[1] == ""}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return vars
}

// The example env file lists exactly the variables Config reads: the
// required ones set (to placeholders), the others commented out at the
// default the bot really uses. A variable added to Config without it fails
// here.
func TestEnvExampleListsEveryVariable(t *testing.T) {
	vars := readExample(t)
	var read []string
	typ := reflect.TypeOf(Config{})
	for i := range typ.NumField() {
		f := typ.Field(i)
		name := f.Tag.Get("envconfig")
		if name == "" {
			continue
		}
		read = append(read, name)
		v, ok := vars[name]
		switch {
		case !ok:
			t.Errorf("%s is read by the bot but missing from rtkbot.env.example", name)
		case f.Tag.Get("required") == "true" && !v.set:
			t.Errorf("%s is required but commented out in rtkbot.env.example", name)
		case !v.set && v.value != f.Tag.Get("default"):
			t.Errorf("rtkbot.env.example shows %s=%s as the default; the bot's default is %q", name, v.value, f.Tag.Get("default"))
		}
	}
	for name := range vars {
		if !slices.Contains(read, name) {
			t.Errorf("rtkbot.env.example lists %s, which the bot does not read", name)
		}
	}
}

// The example's values, as Docker would pass them, are a configuration the
// bot accepts: a copy works once the placeholders are replaced.
func TestEnvExampleLoads(t *testing.T) {
	env := make(map[string]string)
	for name, v := range readExample(t) {
		if v.set {
			env[name] = v.value
		}
	}
	setEnv(t, env)
	if _, err := Load(); err != nil {
		t.Fatalf("rtkbot.env.example does not load: %v", err)
	}
}
