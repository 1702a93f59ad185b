//go:build unix

package store

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCloseFreesTheLockHeldByAChild: a child process started while the
// store is open holds a copy of the lock file's descriptor, as every child
// does between its fork and its exec. Closing the store must free the lock
// all the same, so that a restart in this process opens the database at
// once. (TestSQLiteInboxFile failed now and then on "held by pid <its own
// pid>": the store tests start helper processes in parallel.) Here the
// child keeps the copy for as long as the test needs, deterministically.
func TestCloseFreesTheLockHeldByAChild(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dbURL := "sqlite://" + filepath.Join(t.TempDir(), "rtkbot.db")
	s, err := Open(ctx, dbURL, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	child := exec.Command("cat") // holds its descriptors until its stdin closes
	child.ExtraFiles = []*os.File{s.(*sqliteStore).lock}
	stdin, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatalf("start a child holding the lock descriptor: %v", err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = child.Wait()
	})
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	again, err := Open(ctx, dbURL, nil)
	if err != nil {
		t.Fatalf("Open after Close, while a child holds a copy of the old lock descriptor: %v", err)
	}
	if err := again.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}
