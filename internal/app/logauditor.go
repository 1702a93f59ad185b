package app

import (
	"context"
	"log/slog"

	"github.com/rtkbot/rtkbot/internal/commands"
)

// logAuditor logs every change the bot made or attempted at info, so the
// log alone answers "who muted whom, where, and did it work" without the
// database. Refusals are left out: the command core logs them as they
// happen, and they change nothing.
type logAuditor struct{ log *slog.Logger }

func (a logAuditor) Record(ctx context.Context, e commands.AuditEntry) {
	if e.Outcome == commands.OutcomeRefused {
		return
	}
	msg := "meeting changed"
	if e.Outcome != commands.OutcomeOK {
		msg = "meeting change failed"
	}
	attrs := []any{
		slog.String("team_id", e.TeamID), slog.String("channel_id", e.ChannelID),
		slog.String("user_id", e.UserID), slog.String("command", e.Verb),
		slog.String("meeting_id", e.MeetingID), slog.Any("targets", e.Targets),
		slog.String("outcome", string(e.Outcome)), slog.String("detail", e.Detail),
	}
	if e.Ref != "" {
		attrs = append(attrs, slog.String("ref", e.Ref))
	}
	a.log.InfoContext(ctx, msg, attrs...)
}
