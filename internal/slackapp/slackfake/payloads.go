package slackfake

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// verificationToken is the deprecated per-app token Slack still puts in
// payloads.
const verificationToken = "fakeVerificationToken0001"

// slashPayload is a slash_commands envelope's payload, in Slack's order.
type slashPayload struct {
	Token               string `json:"token"`
	TeamID              string `json:"team_id"`
	TeamDomain          string `json:"team_domain"`
	EnterpriseID        string `json:"enterprise_id,omitempty"`
	ChannelID           string `json:"channel_id"`
	ChannelName         string `json:"channel_name"`
	UserID              string `json:"user_id"`
	UserName            string `json:"user_name"`
	Command             string `json:"command"`
	Text                string `json:"text"`
	APIAppID            string `json:"api_app_id"`
	IsEnterpriseInstall bool   `json:"is_enterprise_install"`
	ResponseURL         string `json:"response_url"`
	TriggerID           string `json:"trigger_id"`
}

// blockActionsPayload is an interactive envelope's payload for a button.
type blockActionsPayload struct {
	Type                string          `json:"type"`
	User                actionUser      `json:"user"`
	APIAppID            string          `json:"api_app_id"`
	Token               string          `json:"token"`
	Container           actionContainer `json:"container"`
	TriggerID           string          `json:"trigger_id"`
	Team                actionTeam      `json:"team"`
	Enterprise          *actionTeam     `json:"enterprise"` // null outside Enterprise Grid
	IsEnterpriseInstall bool            `json:"is_enterprise_install"`
	Channel             actionChannel   `json:"channel"`
	Message             json.RawMessage `json:"message,omitempty"` // absent for ephemeral messages
	State               actionState     `json:"state"`
	ResponseURL         string          `json:"response_url"`
	Actions             []buttonAction  `json:"actions"`
}

type (
	actionUser struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Name     string `json:"name"`
		TeamID   string `json:"team_id"`
	}
	actionContainer struct {
		Type        string `json:"type"`
		MessageTS   string `json:"message_ts"`
		ChannelID   string `json:"channel_id"`
		IsEphemeral bool   `json:"is_ephemeral"`
	}
	actionTeam struct {
		ID     string `json:"id"`
		Domain string `json:"domain"`
	}
	actionChannel struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	actionState struct {
		Values map[string]any `json:"values"`
	}
	buttonAction struct {
		ActionID string     `json:"action_id"`
		BlockID  string     `json:"block_id"`
		Text     textObject `json:"text"`
		Value    string     `json:"value"`
		Style    string     `json:"style,omitempty"`
		Type     string     `json:"type"`
		ActionTS string     `json:"action_ts"`
	}
	textObject struct {
		Type  string `json:"type"`
		Text  string `json:"text"`
		Emoji bool   `json:"emoji,omitempty"`
	}
	botMessage struct {
		BotID  string          `json:"bot_id"`
		Type   string          `json:"type"`
		Text   string          `json:"text"`
		User   string          `json:"user"`
		TS     string          `json:"ts"`
		AppID  string          `json:"app_id"`
		Blocks json.RawMessage `json:"blocks,omitempty"`
		Team   string          `json:"team"`
	}
)

