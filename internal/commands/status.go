package commands

import (
	"context"
	"fmt"
	"slices"

	"github.com/rtkbot/rtkbot/internal/meeting"
	"golang.org/x/sync/errgroup"
)

// snapshot fetches the meeting's active session and, if withParticipants,
// who is live, in parallel. The first error wins (ErrNoActiveSession from
// either call, typically). It sets inv.meetingTitle.
func (s *Service) snapshot(ctx context.Context, inv *invocation, withParticipants bool) (meeting.Session, []meeting.Participant, error) {
	var (
		sess meeting.Session
		live []meeting.Participant
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		var err error
		sess, err = s.rt.ActiveSession(gctx, inv.meetingID)
		if err != nil {
			return fmt.Errorf("get active session of meeting %s: %w", inv.meetingID, err)
		}
		return nil
	})
	if withParticipants && inv.live != nil {
		live = inv.live // read moments ago, to choose the meeting
	} else if withParticipants {
		g.Go(func() error {
			var err error
			live, err = s.rt.LiveParticipants(gctx, inv.meetingID)
			if err != nil {
				return fmt.Errorf("list live participants of meeting %s: %w", inv.meetingID, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return meeting.Session{}, nil, err
	}
	if sess.MeetingID == "" {
		sess.MeetingID = inv.meetingID
	}
	inv.meetingTitle = sess.MeetingTitle
	return sess, live, nil
}

// runStatus posts the status card to the channel.
func (s *Service) runStatus(ctx context.Context, inv *invocation) result {
	sess, live, err := s.snapshot(ctx, inv, true)
	if err != nil {
		return s.fail(ctx, inv, err)
	}
	// The card lists people in join order; RealtimeKit does not promise one.
	slices.SortStableFunc(live, func(a, b meeting.Participant) int { return a.JoinedAt.Compare(b.JoinedAt) })
	return reply(InChannel, Reply{Status: &StatusView{Session: sess, Participants: live, Now: s.now()}})
}
