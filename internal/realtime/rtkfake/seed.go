package rtkfake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Seed is the JSON format of LoadSeed (see examples/demo-meeting.json).
// Times are relative to when the seed is loaded, so a demo always shows a
// session that started minutes ago.
type Seed struct {
	Meetings []SeedMeeting `json:"meetings"`
}

// SeedMeeting is one meeting of a Seed.
type SeedMeeting struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Status string `json:"status,omitempty"` // ACTIVE (default) or INACTIVE
	// Participants are registered on the meeting.
	Participants []SeedParticipant `json:"participants"`
	// ActiveSession, if present, is live.
	ActiveSession *SeedSession `json:"active_session,omitempty"`
}

// SeedParticipant is a registered participant.
type SeedParticipant struct {
	ID                  string `json:"id"`
	CustomParticipantID string `json:"custom_participant_id"`
	Name                string `json:"name"`
	PresetName          string `json:"preset_name"`
}

// SeedSession is the live session of a meeting.
type SeedSession struct {
	ID                        string     `json:"id,omitempty"`
	StartedMinutesAgo         float64    `json:"started_minutes_ago"`
	MaxConcurrentParticipants int        `json:"max_concurrent_participants,omitempty"`
	MinutesConsumed           float64    `json:"minutes_consumed,omitempty"`
	Peers                     []SeedPeer `json:"peers"`
}

// SeedPeer is one connection to the session. UserID names a registered
// participant, whose name, custom ID and preset the peer inherits unless
// it sets its own; a peer without UserID is a guest and needs a
// DisplayName. LeftMinutesAgo, if set, means the peer has left.
type SeedPeer struct {
	PeerID           string   `json:"peer_id,omitempty"`
	UserID           string   `json:"user_id,omitempty"`
	DisplayName      string   `json:"display_name,omitempty"`
	PresetName       string   `json:"preset_name,omitempty"`
	JoinedMinutesAgo float64  `json:"joined_minutes_ago"`
	LeftMinutesAgo   *float64 `json:"left_minutes_ago,omitempty"`
	Muted            bool     `json:"muted,omitempty"`
}

// LoadSeed reads a Seed and adds its meetings (replacing any with the same
// IDs). Unknown fields, duplicate IDs, peers naming unregistered users and
// impossible times are errors, so a typo in a demo file fails loudly.
// Nothing is added unless the whole seed is valid.
// LoadSeedFile loads the seed in the JSON file at path, as LoadSeed; its
// errors name the file.
func (s *Server) LoadSeedFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := s.LoadSeed(f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func (s *Server) LoadSeed(r io.Reader) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var seed Seed
	if err := dec.Decode(&seed); err != nil {
		return fmt.Errorf("rtkfake: read seed: %w", err)
	}
	now := s.cfg.Now()
	ms := make([]Meeting, 0, len(seed.Meetings))
	ids := make(map[string]bool)
	for i, sm := range seed.Meetings {
		m, err := sm.meeting(now, ids)
		if err != nil {
			return fmt.Errorf("rtkfake: seed meeting %d (%q): %w", i, sm.ID, err)
		}
		ms = append(ms, m)
	}
	for _, m := range ms {
		s.AddMeeting(m)
	}
	return nil
}

// meeting converts sm, checking that no ID in ids is reused.
func (sm SeedMeeting) meeting(now time.Time, ids map[string]bool) (Meeting, error) {
	claim := func(kind, id string) error {
		if id == "" {
			return fmt.Errorf("%s without an id", kind)
		}
		if ids[id] {
			return fmt.Errorf("%s id %s is used twice", kind, id)
		}
		ids[id] = true
		return nil
	}
	if err := claim("meeting", sm.ID); err != nil {
		return Meeting{}, err
	}
	switch sm.Status {
	case "", MeetingActive, MeetingInactive:
	default:
		return Meeting{}, fmt.Errorf("status %q is neither ACTIVE nor INACTIVE", sm.Status)
	}
	ago := func(min float64) time.Time { return now.Add(-time.Duration(min * float64(time.Minute))) }
	// Meetings are rooms people come back to: created well before today's
	// session.
	m := Meeting{ID: sm.ID, Title: sm.Title, Status: sm.Status, CreatedAt: now.Add(-7 * 24 * time.Hour)}
	registered := make(map[string]bool)
	customs := make(map[string]bool)
	for _, p := range sm.Participants {
		if err := claim("participant", p.ID); err != nil {
			return Meeting{}, err
		}
		if p.CustomParticipantID != "" {
			if customs[p.CustomParticipantID] {
				return Meeting{}, fmt.Errorf("custom_participant_id %s is used twice", p.CustomParticipantID)
			}
			customs[p.CustomParticipantID] = true
		}
		registered[p.ID] = true
		m.Participants = append(m.Participants, Participant{
			UserID: p.ID, CustomParticipantID: p.CustomParticipantID, Name: p.Name, Preset: p.PresetName,
		})
	}
	if sm.ActiveSession == nil {
		return m, nil
	}
	ss := sm.ActiveSession
	if ss.ID != "" {
		if err := claim("session", ss.ID); err != nil {
			return Meeting{}, err
		}
	}
	if ss.StartedMinutesAgo < 0 {
		return Meeting{}, errors.New("session starts in the future")
	}
	m.Session = &Session{
		ID:              ss.ID,
		StartedAt:       ago(ss.StartedMinutesAgo),
		MinutesConsumed: ss.MinutesConsumed,
		MaxConcurrent:   ss.MaxConcurrentParticipants,
	}
	for j, sp := range ss.Peers {
		if sp.PeerID != "" {
			if err := claim("peer", sp.PeerID); err != nil {
				return Meeting{}, err
			}
		}
		switch {
		case sp.UserID != "" && !registered[sp.UserID]:
			return Meeting{}, fmt.Errorf("peer %d: user_id %s is not a registered participant", j, sp.UserID)
		case sp.UserID == "" && sp.DisplayName == "":
			return Meeting{}, fmt.Errorf("peer %d: a guest (no user_id) needs a display_name", j)
		case sp.JoinedMinutesAgo > ss.StartedMinutesAgo || sp.JoinedMinutesAgo < 0:
			return Meeting{}, fmt.Errorf("peer %d: joined outside the session", j)
		}
		p := Participant{
			PeerID: sp.PeerID, UserID: sp.UserID, Name: sp.DisplayName, Preset: sp.PresetName,
			JoinedAt: ago(sp.JoinedMinutesAgo), Muted: sp.Muted,
		}
		if sp.LeftMinutesAgo != nil {
			if *sp.LeftMinutesAgo > sp.JoinedMinutesAgo || *sp.LeftMinutesAgo < 0 {
				return Meeting{}, fmt.Errorf("peer %d: left before joining", j)
			}
			t := ago(*sp.LeftMinutesAgo)
			p.LeftAt = &t
		}
		m.Session.Participants = append(m.Session.Participants, p)
	}
	return m, nil
}
