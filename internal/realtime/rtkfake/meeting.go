package rtkfake

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
)

// defaultPerPage is the page size when a request names none.
const defaultPerPage = 20

// keepAliveSecs is session_keep_alive_time_in_secs, reported for realism.
const keepAliveSecs = 60

func meetingNotFound(w http.ResponseWriter, id string) {
	writeRTKError(w, http.StatusNotFound, fmt.Sprintf("No meeting found for meeting_id %s", id))
}

func noActiveSession(w http.ResponseWriter, id string) {
	writeRTKError(w, http.StatusNotFound, fmt.Sprintf("No active session found for meeting_id %s", id))
}

// getMeeting serves GET meetings/{id}.
func (s *Server) getMeeting(w http.ResponseWriter, c *call) {
	s.mu.RLock()
	m, ok := s.meetings[c.meetingID]
	var out meetingJSON
	if ok {
		out = meetingJSON{
			ID:                         m.ID,
			Title:                      m.Title,
			Status:                     m.Status,
			SessionKeepAliveTimeInSecs: keepAliveSecs,
			CreatedAt:                  formatTime(m.CreatedAt),
			UpdatedAt:                  formatTime(m.CreatedAt),
		}
	}
	s.mu.RUnlock()
	if !ok {
		meetingNotFound(w, c.meetingID)
		return
	}
	writeData(w, http.StatusOK, out)
}

// getMeetingParticipants serves GET meetings/{id}/participants, paged by
// page_no (from 1) and per_page, with paging.total_count.
func (s *Server) getMeetingParticipants(w http.ResponseWriter, c *call) {
	page, per, err := pageParams(c.r.URL.Query())
	if err != nil {
		writeRTKError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.RLock()
	m, ok := s.meetings[c.meetingID]
	var data []participantJSON
	total := 0
	off := 0
	if ok {
		total = len(m.Participants)
		lo, hi := pageBounds(total, page, per)
		off = lo
		data = make([]participantJSON, 0, hi-lo)
		for _, p := range m.Participants[lo:hi] {
			data = append(data, participantJSON{
				ID:                  p.UserID,
				Name:                p.Name,
				CustomParticipantID: p.CustomParticipantID,
				PresetName:          p.Preset,
				CreatedAt:           formatTime(m.CreatedAt),
				UpdatedAt:           formatTime(m.CreatedAt),
			})
		}
	}
	s.mu.RUnlock()
	if !ok {
		meetingNotFound(w, c.meetingID)
		return
	}
	writeJSON(w, http.StatusOK, pagedSuccess{
		Success: true,
		Data:    data,
		Paging:  paging{TotalCount: total, StartOffset: off + 1, EndOffset: off + len(data)},
	})
}

// pageParams reads page_no and per_page. The SDK sends them as numbers
// formatted from float64 ("2", not "2.0"); anything that is not a whole
// number is refused as the real API would.
func pageParams(q url.Values) (page, per int, err error) {
	page, err = wholeParam(q, "page_no", 1)
	if err != nil {
		return 0, 0, err
	}
	per, err = wholeParam(q, "per_page", defaultPerPage)
	if err != nil {
		return 0, 0, err
	}
	return max(page, 1), per, nil
}

func wholeParam(q url.Values, name string, def int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
		return 0, fmt.Errorf("%s must be a non-negative whole number", name)
	}
	if f == 0 {
		return def, nil
	}
	return int(f), nil
}

// pageBounds returns the slice bounds of a page over n items.
func pageBounds(n, page, per int) (lo, hi int) {
	lo = min((page-1)*per, n)
	hi = min(lo+per, n)
	return lo, hi
}
