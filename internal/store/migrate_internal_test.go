package store

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMigrationsInStep: both dialects have the same migrations, numbered
// without gaps, so a schema change cannot land in one store only.
func TestMigrationsInStep(t *testing.T) {
	t.Parallel()
	names := func(dialect string) []string {
		ms, err := loadMigrations(dialect)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]string, len(ms))
		for i, m := range ms {
			out[i] = m.name
		}
		return out
	}
	if diff := cmp.Diff(names("sqlite"), names("postgres")); diff != "" {
		t.Errorf("migrations (-sqlite +postgres):\n%s", diff)
	}
}
