// Package testutil holds small helpers shared by the tests of several
// packages. It is imported only from _test.go files.
package testutil

import (
	"bytes"
	"sync"
)

// maxBuffer bounds what a Buffer keeps: the start of a log has what explains
// a failure, and a runaway writer must not eat the test's memory.
const maxBuffer = 1 << 20

// Buffer is a bytes.Buffer safe for concurrent writers: a slog handler
// written from many goroutines, or a child process's output. It keeps the
// first MiB and drops the rest.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p, or drops it once the buffer holds a MiB.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > maxBuffer {
		return len(p), nil
	}
	return s.b.Write(p)
}

// String returns everything kept so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
