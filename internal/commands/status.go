package commands

import (
	"context"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/rtkbot/rtkbot/internal/realtime"
)

// snapshot fetches the meeting's active session and, if withParticipants,
// who is live, in parallel. The first error wins (ErrNoActiveSession from
// either call, typically). It sets inv.meetingTitle.
func (s *Service) snapshot(ctx context.Context, inv *invocation, withParticipants bool) (realtime.Session, []realtime.Participant, error) {
	var (
		sess realtime.Session
		live []realtime.Participant
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
		return realtime.Session{}, nil, err
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
	slices.SortStableFunc(live, func(a, b realtime.Participant) int { return a.JoinedAt.Compare(b.JoinedAt) })
	return reply(InChannel, Reply{Status: &StatusView{Session: sess, Participants: live, Now: s.now()}})
}
