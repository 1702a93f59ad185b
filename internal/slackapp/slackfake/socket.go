package slackfake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// writeTimeout bounds one socket write, so a client that stopped reading
// costs its connection, not the fake's progress.
const writeTimeout = 10 * time.Second

// upgrader accepts any Origin: slack-go sends "https://api.slack.com" and
// Slack does not check it either.
var upgrader = websocket.Upgrader{
	CheckOrigin: func(*http.Request) bool { return true },
}

// conn is one open Socket Mode connection. Only its writer goroutine
// writes data frames; everything else enqueues.
type conn struct {
	id   int
	host string // debug_info.host
	ws   *websocket.Conn

	mu    sync.Mutex
	queue []frame

	wake chan struct{} // cap 1: the queue has frames
	done chan struct{} // closed by endConn
	once sync.Once

	// Guarded by Server.mu.
	draining bool        // sent a disconnect: gets no more envelopes
	grace    *time.Timer // closes a draining connection
}

// frame is one text message to write; env is set for envelopes.
type frame struct {
	data    []byte
	env     *envelope
	attempt int
}

func (c *conn) enqueue(f frame) {
	c.mu.Lock()
	c.queue = append(c.queue, f)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *conn) take() []frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queue
	c.queue = nil
	return q
}

// openConnection answers apps.connections.open with a single-use URL.
func (s *Server) openConnection(w http.ResponseWriter, token string) {
	switch token {
	case s.cfg.AppToken:
	case "":
		writeError(w, "not_authed")
		return
	case s.cfg.BotToken:
		writeError(w, "not_allowed_token_type")
		return
	default:
		writeError(w, "invalid_auth")
		return
	}
	ticket := randomHex(16)
	s.mu.Lock()
	s.tickets[ticket] = true
	s.mu.Unlock()
	u := fmt.Sprintf("ws%s/link/?%s", s.http.URL[len("http"):],
		url.Values{"ticket": {ticket}, "app_id": {s.cfg.AppID}}.Encode())
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "url": u})
}

// handleLink upgrades a Socket Mode connection, says hello and serves it.
func (s *Server) handleLink(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	valid := s.tickets[ticket] && !s.closed
	delete(s.tickets, ticket) // single use, even if the upgrade fails
	s.mu.Unlock()
	if !valid {
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.log.Warn("slackfake: websocket upgrade failed", "err", err)
		return
	}
	c := &conn{ws: ws, wake: make(chan struct{}, 1), done: make(chan struct{})}
	ws.SetPingHandler(func(data string) error {
		s.mu.Lock()
		s.pingsIn++
		s.notifyLocked()
		s.mu.Unlock()
		// As gorilla's default handler: a failed pong surfaces on the
		// next read or write.
		_ = ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(writeTimeout))
		return nil
	})
	ws.SetPongHandler(func(string) error {
		s.mu.Lock()
		s.pongs++
		s.notifyLocked()
		s.mu.Unlock()
		return nil
	})

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.nextConn++
	c.id = s.nextConn
	c.host = fmt.Sprintf("applink-fake-%d", c.id)
	s.opened++
	s.conns = append(s.conns, c)
	hello, _ := json.Marshal(helloMessage{
		Type:           "hello",
		NumConnections: len(s.conns),
		DebugInfo: debugInfo{
			Host:                      c.host,
			BuildNumber:               1,
			ApproximateConnectionTime: 18060,
		},
		ConnectionInfo: connectionInfo{AppID: s.cfg.AppID},
	})
	c.enqueue(frame{data: hello}) // before any envelope
	s.flushPendingLocked()
	s.wg.Add(2) // the writer and this reader
	s.notifyLocked()
	s.mu.Unlock()
	s.log.Debug("slackfake: socket connected", "conn", c.id)

	go s.writeLoop(c)
	s.readLoop(c)
}

// readLoop records acks until the connection fails.
func (s *Server) readLoop(c *conn) {
	defer s.wg.Done()
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			s.log.Debug("slackfake: socket closed", "conn", c.id, "err", err)
			s.endConn(c)
			return
		}
		var msg struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(data, &msg); err != nil || msg.EnvelopeID == "" {
			s.log.Warn("slackfake: ignoring a socket message that is not an ack",
				"conn", c.id, "bytes", len(data))
			continue
		}
		s.recordAck(msg.EnvelopeID, msg.Payload, time.Now())
	}
}

