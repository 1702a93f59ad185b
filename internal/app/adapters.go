package app

import (
	"context"
	"errors"
	"log/slog"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/store"
)

// storeLinks adapts the store's channel links to the core's Links port.
type storeLinks struct{ s store.Store }

func (l storeLinks) Link(ctx context.Context, teamID, channelID, meetingID, title, by string) error {
	return l.s.LinkChannel(ctx, teamID, channelID, meetingID, title, by)
}

func (l storeLinks) Linked(ctx context.Context, teamID, channelID string) (commands.ChannelLink, bool, error) {
	return toLink(l.s.ChannelLink(ctx, teamID, channelID))
}

func (l storeLinks) Unlink(ctx context.Context, teamID, channelID string) (commands.ChannelLink, bool, error) {
	return toLink(l.s.UnlinkChannel(ctx, teamID, channelID))
}

func toLink(k store.Link, err error) (commands.ChannelLink, bool, error) {
	if errors.Is(err, store.ErrNotFound) {
		return commands.ChannelLink{}, false, nil
	}
	if err != nil {
		return commands.ChannelLink{}, false, err
	}
	return commands.ChannelLink{MeetingID: k.MeetingID, MeetingTitle: k.MeetingTitle, LinkedBy: k.LinkedBy, LinkedAt: k.LinkedAt}, true, nil
}

// storeAuditor writes every audit entry to the database before the command
// answers, so no acknowledged action's row is lost to a crash.
type storeAuditor struct {
	s   store.Store
	log *slog.Logger
}

func (a storeAuditor) Record(ctx context.Context, e commands.AuditEntry) {
	// The command's own deadline may be nearly spent; the row matters more.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditWriteTimeout)
	defer cancel()
	if err := a.s.RecordAudit(ctx, e); err != nil {
		a.log.Error("write audit entry", "err", err, "ref", e.Ref, "team_id", e.TeamID,
			"channel_id", e.ChannelID, "user_id", e.UserID, "command", e.Verb, "meeting_id", e.MeetingID,
			"outcome", e.Outcome)
	}
}

// multiAuditor fans an entry out to several auditors, in order.
type multiAuditor []commands.Auditor

func (m multiAuditor) Record(ctx context.Context, e commands.AuditEntry) {
	for _, a := range m {
		a.Record(ctx, e)
	}
}
