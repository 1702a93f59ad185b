package rtkfake

import (
	"fmt"
	"slices"
	"time"
)

// Meeting statuses.
const (
	MeetingActive   = "ACTIVE"
	MeetingInactive = "INACTIVE"
)

// Meeting is a RealtimeKit meeting (the room) as the fake holds it.
type Meeting struct {
	ID        string // default: a new ID
	Title     string
	Status    string    // MeetingActive (default) or MeetingInactive
	CreatedAt time.Time // default: now
	// Participants are those registered on the meeting (GET
	// meetings/{id}/participants): UserID, CustomParticipantID, Name and
	// Preset matter; an empty UserID gets a new ID.
	Participants []Participant
	// Session is the active session, or nil when nobody is in the meeting.
	Session *Session
}

// Session is one run of a meeting. Its participants are peers (one per
// connection), including those who left: that is what GET
// sessions/{id}/participants lists.
type Session struct {
	ID        string    // default: a new ID
	StartedAt time.Time // default: now
	EndedAt   time.Time // set when kick-all ends the session
	// MinutesConsumed is added to the peers' own minutes in
	// minutes_consumed, for time used by peers not listed.
	MinutesConsumed float64
	// MaxConcurrent is the peak number of live peers; it never reports less
	// than the live count.
	MaxConcurrent int
	Participants  []Participant
}

// Participant is a registered meeting participant or a session peer.
// Peers whose UserID names a registered participant inherit that
// participant's CustomParticipantID, Name and Preset where their own are
// empty. A peer with no UserID is a guest: listable, but no kick or mute
// target by participant ID.
type Participant struct {
	PeerID              string // peers only; default: a new ID
	UserID              string // the participant ID that kick and mute take
	CustomParticipantID string
	Name                string
	Preset              string
	JoinedAt            time.Time  // peers only; default: the session start
	LeftAt              *time.Time // peers only; nil while in the session
	Muted               bool
}

// Live reports whether a peer is still in its session.
func (p Participant) Live() bool { return p.LeftAt == nil }

// Poll is a poll created through the API.
type Poll struct {
	ID        string
	MeetingID string
	SessionID string
	Question  string
	Options   []string
	Anonymous bool
	HideVotes bool
	CreatedBy string
	CreatedAt time.Time
}

// meeting and session are the fake's own copies; nothing outside holds
// pointers into them. A meeting's live session is in live; the embedded
// Meeting.Session stays nil.
type meeting struct {
	Meeting
	live *session
}

type session struct {
	Session
	meetingID string
	updatedAt time.Time
}

// AddMeeting adds m, replacing any meeting with the same ID (and its
// session and polls), so a test can reset one meeting's state.
func (s *Server) AddMeeting(m Meeting) {
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.ID == "" {
		m.ID = s.cfg.NewID()
	}
	for id, ss := range s.sessions {
		if ss.meetingID == m.ID {
			delete(s.sessions, id)
		}
	}
	delete(s.polls, m.ID)
	if m.Status == "" {
		m.Status = MeetingActive
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now
	}
	m.Participants = slices.Clone(m.Participants)
	for i := range m.Participants {
		if m.Participants[i].UserID == "" {
			m.Participants[i].UserID = s.cfg.NewID()
		}
	}
	mt := &meeting{Meeting: m}
	mt.Session = nil
	if m.Session != nil {
		ss := &session{Session: *m.Session, meetingID: m.ID}
		if ss.ID == "" {
			ss.ID = s.cfg.NewID()
		}
		if ss.StartedAt.IsZero() {
			ss.StartedAt = now
		}
		ss.Participants = nil
		for _, p := range m.Session.Participants {
			ss.Participants = append(ss.Participants, s.newPeer(mt, ss, p))
		}
		ss.updatedAt = ss.StartedAt
		ss.notePeak()
		mt.live = ss
		s.sessions[ss.ID] = ss
	}
	if _, ok := s.meetings[m.ID]; !ok {
		s.order = append(s.order, m.ID)
	}
	s.meetings[m.ID] = mt
}

// Meetings returns every meeting in the order first added, each with a
// copy of its active session (nil if none).
func (s *Server) Meetings() []Meeting {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Meeting, 0, len(s.order))
	for _, id := range s.order {
		m := s.meetings[id]
		c := m.Meeting
		c.Participants = slices.Clone(m.Participants)
		if m.live != nil {
			ss := m.live.copy()
			c.Session = &ss
		}
		out = append(out, c)
	}
	return out
}

