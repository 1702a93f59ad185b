// Package meeting is the vocabulary the bot's packages share: a RealtimeKit
// meeting, its session, participants and polls, and the errors a caller can
// act on. It holds data and names only; no logic and no imports beyond the
// standard library, so that the command core and every adapter can import
// it without importing each other. internal/realtime fills these types from
// the RealtimeKit API and classifies its failures with these errors.
package meeting

import "time"

// Session statuses as reported by RealtimeKit.
const (
	StatusLive  = "LIVE"
	StatusEnded = "ENDED"
)

// Meeting is a RealtimeKit meeting (the room), as opposed to one of its sessions.
type Meeting struct {
	ID     string
	Title  string
	Status string // ACTIVE or INACTIVE
}

// Session is the active session of a meeting: one continuous run of the room.
type Session struct {
	ID               string
	MeetingID        string
	MeetingTitle     string
	Status           string // StatusLive or StatusEnded
	LiveParticipants int
	PeakParticipants int // max_concurrent_participants
	MinutesConsumed  float64
	StartedAt        time.Time
	EndedAt          time.Time // zero while the session is live
}

// Participant is one person in a meeting. ID is the meeting participant's ID
// (the API's user_id), which is what kick and mute take; the peer ID of a
// single connection is deliberately not exposed, since it is never a valid
// kick or mute target.
type Participant struct {
	ID                  string
	CustomParticipantID string
	Name                string
	Preset              string
	JoinedAt            time.Time
}

// Targets names participants for kick and mute, by participant ID and/or by
// custom participant ID; both go out in one request.
type Targets struct {
	ParticipantIDs       []string
	CustomParticipantIDs []string
}

// Len reports how many targets there are.
func (t Targets) Len() int { return len(t.ParticipantIDs) + len(t.CustomParticipantIDs) }

// Affected is a participant that a kick or mute acted on, as RealtimeKit
// reported it.
type Affected struct {
	ID                  string
	CustomParticipantID string
	Name                string
}

// Poll is a poll created in a live session. Votes are cast in the meeting;
// RealtimeKit has no REST endpoint that returns them later, so the counts are
// those at creation.
type Poll struct {
	ID        string
	Question  string
	Options   []PollOption
	Anonymous bool
	HideVotes bool
	CreatedBy string
}

// PollOption is one answer of a poll and its vote count.
type PollOption struct {
	Text  string
	Votes int
}
