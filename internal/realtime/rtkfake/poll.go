package rtkfake

import (
	"errors"
	"net/http"
	"slices"
	"strings"
)

// pollBody is the CreatePollBody. Pointers tell missing from zero.
type pollBody struct {
	Question  *string  `json:"question"`
	Options   []string `json:"options"`
	Anonymous bool     `json:"anonymous"`
	HideVotes bool     `json:"hide_votes"`
}

func (b pollBody) validate() error {
	switch {
	case b.Question == nil || strings.TrimSpace(*b.Question) == "":
		return errors.New("question is required")
	case len(b.Options) == 0:
		return errors.New("options is required")
	case slices.ContainsFunc(b.Options, func(o string) bool { return strings.TrimSpace(o) == "" }):
		return errors.New("options must not contain empty options")
	}
	return nil
}

// createPoll serves POST meetings/{id}/active-session/poll, answering 201
// with the new poll. created_by is the app ID: the API, not a person in
// the meeting, created it.
func (s *Server) createPoll(w http.ResponseWriter, c *call) {
	var b pollBody
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
	if !ok || m.live == nil {
		s.mu.Unlock()
		s.notLive(w, ok, c.meetingID)
		return
	}
	p := Poll{
		ID:        s.cfg.NewID(),
		MeetingID: m.ID,
		SessionID: m.live.ID,
		Question:  *b.Question,
		Options:   slices.Clone(b.Options),
		Anonymous: b.Anonymous,
		HideVotes: b.HideVotes,
		CreatedBy: s.cfg.AppID,
		CreatedAt: now,
	}
	s.polls[m.ID] = append(s.polls[m.ID], p)
	s.mu.Unlock()

	out := pollJSON{
		ID:        p.ID,
		Question:  p.Question,
		Options:   make([]pollOptionJSON, 0, len(p.Options)),
		Anonymous: p.Anonymous,
		HideVotes: p.HideVotes,
		CreatedBy: p.CreatedBy,
		Voted:     []string{},
	}
	for _, o := range p.Options {
		out.Options = append(out.Options, pollOptionJSON{Text: o, Votes: []voteJSON{}, Count: 0})
	}
	writeData(w, http.StatusCreated, pollData{Action: actionPoll, Poll: out})
}