// SlashCommand sends a slash command envelope, as if cmd.UserID had typed
// it, with a fresh response_url.
func (s *Server) SlashCommand(cmd SlashCommand) Delivery {
	now := time.Now()
	d := Delivery{EnvelopeID: newEnvelopeID(), TriggerID: newTriggerID(now), SentAt: now}
	if cmd.Command == "" {
		cmd.Command = "/meeting"
	}
	if cmd.TeamID == "" {
		cmd.TeamID = s.cfg.TeamID
	}
	if cmd.APIAppID == "" {
		cmd.APIAppID = s.cfg.AppID
	}
	if cmd.EnterpriseID == "" {
		cmd.EnterpriseID = s.cfg.EnterpriseID
	}
	if cmd.ChannelName == "" {
		cmd.ChannelName = channelName(cmd.ChannelID)
	}
	s.mu.Lock()
	if cmd.UserName == "" {
		cmd.UserName = s.userNameLocked(cmd.UserID)
	}
	rid, rurl := s.newResponseURLLocked(d.EnvelopeID)
	ru := s.responseURLs[rid]
	ru.channel, ru.user = cmd.ChannelID, cmd.UserID
	s.mu.Unlock()
	d.ResponseURL = rurl
	payload, _ := json.Marshal(slashPayload{
		Token:        verificationToken,
		TeamID:       cmd.TeamID,
		TeamDomain:   s.cfg.TeamDomain,
		EnterpriseID: cmd.EnterpriseID,
		ChannelID:    cmd.ChannelID,
		ChannelName:  cmd.ChannelName,
		UserID:       cmd.UserID,
		UserName:     cmd.UserName,
		Command:      cmd.Command,
		Text:         cmd.Text,
		APIAppID:     cmd.APIAppID,
		ResponseURL:  rurl,
		TriggerID:    d.TriggerID,
	})
	s.submit(&envelope{
		id: d.EnvelopeID, typ: TypeSlashCommands, payload: payload,
		acceptsResponse: true, responseID: rid,
	})
	s.log.Debug("slackfake: slash command", "envelope_id", d.EnvelopeID,
		"team_id", cmd.TeamID, "channel_id", cmd.ChannelID, "user_id", cmd.UserID)
	return d
}

// ClickButton sends a block_actions envelope for a button press, with a
// fresh response_url; see ButtonClick for how the message is found.
func (s *Server) ClickButton(b ButtonClick) Delivery {
	now := time.Now()
	d := Delivery{EnvelopeID: newEnvelopeID(), TriggerID: newTriggerID(now), SentAt: now}
	if b.TeamID == "" {
		b.TeamID = s.cfg.TeamID
	}
	if b.APIAppID == "" {
		b.APIAppID = s.cfg.AppID
	}
	if b.EnterpriseID == "" {
		b.EnterpriseID = s.cfg.EnterpriseID
	}
	s.mu.Lock()
	if b.UserName == "" {
		b.UserName = s.userNameLocked(b.UserID)
	}
	src := s.sourceMessageLocked(b)
	rid, rurl := s.newResponseURLLocked(d.EnvelopeID)
	ru := s.responseURLs[rid]
	ru.channel, ru.user, ru.original, ru.click = cmp.Or(b.ChannelID, src.channel), b.UserID, src.ts, true
	actionTS := s.nextTSLocked()
	s.mu.Unlock()
	d.ResponseURL = rurl

	if b.ChannelID == "" {
		b.ChannelID = src.channel
	}
	if b.ChannelName == "" {
		b.ChannelName = channelName(b.ChannelID)
	}
	if b.MessageTS == "" {
		b.MessageTS = src.ts
	}
	button := findButton(src.blocks, b.ActionID)
	if b.Value == "" {
		b.Value = button.Value
	}
	if b.BlockID == "" {
		b.BlockID = button.BlockID
	}
	if b.BlockID == "" {
		b.BlockID = randomHex(3) // Slack generates one when the app set none
	}
	if b.Text == "" {
		b.Text = button.Text.Text
	}
	p := blockActionsPayload{
		Type:        "block_actions",
		User:        actionUser{ID: b.UserID, Username: b.UserName, Name: b.UserName, TeamID: b.TeamID},
		APIAppID:    b.APIAppID,
		Token:       verificationToken,
		Container:   actionContainer{Type: "message", MessageTS: b.MessageTS, ChannelID: b.ChannelID, IsEphemeral: src.ephemeral},
		TriggerID:   d.TriggerID,
		Team:        actionTeam{ID: b.TeamID, Domain: s.cfg.TeamDomain},
		Channel:     actionChannel{ID: b.ChannelID, Name: b.ChannelName},
		State:       actionState{Values: map[string]any{}},
		ResponseURL: rurl,
		Actions: []buttonAction{{
			ActionID: b.ActionID, BlockID: b.BlockID,
			Text:  textObject{Type: "plain_text", Text: b.Text, Emoji: true},
			Value: b.Value, Style: button.Style, Type: "button", ActionTS: actionTS,
		}},
	}
	if b.EnterpriseID != "" {
		p.Enterprise = &actionTeam{ID: b.EnterpriseID, Domain: b.EnterpriseID}
	}
	if !src.ephemeral {
		p.Message, _ = json.Marshal(botMessage{
			BotID: s.cfg.BotID, Type: "message", Text: src.text, User: s.cfg.BotUserID,
			TS: b.MessageTS, AppID: s.cfg.AppID, Blocks: src.blocks, Team: b.TeamID,
		})
	}
	payload, _ := json.Marshal(p)
	s.submit(&envelope{id: d.EnvelopeID, typ: TypeInteractive, payload: payload, responseID: rid})
	s.log.Debug("slackfake: button click", "envelope_id", d.EnvelopeID,
		"team_id", b.TeamID, "channel_id", b.ChannelID, "user_id", b.UserID, "action_id", b.ActionID)
	return d
}

