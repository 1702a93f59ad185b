package rtkfake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// Wire shapes, named after the spec's components and the fields that
// cloudflare-go's realtime_kit structs read.

// success is RealtimeKit's success envelope.
type success struct {
	Success bool `json:"success"`
	Data    any  `json:"data"`
}

// pagedSuccess is the PagingResponse of the spec (meeting participants).
type pagedSuccess struct {
	Success bool   `json:"success"`
	Data    any    `json:"data"`
	Paging  paging `json:"paging"`
}

type paging struct {
	TotalCount  int `json:"total_count"`
	StartOffset int `json:"start_offset"`
	EndOffset   int `json:"end_offset"`
}

// rtkError is RealtimeKit's GenericErrorResponse; code is the HTTP status.
type rtkError struct {
	Success bool         `json:"success"`
	Error   rtkErrorBody `json:"error"`
}

type rtkErrorBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// cfError is Cloudflare's cf_api-response-common-failure, which the API
// gateway answers before RealtimeKit sees the request.
type cfError struct {
	Success  bool        `json:"success"`
	Errors   []cfMessage `json:"errors"`
	Messages []cfMessage `json:"messages"`
	Result   *struct{}   `json:"result"`
}

type cfMessage struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// meetingJSON is the spec's Meeting (GET meetings/{id}).
type meetingJSON struct {
	ID                         string  `json:"id"`
	Title                      string  `json:"title"`
	Status                     string  `json:"status"`
	PreferredRegion            *string `json:"preferred_region"`
	RecordOnStart              bool    `json:"record_on_start"`
	LiveStreamOnStart          bool    `json:"live_stream_on_start"`
	PersistChat                bool    `json:"persist_chat"`
	SummarizeOnEnd             bool    `json:"summarize_on_end"`
	SessionKeepAliveTimeInSecs int     `json:"session_keep_alive_time_in_secs"`
	CreatedAt                  string  `json:"created_at"`
	UpdatedAt                  string  `json:"updated_at"`
}

// participantJSON is the spec's Participant (GET meetings/{id}/participants).
type participantJSON struct {
	ID                  string  `json:"id"`
	Name                string  `json:"name"`
	Picture             *string `json:"picture"`
	CustomParticipantID string  `json:"custom_participant_id"`
	PresetName          string  `json:"preset_name"`
	CreatedAt           string  `json:"created_at"`
	UpdatedAt           string  `json:"updated_at"`
}

// activeSessionJSON is the spec's ActiveSession. ended_at is left out while
// the session is live, which is the only state this route returns.
type activeSessionJSON struct {
	ID                        string   `json:"id"`
	AssociatedID              string   `json:"associated_id"`
	MeetingDisplayName        string   `json:"meeting_display_name"`
	Type                      string   `json:"type"`
	Status                    string   `json:"status"`
	LiveParticipants          int      `json:"live_participants"`
	MaxConcurrentParticipants int      `json:"max_concurrent_participants"`
	MinutesConsumed           float64  `json:"minutes_consumed"`
	OrganizationID            string   `json:"organization_id"`
	StartedAt                 string   `json:"started_at"`
	CreatedAt                 string   `json:"created_at"`
	UpdatedAt                 string   `json:"updated_at"`
	Meta                      struct{} `json:"meta"`
	BreakoutRooms             []any    `json:"breakout_rooms"`
}

// sessionParticipantJSON is the spec's ParticipantsList entry (GET
// sessions/{id}/participants). left_at is null while the peer is in the
// session; the spec types it as a plain string, but live peers have no
// time to give, and cloudflare-go reads null as "".
type sessionParticipantJSON struct {
	ID                  string  `json:"id"`
	UserID              string  `json:"user_id,omitempty"`
	CustomParticipantID string  `json:"custom_participant_id,omitempty"`
	DisplayName         string  `json:"display_name"`
	PresetName          string  `json:"preset_name"`
	JoinedAt            string  `json:"joined_at"`
	LeftAt              *string `json:"left_at"`
	Duration            float64 `json:"duration"`
	CreatedAt           string  `json:"created_at"`
	UpdatedAt           string  `json:"updated_at"`
}

// affectedJSON is the spec's SessionParticipant, as kick and mute return it,
// plus custom_participant_id (the schema allows extra fields) so callers
// that targeted custom IDs can tell whom each entry answers.
type affectedJSON struct {
	ID                  string `json:"id"`
	CustomParticipantID string `json:"custom_participant_id,omitempty"`
	Name                string `json:"name"`
	CreatedAt           string `json:"created_at"`
	UpdatedAt           string `json:"updated_at"`
}

type affectedData struct {
	Action       string         `json:"action"`
	Participants []affectedJSON `json:"participants"`
}

type kickAllData struct {
	Action                  string `json:"action"`
	KickedParticipantsCount int    `json:"kicked_participants_count"`
}

type muteAllData struct {
	Action                 string `json:"action"`
	MutedParticipantsCount int    `json:"muted_participants_count"`
}

// pollJSON is the spec's Poll.
type pollJSON struct {
	ID        string           `json:"id"`
	Question  string           `json:"question"`
	Options   []pollOptionJSON `json:"options"`
	Anonymous bool             `json:"anonymous"`
	HideVotes bool             `json:"hide_votes"`
	CreatedBy string           `json:"created_by"`
	Voted     []string         `json:"voted"`
}

type pollOptionJSON struct {
	Text  string     `json:"text"`
	Votes []voteJSON `json:"votes"`
	Count int        `json:"count"`
}

type voteJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type pollData struct {
	Action string   `json:"action"`
	Poll   pollJSON `json:"poll"`
}

// timeFormat is RealtimeKit's: UTC with milliseconds, e.g.
// 2023-02-01T10:51:08.030Z.
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// minutes is a duration in minutes, rounded to 4 decimals like the API's.
func minutes(d time.Duration) float64 {
	if d < 0 {
		return 0
	}
	return float64(d.Round(6*time.Millisecond)/(6*time.Millisecond)) / 10000
}

// writeJSON sends v. Like the real API it does not escape <, > and & as
// \u003c…, so names such as "<!channel>" arrive as typed.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only our own wire structs get here; failing to encode one is a bug.
		panic("rtkfake: encode response: " + err.Error())
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeData(w http.ResponseWriter, status int, data any) {
	writeJSON(w, status, success{Success: true, Data: data})
}

// writeRTKError answers in RealtimeKit's error envelope.
func writeRTKError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, rtkError{Error: rtkErrorBody{Code: status, Message: msg}})
}

// writeCFError answers in Cloudflare's gateway envelope.
func writeCFError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, cfError{Errors: []cfMessage{{Code: code, Message: msg}}, Messages: []cfMessage{}})
}
