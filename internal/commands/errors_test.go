package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rtkbot/rtkbot/internal/meeting"
	"github.com/rtkbot/rtkbot/internal/realtime"
)

// TestErrorMapping checks what the requester sees for each kind of upstream
// failure, on a read (status) and after a mutation (mute).
func TestErrorMapping(t *testing.T) {
	t.Parallel()
	unauthorized := ErrorView{Code: CodeUpstream, Message: "RealtimeKit refused the bot's Cloudflare API token: it is invalid, expired, " +
		"or lacks the Realtime Admin permission. Ask whoever runs the bot to fix CLOUDFLARE_API_TOKEN. Nothing was changed."}
	tests := []struct {
		name     string
		mutation bool // fail the Mute call rather than the session read
		err      error
		want     ErrorView
		outcome  Outcome
	}{
		{name: "rate limited read", err: &meeting.RateLimitError{RetryAfter: 30 * time.Second, Route: "GET active-session"},
			want: ErrorView{Code: CodeRateLimited, RetryAfter: 30 * time.Second,
				Message: "RealtimeKit is rate limiting the bot; nothing was changed. Try again in 30 s."}, outcome: OutcomeFailed},
		{name: "rate limit wait rounds up", mutation: true,
			err: fmt.Errorf("mute: %w", &meeting.RateLimitError{RetryAfter: 1200 * time.Millisecond, Route: "POST active-session/mute"}),
			want: ErrorView{Code: CodeRateLimited, RetryAfter: 2 * time.Second,
				Message: "RealtimeKit is rate limiting the bot; nothing was changed. Try again in 2 s."}, outcome: OutcomeFailed},
		{name: "unauthorized read", err: &realtime.APIError{Status: 403, Message: "forbidden", Route: "GET active-session"},
			want:    ErrorView{Code: CodeInternal, Ref: "id1", Message: "Something went wrong on our side: internal error (ref id1). Nothing was changed."},
			outcome: OutcomeFailed}, // an APIError without a kind is not ErrUnauthorized
		{name: "token rejected", err: fmt.Errorf("GET active-session: HTTP 401: %w", meeting.ErrUnauthorized),
			want: unauthorized, outcome: OutcomeFailed},
		{name: "token rejected on mute", mutation: true, err: fmt.Errorf("POST mute: HTTP 403: %w", meeting.ErrUnauthorized),
			want: unauthorized, outcome: OutcomeFailed},
		{name: "read timeout", err: fmt.Errorf("GET active-session: %w", context.DeadlineExceeded),
			want:    ErrorView{Code: CodeTimeout, Message: "RealtimeKit did not answer in time; nothing was changed. Try again in a moment."},
			outcome: OutcomeFailed},
		{name: "mutation timeout", mutation: true, err: fmt.Errorf("POST mute: %w", context.DeadlineExceeded),
			want: ErrorView{Code: CodeTimeout, Message: "RealtimeKit did not answer in time, so the mute may or may not have happened. Check with /meeting status " +
				meetingID + " before trying again."}, outcome: OutcomeFailed},
		{name: "interrupted", err: context.Canceled,
			want:    ErrorView{Code: CodeTimeout, Message: "The bot was interrupted (it may be restarting) before RealtimeKit answered; nothing was changed. Try again in a moment."},
			outcome: OutcomeFailed},
		{name: "upstream 500", err: fmt.Errorf("GET active-session: HTTP 500: %w", meeting.ErrUpstream),
			want:    ErrorView{Code: CodeInternal, Ref: "id1", Message: "Something went wrong on our side: internal error (ref id1). Nothing was changed."},
			outcome: OutcomeFailed},
		{name: "upstream 500 on mute", mutation: true, err: fmt.Errorf("POST mute: HTTP 500: %w", meeting.ErrUpstream),
			want: ErrorView{Code: CodeInternal, Ref: "id1", Message: "Something went wrong on our side: internal error (ref id1). The mute may or may not have happened; check with /meeting status " +
				meetingID + "."}, outcome: OutcomeFailed},
		{name: "meeting not found", err: fmt.Errorf("GET active-session: %w", meeting.ErrMeetingNotFound),
			want: ErrorView{Code: CodeNotFound, Message: "No meeting with ID " + meetingID +
				" in this RealtimeKit app. Check the ID: it is the meeting's UUID (or a room name like abcdef-ghijkl)."}, outcome: OutcomeInvalid},
		{name: "participants left", mutation: true, err: fmt.Errorf("POST mute: HTTP 404: %w", meeting.ErrParticipantNotFound),
			want: ErrorView{Code: CodeNotFound, Message: "At least one of Bob Smith and Carol Jones left the meeting before the mute went through. Run /meeting status " +
				meetingID + " to see who is live, then try again."}, outcome: OutcomeFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var observed Outcome
			e := newEnv(t, func(c *Config) { c.Observe = func(_ string, o Outcome, _ time.Duration) { observed = o } })
			if tt.mutation {
				e.rt.MuteFn = func(context.Context, string, meeting.Targets) ([]meeting.Affected, error) { return nil, tt.err }
			} else {
				e.rt.ActiveSessionFn = func(context.Context, string) (meeting.Session, error) { return meeting.Session{}, tt.err }
			}
			got := errorOf(t, e.run(t.Context(), modID, "mute "+meetingID+" <@UBOB> carol"))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if observed != tt.outcome {
				t.Errorf("observed outcome %s, want %s", observed, tt.outcome)
			}
			entries := e.aud.Entries()
			if tt.mutation {
				if len(entries) != 1 || entries[0].Outcome != OutcomeFailed || entries[0].Detail != tt.want.Message || entries[0].Ref != tt.want.Ref {
					t.Errorf("audit = %+v, want one failure with the message and ref", entries)
				}
			} else if len(entries) != 0 {
				t.Errorf("audit = %+v, want nothing (nothing was attempted)", entries)
			}
		})
	}
}

