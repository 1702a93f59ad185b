package app

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/slackapp"
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

// toLink turns the store's ErrNotFound into the port's found = false.
func toLink(k commands.ChannelLink, err error) (commands.ChannelLink, bool, error) {
	if errors.Is(err, store.ErrNotFound) {
		return commands.ChannelLink{}, false, nil
	}
	return k, err == nil, err
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

// storeInbox adapts the store's inbox to the listener's Inbox port.
type storeInbox struct{ s store.Store }

func (i storeInbox) WriteInbox(ctx context.Context, add []slackapp.InboxItem, done []string, now time.Time) ([]bool, error) {
	items := make([]store.InboxItem, len(add))
	for k, it := range add {
		items[k] = store.InboxItem(it)
	}
	return i.s.WriteInbox(ctx, items, done, now)
}

func (i storeInbox) Heartbeat(ctx context.Context, replica string, now time.Time) error {
	return i.s.Heartbeat(ctx, replica, now)
}

func (i storeInbox) RetireReplica(ctx context.Context, replica string) error {
	return i.s.RetireReplica(ctx, replica)
}

func (i storeInbox) OrphanedInbox(ctx context.Context, self string, aliveAfter, receivedAfter time.Time, limit int) ([]slackapp.InboxItem, error) {
	items, err := i.s.OrphanedInbox(ctx, self, aliveAfter, receivedAfter, limit)
	out := make([]slackapp.InboxItem, len(items))
	for k, it := range items {
		out[k] = slackapp.InboxItem(it)
	}
	return out, err
}

func (i storeInbox) AdoptInbox(ctx context.Context, id, from, to string) (bool, error) {
	return i.s.AdoptInbox(ctx, id, from, to)
}
