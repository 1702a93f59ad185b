package testutil

import (
	"os"
	"strings"
)

// InCI reports whether the tests run in CI, where a test that cannot run
// (no Postgres, no Node, no Prism) must fail rather than skip. CI runners
// set CI to "true" (GitHub Actions, GitLab) or "1" (some others); any
// non-empty value counts except "0" and "false" (any case, spaces
// ignored), which say "not CI". Every test that skips outside CI asks
// this, so that one setting of CI means the same to all of them.
func InCI() bool {
	return ciValue(os.Getenv("CI"))
}

func ciValue(v string) bool {
	v = strings.TrimSpace(v)
	return v != "" && v != "0" && !strings.EqualFold(v, "false")
}