// writeLoop writes c's frames and pings. Frames it could not write go
// back to be delivered elsewhere: Slack never saw them leave.
func (s *Server) writeLoop(c *conn) {
	defer s.wg.Done()
	var ping <-chan time.Time
	if s.cfg.PingInterval > 0 {
		t := time.NewTicker(s.cfg.PingInterval)
		defer t.Stop()
		ping = t.C
	}
	pings := 0
	for {
		select {
		case <-c.done:
			s.requeue(c.take())
			return
		case <-ping:
			pings++
			payload := fmt.Appendf(nil, "ping-%d", pings)
			if err := c.ws.WriteControl(websocket.PingMessage, payload, time.Now().Add(writeTimeout)); err != nil {
				s.endConn(c)
				s.requeue(c.take())
				return
			}
		case <-c.wake:
			frames := c.take()
			for i, f := range frames {
				if f.env != nil {
					s.markSent(f, time.Now())
				}
				_ = c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
				if err := c.ws.WriteMessage(websocket.TextMessage, f.data); err != nil {
					s.log.Debug("slackfake: socket write failed", "conn", c.id, "err", err)
					s.endConn(c)
					s.requeue(append(frames[i:], c.take()...))
					return
				}
			}
		}
	}
}

// endConn closes c abruptly (no close frame) and stops delivering to it.
func (s *Server) endConn(c *conn) {
	c.once.Do(func() {
		s.mu.Lock()
		for i, o := range s.conns {
			if o == c {
				s.conns = append(s.conns[:i], s.conns[i+1:]...)
				break
			}
		}
		if c.grace != nil {
			c.grace.Stop()
		}
		s.notifyLocked()
		s.mu.Unlock()
		close(c.done)
		_ = c.ws.Close()
	})
}

// Disconnect sends {"type":"disconnect","reason":reason} to every open
// connection ("warning", "refresh_requested" or "link_disabled"). Those
// connections get no more envelopes; the fake closes any the client has
// not closed within Config.DisconnectGrace.
func (s *Server) Disconnect(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		if c.draining {
			continue
		}
		c.draining = true
		msg, _ := json.Marshal(disconnectMessage{
			Type: "disconnect", Reason: reason, DebugInfo: debugInfo{Host: c.host},
		})
		c.enqueue(frame{data: msg})
		c.grace = time.AfterFunc(s.cfg.DisconnectGrace, func() {
			_ = c.ws.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseNormalClosure, reason),
				time.Now().Add(time.Second))
			s.endConn(c)
		})
	}
	s.notifyLocked()
}

// DropConnections closes every connection abruptly, without a close
// frame, as a network failure would.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := append([]*conn(nil), s.conns...)
	s.mu.Unlock()
	for _, c := range conns {
		s.endConn(c)
	}
}

// OpenConnections is how many sockets are open and taking envelopes
// (not sent a disconnect).
func (s *Server) OpenConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.liveLocked()
}

func (s *Server) liveLocked() int {
	n := 0
	for _, c := range s.conns {
		if !c.draining {
			n++
		}
	}
	return n
}

// WaitConnections waits until at least n sockets are open and taking
// envelopes.
func (s *Server) WaitConnections(ctx context.Context, n int) error {
	return s.waitFor(ctx, fmt.Sprintf("%d open connections", n), func() bool {
		return s.liveLocked() >= n
	})
}

// ConnectionsOpened is how many sockets have connected since the start.
func (s *Server) ConnectionsOpened() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opened
}

// WaitConnectionsOpened waits until n sockets have connected in total.
func (s *Server) WaitConnectionsOpened(ctx context.Context, n int) error {
	return s.waitFor(ctx, fmt.Sprintf("%d connections opened", n), func() bool {
		return s.opened >= n
	})
}

// Pongs is how many pongs clients have sent back to the fake's pings.
func (s *Server) Pongs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pongs
}

// WaitPongs waits until clients have answered n pings in total.
func (s *Server) WaitPongs(ctx context.Context, n int) error {
	return s.waitFor(ctx, fmt.Sprintf("%d pongs", n), func() bool { return s.pongs >= n })
}

// ClientPings is how many pings clients have sent (each answered with a
// pong), as @slack/socket-mode does.
func (s *Server) ClientPings() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pingsIn
}

// WaitClientPings waits until clients have sent n pings in total.
func (s *Server) WaitClientPings(ctx context.Context, n int) error {
	return s.waitFor(ctx, fmt.Sprintf("%d client pings", n), func() bool { return s.pingsIn >= n })
}
