package slackfake

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"unicode/utf8"
)

// maxMessageText is chat.postMessage's limit on text (msg_too_long).
const maxMessageText = 40000

// message is a posted message, kept so buttons on it can be clicked and
// chat.update can find it; guarded by Server.mu.
type message struct {
	channel   string
	ts        string
	text      string
	blocks    json.RawMessage
	ephemeral bool
	user      string // who sees it, if ephemeral
	seq       uint64 // creation order (the clock may stand still)
	deleted   bool   // by a delete_original
}

// addMessageLocked gives m its ts and keeps it; s.mu must be held.
func (s *Server) addMessageLocked(m *message) {
	m.ts = s.nextTSLocked()
	m.seq = s.seq
	s.messages[m.ts] = m
}

// messageArgs validates the text, blocks and attachments arguments,
// returning Slack's error code for a message it would refuse.
func messageArgs(p url.Values, requireContent bool) (text string, blocks json.RawMessage, code string) {
	text = p.Get("text")
	if raw := p.Get("blocks"); raw != "" {
		blocks = json.RawMessage(raw)
		if !json.Valid(blocks) {
			return "", nil, "invalid_blocks_format"
		}
		if !present(blocks) {
			blocks = nil
		} else if len(validateBlocks(blocks)) > 0 {
			return "", nil, "invalid_blocks"
		}
	}
	if requireContent && text == "" && blocks == nil && !present(json.RawMessage(p.Get("attachments"))) {
		return "", nil, "no_text"
	}
	if utf8.RuneCountInString(text) > maxMessageText {
		return "", nil, "msg_too_long"
	}
	return text, blocks, ""
}

// recordPostedLocked appends a successful chat call; s.mu must be held.
func (s *Server) recordPostedLocked(method string, p url.Values, m *message, user string) {
	s.posted = append(s.posted, Posted{
		Method:   method,
		Channel:  m.channel,
		User:     user,
		Text:     p.Get("text"),
		Blocks:   json.RawMessage(p.Get("blocks")),
		TS:       m.ts,
		ThreadTS: p.Get("thread_ts"),
		Params:   maps.Clone(p),
		At:       s.cfg.Now(),
	})
	if last := &s.posted[len(s.posted)-1]; !present(last.Blocks) {
		last.Blocks = nil
	}
	s.notifyLocked()
}

func (s *Server) botMessage(m *message) botMessage {
	return botMessage{
		BotID: s.cfg.BotID, Type: "message", Text: m.text, User: s.cfg.BotUserID,
		TS: m.ts, AppID: s.cfg.AppID, Blocks: m.blocks, Team: s.cfg.TeamID,
	}
}

func (s *Server) chatPostMessage(w http.ResponseWriter, p url.Values) {
	channel := p.Get("channel")
	if channel == "" {
		writeError(w, "channel_not_found")
		return
	}
	text, blocks, code := messageArgs(p, true)
	if code != "" {
		writeError(w, code)
		return
	}
	s.mu.Lock()
	m := &message{channel: channel, text: text, blocks: blocks}
	s.addMessageLocked(m)
	s.recordPostedLocked("chat.postMessage", p, m, "")
	reply := map[string]any{"ok": true, "channel": channel, "ts": m.ts, "message": s.botMessage(m)}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, reply)
}

func (s *Server) chatPostEphemeral(w http.ResponseWriter, p url.Values) {
	channel, user := p.Get("channel"), p.Get("user")
	switch {
	case channel == "":
		writeError(w, "channel_not_found")
		return
	case user == "":
		writeError(w, "user_not_in_channel")
		return
	}
	text, blocks, code := messageArgs(p, true)
	if code != "" {
		writeError(w, code)
		return
	}
	s.mu.Lock()
	m := &message{channel: channel, text: text, blocks: blocks, ephemeral: true, user: user}
	s.addMessageLocked(m)
	s.recordPostedLocked("chat.postEphemeral", p, m, user)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "message_ts": m.ts})
}

func (s *Server) chatUpdate(w http.ResponseWriter, p url.Values) {
	channel, ts := p.Get("channel"), p.Get("ts")
	if channel == "" {
		writeError(w, "channel_not_found")
		return
	}
	text, blocks, code := messageArgs(p, false)
	if code != "" {
		writeError(w, code)
		return
	}
	s.mu.Lock()
	m := s.messages[ts]
	if m == nil || m.deleted || m.ephemeral || m.channel != channel {
		s.mu.Unlock()
		writeError(w, "message_not_found") // ephemeral messages cannot be updated
		return
	}
	if p.Has("text") {
		m.text = text
	}
	if p.Has("blocks") {
		m.blocks = blocks
	}
	s.recordPostedLocked("chat.update", p, m, "")
	reply := map[string]any{
		"ok": true, "channel": channel, "ts": ts, "text": m.text, "message": s.botMessage(m),
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, reply)
}

// Posted returns every successful chat.* call, in order.
func (s *Server) Posted() []Posted {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Posted(nil), s.posted...)
}

// WaitPosted waits until n chat.* calls have succeeded and returns them
// all.
func (s *Server) WaitPosted(ctx context.Context, n int) ([]Posted, error) {
	var out []Posted
	err := s.waitFor(ctx, fmt.Sprintf("%d posted messages", n), func() bool {
		if len(s.posted) < n {
			return false
		}
		out = append([]Posted(nil), s.posted...)
		return true
	})
	return out, err
}
