package store

import (
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strconv"
	"strings"
)

// migrationFiles holds the schema, one directory per dialect, one file per
// version: NNNN_name.sql. A migration is never edited once released; a
// change is a new file, in both directories.
//
//go:embed migrations
var migrationFiles embed.FS

// migration is one schema version.
type migration struct {
	version int
	name    string // file name, for logs
	sql     string
}

// loadMigrations returns the dialect's migrations in version order. The
// versions must run 1, 2, 3… without gaps, so a file left out of a build is
// caught by the tests rather than skipped in production.
func loadMigrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("read %s migrations: %w", dialect, err)
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s/%s: name must be NNNN_description.sql", dialect, name)
		}
		b, err := fs.ReadFile(migrationFiles, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s/%s: %w", dialect, name, err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("%s migrations: expected version %d, found %s", dialect, i+1, m.name)
		}
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("no %s migrations embedded", dialect)
	}
	return ms, nil
}

// pendingMigrations returns the migrations not yet applied. A database with
// versions this binary does not know was migrated by a newer build; during
// a rolling upgrade an older replica may still run against it (migrations
// only add), so that is logged, not refused.
func pendingMigrations(all []migration, applied map[int]bool, log *slog.Logger) []migration {
	var pending []migration
	for _, m := range all {
		if !applied[m.version] {
			pending = append(pending, m)
		}
	}
	for v := range applied {
		if v > len(all) {
			log.Warn("database schema is newer than this build of rtkbot; running anyway",
				"schema_version", v, "known_version", len(all))
			break
		}
	}
	return pending
}
