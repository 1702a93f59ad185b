package slackfake

import (
	"cmp"
	"encoding/json"
	"slices"
)

// Message is a message as a user sees it now, after every
// replace_original, delete_original and chat.update that reached it.
type Message struct {
	TS        string
	Ephemeral bool // only the user it was shown to sees it
	Text      string
	Blocks    json.RawMessage // nil when absent
}

// showLocked applies a message sent through ru (or a slash command's ack
// message, viaAck) to what users see, and returns the ts of the message
// it made or changed; s.mu must be held.
//
// As in Slack, replace_original and delete_original act on the message
// the URL answers (ru.original): the clicked message, or what the command
// last showed through it. An ack message cannot replace or delete.
func (s *Server) showLocked(ru *responseURL, r Response, viaAck bool) string {
	if !viaAck && (r.ReplaceOriginal || r.DeleteOriginal) {
		if m := s.messages[ru.original]; m != nil && !m.deleted {
			if r.DeleteOriginal {
				m.deleted = true
			} else {
				m.text, m.blocks = r.Text, r.Blocks
			}
			return m.ts
		}
		if r.DeleteOriginal {
			return s.nextTSLocked() // nothing to delete
		}
		// Nothing to replace: Slack shows it as a new message.
	}
	m := &message{channel: ru.channel, text: r.Text, blocks: r.Blocks, ephemeral: r.Ephemeral()}
	if m.ephemeral {
		m.user = ru.user
	}
	s.addMessageLocked(m)
	if !ru.click {
		ru.original = m.ts
	}
	return m.ts
}

// Screen returns what userID sees of the app in channelID, oldest first:
// every in-channel message, and the ephemeral ones shown to userID
// (through a response_url, a slash command's ack or chat.postEphemeral),
// each as last replaced or updated; deleted ones are gone.
func (s *Server) Screen(channelID, userID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ms []*message
	for _, m := range s.messages {
		if m.channel == channelID && !m.deleted && (!m.ephemeral || m.user == userID) {
			ms = append(ms, m)
		}
	}
	slices.SortFunc(ms, func(a, b *message) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]Message, len(ms))
	for i, m := range ms {
		out[i] = Message{TS: m.ts, Ephemeral: m.ephemeral, Text: m.text, Blocks: m.blocks}
	}
	return out
}
