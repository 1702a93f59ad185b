package realtime

import (
	"context"
	"errors"
	"fmt"

	"github.com/cloudflare/cloudflare-go/v6/realtime_kit"
	"github.com/rtkbot/rtkbot/internal/meeting"
)

// CreatePoll creates a poll in the meeting's active session. Errors:
// meeting.ErrNoActiveSession, meeting.ErrMeetingNotFound,
// meeting.ErrUnauthorized, *meeting.RateLimitError, meeting.ErrUpstream (all
// wrapped), ctx errors.
//
// Unlike every other call, CreatePoll is not repeated once the request may
// have reached RealtimeKit: a second attempt after a timeout could put two
// identical polls in front of the meeting. It is retried only after a 429
// or when the request provably never left this process; a timeout is
// returned as is, and the poll may or may not exist.
func (c *Client) CreatePoll(ctx context.Context, meetingID, question string, options []string, anonymous, hideVotes bool) (meeting.Poll, error) {
	if err := checkPoll(meetingID, question, options); err != nil {
		return meeting.Poll{}, fmt.Errorf("create poll in meeting %s: %w", meetingID, err)
	}
	x := &call{route: routePoll, policy: once, meetingID: meetingID}
	var params realtime_kit.ActiveSessionNewPollParams
	params.AccountID.Value, params.AccountID.Present = c.accountID, true
	params.Question.Value, params.Question.Present = question, true
	params.Options.Value, params.Options.Present = options, true
	params.Anonymous.Value, params.Anonymous.Present = anonymous, true
	params.HideVotes.Value, params.HideVotes.Present = hideVotes, true
	res, err := c.rtk.ActiveSession.NewPoll(ctx, c.appID, meetingID, params, c.opts(x)...)
	if err = c.classify(x, err); err != nil {
		return meeting.Poll{}, fmt.Errorf("create poll in meeting %s: %w", meetingID, err)
	}
	p := res.Data.Poll
	poll := meeting.Poll{
		ID:        p.ID,
		Question:  p.Question,
		Options:   make([]meeting.PollOption, 0, len(p.Options)),
		Anonymous: p.Anonymous,
		HideVotes: p.HideVotes,
		CreatedBy: p.CreatedBy,
	}
	for _, o := range p.Options {
		poll.Options = append(poll.Options, meeting.PollOption{Text: o.Text, Votes: int(o.Count)})
	}
	return poll, nil
}

func checkPoll(meetingID, question string, options []string) error {
	if err := checkID("meeting", meetingID); err != nil {
		return err
	}
	if question == "" {
		return errors.New("empty question")
	}
	if len(options) == 0 {
		return errors.New("no options")
	}
	return nil
}
