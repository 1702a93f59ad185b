package slackfake

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Envelope types the fake sends.
const (
	TypeSlashCommands = "slash_commands"
	TypeInteractive   = "interactive"
)

// Socket Mode messages from Slack, in Slack's field order.
type (
	helloMessage struct {
		Type           string         `json:"type"`
		NumConnections int            `json:"num_connections"`
		DebugInfo      debugInfo      `json:"debug_info"`
		ConnectionInfo connectionInfo `json:"connection_info"`
	}
	disconnectMessage struct {
		Type      string    `json:"type"`
		Reason    string    `json:"reason"`
		DebugInfo debugInfo `json:"debug_info"`
	}
	debugInfo struct {
		Host                      string `json:"host"`
		BuildNumber               int    `json:"build_number,omitempty"`
		ApproximateConnectionTime int    `json:"approximate_connection_time,omitempty"`
	}
	connectionInfo struct {
		AppID string `json:"app_id"`
	}
	envelopeMessage struct {
		EnvelopeID             string          `json:"envelope_id"`
		Type                   string          `json:"type"`
		AcceptsResponsePayload bool            `json:"accepts_response_payload"`
		RetryAttempt           int             `json:"retry_attempt"`
		RetryReason            string          `json:"retry_reason"`
		Payload                json.RawMessage `json:"payload"`
	}
)

// envelope is one slash command or interaction and its delivery state.
// All fields but the immutable first group are guarded by Server.mu.
type envelope struct {
	id              string
	typ             string
	payload         json.RawMessage
	acceptsResponse bool
	responseID      string // its response_url's ID

	attempt     int
	retryReason string
	retries     int       // automatic redeliveries so far
	queued      bool      // in Server.pending
	sentAt      time.Time // latest write to a socket (real time)
	acked       bool
	timer       *time.Timer // automatic redelivery
}

func (e *envelope) wire() []byte {
	b, _ := json.Marshal(envelopeMessage{
		EnvelopeID:             e.id,
		Type:                   e.typ,
		AcceptsResponsePayload: e.acceptsResponse,
		RetryAttempt:           e.attempt,
		RetryReason:            e.retryReason,
		Payload:                e.payload,
	})
	return b
}

func (e *envelope) stopTimer() {
	if e.timer != nil {
		e.timer.Stop()
		e.timer = nil
	}
}

// deliverLocked hands e to the next open connection, round-robin, or
// queues it until one connects; s.mu must be held.
func (s *Server) deliverLocked(e *envelope) {
	if s.closed {
		return
	}
	for range s.conns {
		s.rr = (s.rr + 1) % len(s.conns)
		if c := s.conns[s.rr]; !c.draining {
			c.enqueue(frame{data: e.wire(), env: e, attempt: e.attempt})
			return
		}
	}
	if !e.queued {
		e.queued = true
		s.pending = append(s.pending, e)
	}
}

// flushPendingLocked delivers queued envelopes; s.mu must be held.
func (s *Server) flushPendingLocked() {
	pending := s.pending
	s.pending = nil
	for _, e := range pending {
		e.queued = false
		s.deliverLocked(e)
	}
}

// requeue redelivers envelope frames a connection failed to write, if
// they are still the envelope's current, unacknowledged delivery.
func (s *Server) requeue(frames []frame) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range frames {
		if f.env != nil && f.attempt == f.env.attempt && !f.env.acked {
			s.deliverLocked(f.env)
		}
	}
}

// markSent records that f is being written now.
func (s *Server) markSent(f frame, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := f.env
	if f.attempt != e.attempt {
		return // a newer delivery superseded this one
	}
	e.sentAt = at
	if s.cfg.RedeliverAfter > 0 && !e.acked && !s.closed {
		e.stopTimer()
		attempt := e.attempt
		e.timer = time.AfterFunc(s.cfg.RedeliverAfter, func() { s.redeliverUnacked(e, attempt) })
	}
}

// redeliverUnacked is Slack's retry of an envelope nobody acked in time.
func (s *Server) redeliverUnacked(e *envelope, attempt int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || e.acked || e.attempt != attempt || e.retries >= s.cfg.MaxRetries {
		return
	}
	e.retries++
	e.attempt++
	e.retryReason = "timeout"
	s.log.Debug("slackfake: redelivering an unacked envelope", "envelope_id", e.id, "retry_attempt", e.attempt)
	s.deliverLocked(e)
	s.notifyLocked()
}

// submit registers e and delivers it.
func (s *Server) submit(e *envelope) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.envelopes[e.id] = e
	s.deliverLocked(e)
	s.notifyLocked()
}

// Redeliver sends an envelope again with retry_attempt one higher and
// retry_reason "timeout", whether or not it was acked, as Slack does
// when an ack is lost. It fails for an envelope the fake never sent.
func (s *Server) Redeliver(envelopeID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.envelopes[envelopeID]
	if !ok {
		return fmt.Errorf("slackfake: redeliver: no envelope %q", envelopeID)
	}
	e.stopTimer()
	e.attempt++
	e.retryReason = "timeout"
	s.deliverLocked(e)
	s.notifyLocked()
	return nil
}

// recordAck records an ack read from a socket. The first ack of a slash
// command carrying a message is shown to the user, like a response.
func (s *Server) recordAck(id string, payload json.RawMessage, at time.Time) {
	if string(payload) == "null" {
		payload = nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := Ack{EnvelopeID: id, Payload: payload, AckedAt: at}
	if e, ok := s.envelopes[id]; ok {
		a.SentAt = e.sentAt
		a.RetryAttempt = e.attempt
		e.stopTimer()
		if !e.acked && e.acceptsResponse && len(payload) > 0 {
			s.ackResponseLocked(e, payload)
		}
		e.acked = true
	} else {
		s.log.Warn("slackfake: ack for an envelope never sent", "envelope_id", id)
	}
	if _, seen := s.firstAck[id]; !seen {
		s.firstAck[id] = len(s.acks)
	}
	s.acks = append(s.acks, a)
	s.notifyLocked()
}

// WaitAck waits for the first ack of an envelope.
func (s *Server) WaitAck(ctx context.Context, envelopeID string) (Ack, error) {
	var a Ack
	err := s.waitFor(ctx, "ack of envelope "+envelopeID, func() bool {
		i, ok := s.firstAck[envelopeID]
		if ok {
			a = s.acks[i]
		}
		return ok
	})
	return a, err
}

// Acks returns every ack received, in order, duplicates included.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ack(nil), s.acks...)
}

// WaitAcks waits until n acks have been received in total and returns
// them all.
func (s *Server) WaitAcks(ctx context.Context, n int) ([]Ack, error) {
	var out []Ack
	err := s.waitFor(ctx, fmt.Sprintf("%d acks", n), func() bool {
		if len(s.acks) < n {
			return false
		}
		out = append([]Ack(nil), s.acks...)
		return true
	})
	return out, err
}

// Unacked returns the IDs of envelopes sent but never acked.
func (s *Server) Unacked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, e := range s.envelopes {
		if !e.acked {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}