// TestInternalErrorLogged: the ref shown to the user is in an error-level
// log line with the full error and the request's keys.
func TestInternalErrorLogged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.rt.LiveParticipantsFn = func(context.Context, string) ([]meeting.Participant, error) {
		return nil, &realtime.APIError{Status: 500, Message: "database on fire", Route: "GET active-session/participants"}
	}
	got := errorOf(t, e.svc.Handle(t.Context(), Request{TeamID: teamID, ChannelID: chanID, UserID: modID, Text: "status " + meetingID}))
	if got.Code != CodeInternal || got.Ref == "" || !strings.Contains(got.Message, "internal error (ref "+got.Ref+")") {
		t.Fatalf("got %+v, want an internal error with a ref", got)
	}
	var found map[string]any
	for _, line := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["ref"] == got.Ref {
			found = rec
		}
	}
	if found == nil {
		t.Fatalf("no log line with ref %s in:\n%s", got.Ref, e.logs.String())
	}
	want := map[string]any{
		"level": "ERROR", "msg": "command failed", "ref": got.Ref, "team_id": teamID, "channel_id": chanID, "user_id": modID,
		"command": "status", "meeting_id": meetingID,
		"err": "list live participants of meeting " + meetingID + ": GET active-session/participants: HTTP 500: database on fire",
	}
	delete(found, "time")
	if diff := cmp.Diff(want, found); diff != "" {
		t.Errorf("log line mismatch (-want +got):\n%s", diff)
	}
}

// TestDeadline: a context that has run out gives a timeout message, not
// silence or an internal error.
func TestDeadline(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.rt.ActiveSessionFn = func(ctx context.Context, _ string) (meeting.Session, error) {
		<-ctx.Done()
		return meeting.Session{}, fmt.Errorf("GET active-session: %w", ctx.Err())
	}
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	got := errorOf(t, e.run(ctx, modID, "status "+meetingID))
	if got.Code != CodeTimeout {
		t.Errorf("got %+v, want a timeout", got)
	}
}

func TestUserErrorIsNotWrapped(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("context: %w", invalidf("bad %s", "input"))
	var ue *userError
	if !errors.As(err, &ue) || ue.msg != "bad input" || ue.Error() != "invalid: bad input" {
		t.Errorf("userError through wrapping = %+v", ue)
	}
}

func TestJoinNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"a"}, "a"},
		{[]string{"a", "b"}, "a and b"},
		{[]string{"a", "b", "c"}, "a, b and c"},
	}
	for _, tt := range tests {
		if got := joinNames(tt.in); got != tt.want {
			t.Errorf("joinNames(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
