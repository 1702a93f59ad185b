package rtkfake

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// getActiveSession serves GET meetings/{id}/active-session. live_participants
// counts live peers (connections), as RealtimeKit does.
func (s *Server) getActiveSession(w http.ResponseWriter, c *call) {
	now := s.cfg.Now()
	s.mu.RLock()
	m, ok := s.meetings[c.meetingID]
	var out activeSessionJSON
	live := ok && m.live != nil
	if live {
		ss := m.live
		out = activeSessionJSON{
			ID:                        ss.ID,
			AssociatedID:              m.ID,
			MeetingDisplayName:        m.Title,
			Type:                      "meeting",
			Status:                    "LIVE",
			LiveParticipants:          ss.liveCount(),
			MaxConcurrentParticipants: ss.MaxConcurrent,
			MinutesConsumed:           ss.minutesConsumed(now),
			OrganizationID:            s.cfg.AppID,
			StartedAt:                 formatTime(ss.StartedAt),
			CreatedAt:                 formatTime(ss.StartedAt),
			UpdatedAt:                 formatTime(ss.updatedAt),
			BreakoutRooms:             []any{},
		}
	}
	s.mu.RUnlock()
	switch {
	case !ok:
		meetingNotFound(w, c.meetingID)
	case !live:
		noActiveSession(w, c.meetingID)
	default:
		writeData(w, http.StatusOK, out)
	}
}

// getSessionParticipants serves GET sessions/{id}/participants: every peer
// that joined the session, live or gone, paged by page_no and per_page but
// with no paging metadata (callers read until a short page). sort_by
// (joinedAt, duration) and sort_order (ASC, DESC) are honoured; the
// default is join order.
func (s *Server) getSessionParticipants(w http.ResponseWriter, c *call) {
	q := c.r.URL.Query()
	page, per, err := pageParams(q)
	if err != nil {
		writeRTKError(w, http.StatusBadRequest, err.Error())
		return
	}
	sortBy, desc := q.Get("sort_by"), false
	switch sortBy {
	case "", "joinedAt", "duration":
	default:
		writeRTKError(w, http.StatusBadRequest, fmt.Sprintf("sort_by must be one of joinedAt, duration, not %q", sortBy))
		return
	}
	switch o := q.Get("sort_order"); o {
	case "", "ASC":
	case "DESC":
		desc = true
	default:
		writeRTKError(w, http.StatusBadRequest, fmt.Sprintf("sort_order must be ASC or DESC, not %q", o))
		return
	}

	now := s.cfg.Now()
	s.mu.RLock()
	ss, ok := s.sessions[c.sessionID]
	var peers []Participant
	if ok {
		peers = slices.Clone(ss.Participants)
	}
	s.mu.RUnlock()
	if !ok {
		writeRTKError(w, http.StatusNotFound, fmt.Sprintf("No session found for session_id %s", c.sessionID))
		return
	}

	switch sortBy {
	case "joinedAt":
		slices.SortStableFunc(peers, func(a, b Participant) int { return a.JoinedAt.Compare(b.JoinedAt) })
	case "duration":
		slices.SortStableFunc(peers, func(a, b Participant) int {
			return cmp.Compare(peerDuration(a, now), peerDuration(b, now))
		})
	}
	if desc {
		slices.Reverse(peers)
	}
	lo, hi := pageBounds(len(peers), page, per)
	out := make([]sessionParticipantJSON, 0, hi-lo)
	for _, p := range peers[lo:hi] {
		out = append(out, sessionParticipantJSONOf(p, now))
	}
	writeData(w, http.StatusOK, struct {
		Participants []sessionParticipantJSON `json:"participants"`
	}{out})
}

func sessionParticipantJSONOf(p Participant, now time.Time) sessionParticipantJSON {
	joined := formatTime(p.JoinedAt)
	j := sessionParticipantJSON{
		ID:                  p.PeerID,
		UserID:              p.UserID,
		CustomParticipantID: p.CustomParticipantID,
		DisplayName:         p.Name,
		PresetName:          p.Preset,
		JoinedAt:            joined,
		Duration:            minutes(peerDuration(p, now)),
		CreatedAt:           joined,
		UpdatedAt:           joined,
	}
	if p.LeftAt != nil {
		left := formatTime(*p.LeftAt)
		j.LeftAt = &left
		j.UpdatedAt = left
	}
	return j
}
