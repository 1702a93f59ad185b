package rtkfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Actions reported in the data.action of mutation answers.
const (
	actionKick    = "participants_kicked"
	actionMute    = "participants_muted"
	actionKickAll = "all_participants_kicked"
	actionMuteAll = "all_participants_muted"
	actionPoll    = "poll_created"
)

// targetsBody is the KickParticipantsBody of kick and mute.
type targetsBody struct {
	ParticipantIDs       []string `json:"participant_ids"`
	CustomParticipantIDs []string `json:"custom_participant_ids"`
}

// decodeBody decodes a JSON object body into v. An empty body is allowed
// only when optional.
func decodeBody(body []byte, v any, optional bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return errors.New("Request body is required")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("Invalid request body: %v", err)
	}
	return nil
}

func (b targetsBody) validate() error {
	if len(b.ParticipantIDs) == 0 && len(b.CustomParticipantIDs) == 0 {
		return errors.New("participant_ids or custom_participant_ids is required")
	}
	for _, id := range b.ParticipantIDs {
		if id == "" {
			return errors.New("participant_ids must not contain empty IDs")
		}
	}
	for _, id := range b.CustomParticipantIDs {
		if id == "" {
			return errors.New("custom_participant_ids must not contain empty IDs")
		}
	}
	return nil
}

// kick serves POST meetings/{id}/active-session/kick: the targets' live
// peers leave the session. All or nothing: one unknown target fails the
// request and nobody is kicked. The session stays live even if it empties;
// only kick-all ends it.
func (s *Server) kick(w http.ResponseWriter, c *call) {
	s.moderate(w, c, actionKick, func(p *Participant, now time.Time) { p.LeftAt = &now })
}

// mute serves POST meetings/{id}/active-session/mute, like kick but
// marking the targets muted.
func (s *Server) mute(w http.ResponseWriter, c *call) {
	s.moderate(w, c, actionMute, func(p *Participant, _ time.Time) { p.Muted = true })
}

func (s *Server) moderate(w http.ResponseWriter, c *call, action string, apply func(*Participant, time.Time)) {
	var b targetsBody
	if err := decodeBody(c.body, &b, false); err != nil {
		writeRTKError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := b.validate(); err != nil {
		writeRTKError(w, http.StatusBadRequest, err.Error())
		return
	}
	now := s.cfg.Now()
	s.mu.Lock()
	m, ok := s.meetings[c.meetingID]
	switch {
	case !ok:
		s.mu.Unlock()
		meetingNotFound(w, c.meetingID)
		return
	case m.live == nil:
		s.mu.Unlock()
		noActiveSession(w, c.meetingID)
		return
	}
	ss := m.live
	idx, missing := resolveTargets(ss.Participants, b)
	if missing != "" {
		s.mu.Unlock()
		writeRTKError(w, http.StatusNotFound, fmt.Sprintf("No user found with id %s", missing))
		return
	}
	out := affectedData{Action: action, Participants: make([]affectedJSON, 0, len(idx))}
	seen := make(map[string]bool, len(idx))
	for _, i := range idx {
		p := &ss.Participants[i]
		apply(p, now)
		id := p.UserID
		if id == "" {
			id = p.PeerID
		}
		if seen[id] {
			continue // another device of someone already listed
		}
		seen[id] = true
		out.Participants = append(out.Participants, affectedJSON{
			ID:                  id,
			CustomParticipantID: p.CustomParticipantID,
			Name:                p.Name,
			CreatedAt:           formatTime(p.JoinedAt),
			UpdatedAt:           formatTime(now),
		})
	}
	ss.updatedAt = now
	s.mu.Unlock()
	writeData(w, http.StatusOK, out)
}

// resolveTargets returns the indexes of the live peers the body names, in
// the body's order without repeats, or the first ID that names no live
// peer. participant_ids match user IDs; custom_participant_ids match
// custom participant IDs.
func resolveTargets(peers []Participant, b targetsBody) (idx []int, missing string) {
	taken := make(map[int]bool)
	find := func(id string, key func(Participant) string) bool {
		found := false
		for i, p := range peers {
			if p.Live() && key(p) == id {
				found = true
				if !taken[i] {
					taken[i] = true
					idx = append(idx, i)
				}
			}
		}
		return found
	}
	userID := func(p Participant) string { return p.UserID }
	customID := func(p Participant) string { return p.CustomParticipantID }
	for _, id := range b.ParticipantIDs {
		if !find(id, userID) {
			return nil, id
		}
	}
	for _, id := range b.CustomParticipantIDs {
		if !find(id, customID) {
			return nil, id
		}
	}
	return idx, ""
}

// kickAll serves POST meetings/{id}/active-session/kick-all: every live
// peer leaves and the session ends, so a later GET active-session is a
// 404 until someone joins again.
func (s *Server) kickAll(w http.ResponseWriter, c *call) {
	now := s.cfg.Now()
	s.mu.Lock()
	m, ok := s.meetings[c.meetingID]
	if !ok || m.live == nil {
		s.mu.Unlock()
		s.notLive(w, ok, c.meetingID)
		return
	}
	ss := m.live
	n := 0
	for i := range ss.Participants {
		if p := &ss.Participants[i]; p.Live() {
			p.LeftAt = &now
			n++
		}
	}
	ss.EndedAt = now
	ss.updatedAt = now
	m.live = nil
	s.mu.Unlock()
	writeData(w, http.StatusOK, kickAllData{Action: actionKickAll, KickedParticipantsCount: n})
}

// muteAll serves POST meetings/{id}/active-session/mute-all, body
// {"allow_unmute": bool} (optional; false when absent).
func (s *Server) muteAll(w http.ResponseWriter, c *call) {
	var b struct {
		AllowUnmute *bool `json:"allow_unmute"`
	}
	if err := decodeBody(c.body, &b, true); err != nil {
		writeRTKError(w, http.StatusBadRequest, err.Error())
		return
	}
	now := s.cfg.Now()
	s.mu.Lock()
	m, ok := s.meetings[c.meetingID]
	if !ok || m.live == nil {
		s.mu.Unlock()
		s.notLive(w, ok, c.meetingID)
		return
	}
	n := 0
	for i := range m.live.Participants {
		if p := &m.live.Participants[i]; p.Live() {
			p.Muted = true
			n++
		}
	}
	m.live.updatedAt = now
	s.mu.Unlock()
	writeData(w, http.StatusOK, muteAllData{Action: actionMuteAll, MutedParticipantsCount: n})
}

// notLive answers for a meeting that is unknown (found false) or has no
// active session.
func (s *Server) notLive(w http.ResponseWriter, found bool, meetingID string) {
	if !found {
		meetingNotFound(w, meetingID)
		return
	}
	noActiveSession(w, meetingID)
}
