package realtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cloudflare/cloudflare-go/v6/realtime_kit"
	"github.com/rtkbot/rtkbot/internal/meeting"
)

// Meeting returns the meeting's title and status. Errors:
// meeting.ErrMeetingNotFound, meeting.ErrUnauthorized, *meeting.RateLimitError,
// meeting.ErrUpstream (all wrapped), ctx errors.
func (c *Client) Meeting(ctx context.Context, meetingID string) (meeting.Meeting, error) {
	m, err := c.meeting(ctx, meetingID)
	if err != nil {
		return meeting.Meeting{}, fmt.Errorf("get meeting %s: %w", meetingID, err)
	}
	return m, nil
}

func (c *Client) meeting(ctx context.Context, meetingID string) (meeting.Meeting, error) {
	if err := checkID("meeting", meetingID); err != nil {
		return meeting.Meeting{}, err
	}
	return cachedRead(ctx, c.cache, readMeeting, meetingID, func(ctx context.Context) (meeting.Meeting, error) {
		x := &call{route: routeMeeting, meetingID: meetingID}
		var params realtime_kit.MeetingGetMeetingByIDParams
		params.AccountID.Value, params.AccountID.Present = c.accountID, true
		res, err := c.rtk.Meetings.GetMeetingByID(ctx, c.appID, meetingID, params, c.opts(x)...)
		if err = c.classify(x, err); err != nil {
			return meeting.Meeting{}, err
		}
		m := meeting.Meeting{ID: res.Data.ID, Title: res.Data.Title, Status: string(res.Data.Status)}
		if m.ID == "" {
			m.ID = meetingID
		}
		return m, nil
	})
}

// ActiveSession returns the meeting's session in progress. Errors:
// meeting.ErrNoActiveSession (the meeting exists but nobody is in it),
// meeting.ErrMeetingNotFound, meeting.ErrUnauthorized, *meeting.RateLimitError,
// meeting.ErrUpstream (all wrapped), ctx errors.
func (c *Client) ActiveSession(ctx context.Context, meetingID string) (meeting.Session, error) {
	s, err := c.activeSession(ctx, meetingID)
	if err != nil {
		return meeting.Session{}, fmt.Errorf("get active session of meeting %s: %w", meetingID, err)
	}
	return s, nil
}

func (c *Client) activeSession(ctx context.Context, meetingID string) (meeting.Session, error) {
	if err := checkID("meeting", meetingID); err != nil {
		return meeting.Session{}, err
	}
	return cachedRead(ctx, c.cache, readActiveSession, meetingID, func(ctx context.Context) (meeting.Session, error) {
		x := &call{route: routeActiveSession, meetingID: meetingID}
		var params realtime_kit.ActiveSessionGetActiveSessionParams
		params.AccountID.Value, params.AccountID.Present = c.accountID, true
		res, err := c.rtk.ActiveSession.GetActiveSession(ctx, c.appID, meetingID, params, c.opts(x)...)
		if err = c.classify(x, err); err != nil {
			if errors.Is(err, meeting.ErrNoActiveSession) {
				return meeting.Session{}, c.whyNoSession(ctx, meetingID, err)
			}
			return meeting.Session{}, err
		}
		d := res.Data
		if d.ID == "" {
			return meeting.Session{}, &APIError{Status: x.status, Route: routeActiveSession.String(),
				Message: "active session without an id", kind: meeting.ErrUpstream}
		}
		s := meeting.Session{
			ID:               d.ID,
			MeetingID:        meetingID,
			MeetingTitle:     d.MeetingDisplayName,
			Status:           string(d.Status),
			LiveParticipants: int(d.LiveParticipants),
			PeakParticipants: int(d.MaxConcurrentParticipants),
			MinutesConsumed:  d.MinutesConsumed,
			StartedAt:        parseTime(d.StartedAt),
			EndedAt:          parseTime(d.EndedAt),
		}
		if s.MeetingTitle == "" {
			// The status card needs a title; the meeting has it (and is
			// cached, so this costs at most one request per TTL).
			if m, err := c.meeting(ctx, meetingID); err == nil {
				s.MeetingTitle = m.Title
			}
		}
		return s, nil
	})
}

// whyNoSession tells "no such meeting" from "nobody in it" after a 404 on
// active-session. RealtimeKit answers both with a 404 whose message names
// the meeting ID either way, so the message alone cannot be trusted: ask for
// the meeting itself. If that says the meeting does not exist, that is the
// answer; otherwise (found, or the check failed) the original
// meeting.ErrNoActiveSession stands.
func (c *Client) whyNoSession(ctx context.Context, meetingID string, noSession error) error {
	_, err := c.meeting(ctx, meetingID)
	if errors.Is(err, meeting.ErrMeetingNotFound) {
		return err
	}
	return noSession
}

// parseTime reads RealtimeKit's ISO 8601 timestamps. Missing or malformed
// values (the API has been seen to send the string "null") become the zero
// time rather than failing the whole answer.
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
