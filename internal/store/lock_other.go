//go:build !unix

package store

import (
	"errors"
	"os"
)

// lockFile cannot keep a second process off the SQLite file here, and
// running two would break exactly-once execution, so it refuses.
func lockFile(string) (*os.File, error) {
	return nil, errors.New("SQLite storage needs a Unix system (for its file lock); set DATABASE_URL=postgres://…")
}

func unlockFile(f *os.File) error { return f.Close() }