// newPeer fills a peer's defaults. Callers hold s.mu.
func (s *Server) newPeer(m *meeting, ss *session, p Participant) Participant {
	if p.PeerID == "" {
		p.PeerID = s.cfg.NewID()
	}
	if p.JoinedAt.IsZero() {
		p.JoinedAt = ss.StartedAt
	}
	if p.LeftAt != nil {
		t := *p.LeftAt
		p.LeftAt = &t
	}
	if i := slices.IndexFunc(m.Participants, func(r Participant) bool { return p.UserID != "" && r.UserID == p.UserID }); i >= 0 {
		r := m.Participants[i]
		if p.CustomParticipantID == "" {
			p.CustomParticipantID = r.CustomParticipantID
		}
		if p.Name == "" {
			p.Name = r.Name
		}
		if p.Preset == "" {
			p.Preset = r.Preset
		}
	}
	return p
}

// Join adds a live peer to the meeting's active session, starting a new
// session if there is none (as when someone opens an empty room). It
// returns the peer as stored.
func (s *Server) Join(meetingID string, p Participant) (Participant, error) {
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.meetings[meetingID]
	if !ok {
		return Participant{}, fmt.Errorf("rtkfake: no meeting %s", meetingID)
	}
	if m.live == nil {
		m.live = &session{Session: Session{ID: s.cfg.NewID(), StartedAt: now}, meetingID: meetingID}
		s.sessions[m.live.ID] = m.live
	}
	if p.JoinedAt.IsZero() {
		p.JoinedAt = now
	}
	p.LeftAt = nil
	p = s.newPeer(m, m.live, p)
	m.live.Participants = append(m.live.Participants, p)
	m.live.updatedAt = now
	m.live.notePeak()
	return p, nil
}

// Leave marks every live peer of the user as gone from the meeting's
// active session, as when they close the tab. The session stays live.
func (s *Server) Leave(meetingID, userID string) error {
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.meetings[meetingID]
	if !ok || m.live == nil {
		return fmt.Errorf("rtkfake: no active session in meeting %s", meetingID)
	}
	n := 0
	for i := range m.live.Participants {
		p := &m.live.Participants[i]
		if p.Live() && p.UserID == userID {
			p.LeftAt = &now
			n++
		}
	}
	if n == 0 {
		return fmt.Errorf("rtkfake: user %s is not live in meeting %s", userID, meetingID)
	}
	m.live.updatedAt = now
	return nil
}

// SessionActive reports whether the meeting has a live session.
func (s *Server) SessionActive(meetingID string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, ok := s.meetings[meetingID]
	return ok && m.live != nil
}

// ActiveSession returns a copy of the meeting's live session.
func (s *Server) ActiveSession(meetingID string) (Session, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, ok := s.meetings[meetingID]
	if !ok || m.live == nil {
		return Session{}, false
	}
	return m.live.copy(), true
}

// LiveParticipants returns the peers still in the meeting's active session,
// in join order; nil if there is no active session.
func (s *Server) LiveParticipants(meetingID string) []Participant {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, ok := s.meetings[meetingID]
	if !ok || m.live == nil {
		return nil
	}
	var out []Participant
	for _, p := range m.live.Participants {
		if p.Live() {
			out = append(out, p)
		}
	}
	return out
}

// Polls returns the polls created in the meeting, oldest first.
func (s *Server) Polls(meetingID string) []Poll {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := slices.Clone(s.polls[meetingID])
	for i := range out {
		out[i].Options = slices.Clone(out[i].Options)
	}
	return out
}

// copy returns a Session that shares nothing with ss.
func (ss *session) copy() Session {
	c := ss.Session
	c.Participants = slices.Clone(ss.Participants)
	for i, p := range c.Participants {
		if p.LeftAt != nil {
			t := *p.LeftAt
			c.Participants[i].LeftAt = &t
		}
	}
	return c
}

// liveCount is the number of peers in the session now.
func (ss *session) liveCount() int {
	n := 0
	for _, p := range ss.Participants {
		if p.Live() {
			n++
		}
	}
	return n
}

func (ss *session) notePeak() {
	ss.MaxConcurrent = max(ss.MaxConcurrent, ss.liveCount())
}

// minutesConsumed is the base plus every peer's time in the session.
func (ss *session) minutesConsumed(now time.Time) float64 {
	var d time.Duration
	for _, p := range ss.Participants {
		d += peerDuration(p, now)
	}
	return ss.MinutesConsumed + minutes(d)
}

func peerDuration(p Participant, now time.Time) time.Duration {
	end := now
	if p.LeftAt != nil {
		end = *p.LeftAt
	}
	return end.Sub(p.JoinedAt)
}
