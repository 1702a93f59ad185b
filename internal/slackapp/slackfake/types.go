package slackfake

import (
	"encoding/json"
	"net/url"
	"time"
)

// User is a workspace member as a test seeds it with AddUser. users.info
// renders it in Slack's user object shape.
type User struct {
	ID          string
	TeamID      string // default: Config.TeamID
	Name        string // the handle, e.g. "ada"
	RealName    string
	DisplayName string
	Email       string // omitted from users.info when empty, as without users:read.email
	IsAdmin     bool
	IsOwner     bool
	// IsPrimaryOwner, IsBot and Deleted complete the flags the bot's
	// authorization might look at.
	IsPrimaryOwner bool
	IsBot          bool
	Deleted        bool
}

// SlashCommand is a user typing a slash command. Empty fields get
// defaults: TeamID, EnterpriseID and APIAppID from Config, UserName from
// the seeded user (or the lower-cased ID), ChannelName from the channel
// ID, Command "/meeting". Setting TeamID, EnterpriseID or APIAppID to
// another workspace's or app's stands for an envelope the app should not
// act on.
type SlashCommand struct {
	TeamID       string
	EnterpriseID string
	APIAppID     string
	ChannelID    string
	ChannelName  string
	UserID       string
	UserName     string
	Command      string
	Text         string
}

// ButtonClick is a user pressing a Block Kit button.
//
// The message the button sits on is found through ResponseURL (the
// response_url the prompt was posted through; its latest message counts)
// or else MessageTS (a message posted with chat.postMessage or
// chat.postEphemeral). When found, the payload carries that message (or,
// for an ephemeral one, only container.is_ephemeral as Slack does) and
// empty Value, BlockID and Text are taken from the button with ActionID in
// its blocks. The click itself always gets a fresh response_url, returned
// in Delivery.ResponseURL.
type ButtonClick struct {
	TeamID       string // default: Config.TeamID
	EnterpriseID string // default: Config.EnterpriseID
	APIAppID     string // default: Config.AppID
	UserID       string
	UserName     string
	ChannelID    string
	ChannelName  string
	ActionID     string
	Value        string
	BlockID      string
	Text         string // the button's label
	MessageTS    string
	ResponseURL  string
}

// Delivery describes an envelope the fake has accepted for delivery.
type Delivery struct {
	EnvelopeID  string
	ResponseURL string // fresh for this envelope
	TriggerID   string
	// SentAt is when the fake accepted the envelope (real time). With no
	// connection open it then waits in a queue, as Slack holds it.
	SentAt time.Time
}

// Ack is an acknowledgement the app sent over the socket.
//
// SentAt and AckedAt are real time (not Config.Now), so AckedAt-SentAt is
// the ack latency the app showed: SentAt is when the acknowledged delivery
// of the envelope was written to the socket. An ack for an envelope the
// fake never sent has a zero SentAt.
type Ack struct {
	EnvelopeID   string
	Payload      json.RawMessage // nil when the ack had none
	RetryAttempt int             // retry_attempt of the latest delivery when the ack arrived (an ack names only the envelope)
	SentAt       time.Time
	AckedAt      time.Time
}

// Latency is AckedAt-SentAt, or zero for an ack of an unknown envelope.
func (a Ack) Latency() time.Duration {
	if a.SentAt.IsZero() {
		return 0
	}
	return a.AckedAt.Sub(a.SentAt)
}

// Response is one message the app sent through a response_url, or, with
// ViaAck, the message payload of a slash command's ack, which Slack shows
// the user the same way (without using up the response_url).
type Response struct {
	ResponseType    string // "ephemeral", "in_channel" or "" (Slack treats "" as ephemeral)
	ReplaceOriginal bool
	DeleteOriginal  bool
	Text            string
	Blocks          json.RawMessage // nil when absent
	Raw             json.RawMessage // the whole body as posted
	TS              string          // the ts Slack gave the resulting message
	ViaAck          bool
	At              time.Time // Config.Now when received
}

// Ephemeral reports whether only the requesting user sees the message.
func (r Response) Ephemeral() bool { return r.ResponseType != "in_channel" }

// Posted is one successful chat.postMessage, chat.postEphemeral or
// chat.update call.
type Posted struct {
	Method   string // "chat.postMessage", "chat.postEphemeral", "chat.update"
	Channel  string
	User     string // chat.postEphemeral's recipient
	Text     string
	Blocks   json.RawMessage // nil when absent
	TS       string          // the message's ts (for chat.update, the updated message)
	ThreadTS string
	Params   url.Values // every argument but the token
	At       time.Time  // Config.Now when received
}