// sourceMessage is the message a clicked button sits on.
type sourceMessage struct {
	channel   string
	ts        string
	text      string
	blocks    json.RawMessage
	ephemeral bool
}

// sourceMessageLocked finds the clicked message: the latest message sent
// through b.ResponseURL, else the posted message b.MessageTS; s.mu must
// be held.
func (s *Server) sourceMessageLocked(b ButtonClick) sourceMessage {
	if b.ResponseURL != "" {
		if ru := s.responseURLs[responseID(b.ResponseURL)]; ru != nil {
			for i := len(ru.responses) - 1; i >= 0; i-- {
				r := ru.responses[i]
				if r.DeleteOriginal {
					continue
				}
				return sourceMessage{ts: r.TS, text: r.Text, blocks: r.Blocks, ephemeral: r.Ephemeral()}
			}
		}
	}
	if m := s.messages[b.MessageTS]; m != nil {
		return sourceMessage{channel: m.channel, ts: m.ts, text: m.text, blocks: m.blocks, ephemeral: m.ephemeral}
	}
	if b.MessageTS == "" {
		return sourceMessage{ts: s.nextTSLocked()}
	}
	return sourceMessage{ts: b.MessageTS}
}

// button is a Block Kit button element as found in a message.
type button struct {
	BlockID  string
	ActionID string
	Value    string
	Style    string
	Text     textObject
}

// findButton returns the button with actionID in blocks (in an actions
// block or as a section's accessory), or the zero button. Elements are
// decoded one by one: a context block's elements have a string "text".
func findButton(blocks json.RawMessage, actionID string) button {
	var bs []struct {
		BlockID   string            `json:"block_id"`
		Elements  []json.RawMessage `json:"elements"`
		Accessory json.RawMessage   `json:"accessory"`
	}
	if len(blocks) == 0 || json.Unmarshal(blocks, &bs) != nil {
		return button{}
	}
	for _, b := range bs {
		candidates := b.Elements
		if len(b.Accessory) > 0 {
			candidates = append(candidates, b.Accessory)
		}
		for _, raw := range candidates {
			var e struct {
				Type     string          `json:"type"`
				ActionID string          `json:"action_id"`
				Value    string          `json:"value"`
				Style    string          `json:"style"`
				Text     json.RawMessage `json:"text"`
			}
			if json.Unmarshal(raw, &e) != nil || e.Type != "button" || e.ActionID != actionID {
				continue
			}
			found := button{BlockID: b.BlockID, ActionID: e.ActionID, Value: e.Value, Style: e.Style}
			_ = json.Unmarshal(e.Text, &found.Text)
			return found
		}
	}
	return button{}
}

// userNameLocked is the handle of a seeded user, or a stand-in.
func (s *Server) userNameLocked(id string) string {
	if u, ok := s.users[id]; ok && u.Name != "" {
		return u.Name
	}
	return strings.ToLower(id)
}

// channelName stands in for a channel's name, which the fake does not
// model.
func channelName(id string) string {
	if id == "" {
		return ""
	}
	return fmt.Sprintf("channel-%s", strings.ToLower(id))
}
