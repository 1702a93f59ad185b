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

// unlockFile releases the lock taken by lockFile. A child being forked
// holds a copy of every descriptor, and with it the lock, until it execs
// (which closes them, all being close-on-exec); closing under ForkLock,
// which os/exec holds from fork to exec, means no such copy exists, so the
// lock is free the moment this returns and a restart can take it at once.
func unlockFile(f *os.File) error {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	return f.Close()
}

func lockHolder(f *os.File) string {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	if pid := strings.TrimSpace(string(b[:n])); pid != "" {
		return "pid " + pid
	}
	return "another process"
}
