//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// lockFile takes an exclusive flock on path (created if missing) and holds
// it until the returned file is closed, or the process dies, however it
// dies: the kernel drops the lock, so a kill -9 leaves nothing to clean up.
//
// flock locks belong to the open file description, not the process, so a
// second lockFile on the same path fails even from the same process. The
// lock is advisory and local: it stops a second rtkbot, not a sqlite3 shell,
// and it does not hold across machines on a network filesystem (neither
// does SQLite's own locking).
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := lockHolder(f)
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("lock %s (held by %s): %w", path, holder, ErrLocked)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// The holder's PID, for the next one's error message. Best effort: the
	// lock, not this text, is what excludes.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// unlockFile releases the lock taken by lockFile, at once, and closes f.
//
// Closing f alone does not release it: an flock belongs to the open file
// description, and a child process being started at that moment (by any
// goroutine: os/exec, a test's helper) holds a copy of every descriptor
// from its fork until its exec closes the close-on-exec ones. Go does not
// hold syscall.ForkLock that long (it lets go once the fork returns, and
// with vfork the kernel resumes the parent before the exec has closed the
// child's copies), so a lock released only by close could stay held for
// a moment, or as long as a child that never execs lives: the next Open,
// even in this process, failed with "held by pid <our own pid>". LOCK_UN
// releases the lock on the description itself, whoever else holds it.
func unlockFile(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func lockHolder(f *os.File) string {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	if pid := strings.TrimSpace(string(b[:n])); pid != "" {
		return "pid " + pid
	}
	return "another process"
}
