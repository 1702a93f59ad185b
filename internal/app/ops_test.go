package app_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// closedByServer reads conn until the server closes it and returns what it
// read. The deadline only stops a broken server from hanging the test: the
// server is expected to close the connection long before it.
func closedByServer(t *testing.T, conn net.Conn) []byte {
	t.Helper()
	if err := conn.SetReadDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("the operations server kept a stalled connection open: %v", err)
	}
	return b
}

// withOpsTimeouts restarts the world's bot with the operations server's
// timeouts shortened, so a test waits for them in milliseconds.
func withOpsTimeouts(w *world, read, idle time.Duration) {
	w.stopApp()
	w.opts.OpsReadTimeout, w.opts.OpsIdleTimeout = read, idle
	w.startApp()
}

// A client that sends a request's headers and then stalls on its body is
// disconnected (ReadTimeout), instead of holding the connection forever.
func TestOpsServerDropsAStalledRequest(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	withOpsTimeouts(w, 200*time.Millisecond, time.Hour)
	conn, err := net.Dial("tcp", w.app.HTTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /healthz HTTP/1.1\r\nHost: ops\r\nContent-Length: 100\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	closedByServer(t, conn)
}

// A kept-alive connection that sends nothing after its request is closed
// (IdleTimeout), even when the read timeout is long.
func TestOpsServerClosesIdleConnections(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	withOpsTimeouts(w, time.Hour, 200*time.Millisecond)
	conn, err := net.Dial("tcp", w.app.HTTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: ops\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, resp); resp.StatusCode != http.StatusOK || resp.Close || got != "ok\n" && got != "ok" {
		t.Fatalf("GET /healthz = %d %q (close %v), want 200 ok on a kept-alive connection", resp.StatusCode, got, resp.Close)
	}
	if err := conn.SetReadDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if rest, err := io.ReadAll(br); err != nil {
		t.Fatalf("the operations server kept an idle connection open: %v", err)
	} else if len(rest) != 0 {
		t.Fatalf("unexpected bytes after the response: %q", rest)
	}
}
