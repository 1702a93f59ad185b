package app

import (
	"context"
	"time"

	"github.com/rtkbot/rtkbot/internal/commands"
)

// How long finished rows are kept. Deliveries must outlive Slack's
// redelivery window (minutes); confirmations are kept a day for support.
const (
	deliveryRetention     = 6 * time.Hour
	inboxRetention        = time.Hour // a response_url lasts 30 minutes
	confirmationRetention = 24 * time.Hour
	// refusalRetention: who was refused what, for throttling their next
	// refusals (a minute); refusals held back by then go uncounted in the
	// audit log (the metric has them).
	refusalRetention  = time.Hour
	auditWriteTimeout = 5 * time.Second
)

// maintain runs until ctx is done: at start and then every interval it tells
// requesters about kicks cut short by a crash, and prunes old rows.
func (a *App) maintain(ctx context.Context) {
	t := time.NewTicker(a.maintenance)
	defer t.Stop()
	for {
		a.recoverInterrupted(ctx)
		a.prune(ctx)
		a.log.Debug("maintenance pass done") // tests wait on it
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// recoverInterrupted finds confirmations left "executing" by a replica that
// died between the click and the end of the kick. Finish moves each to done
// exactly once across replicas; only the replica whose Finish succeeds tells
// the requester, so they hear it once.
func (a *App) recoverInterrupted(ctx context.Context) {
	stuck, err := a.store.ExecutingConfirmations(ctx, a.now().Add(-a.stuckAfter))
	if err != nil {
		if ctx.Err() == nil {
			a.log.Error("list interrupted confirmations", "err", err)
		}
		return
	}
	var mine []commands.Confirmation
	for _, c := range stuck {
		if err := a.store.Finish(ctx, c.ID, commands.OutcomeFailed); err != nil {
			continue // another replica got it first
		}
		mine = append(mine, c)
	}
	for _, n := range a.core.RecoverInterrupted(ctx, mine) {
		if err := a.notifier.Notify(ctx, n); err != nil {
			a.log.Error("tell requester about an interrupted kick", "err", err,
				"team_id", n.TeamID, "channel_id", n.ChannelID, "user_id", n.UserID)
		}
	}
}

func (a *App) prune(ctx context.Context) {
	now := a.now()
	if n, err := a.store.PruneAudit(ctx, now.Add(-a.retention)); err != nil {
		a.logPrune(ctx, "audit", err)
	} else if n > 0 {
		a.log.Info("pruned audit entries", "count", n)
	}
	if _, err := a.store.PruneConfirmations(ctx, now.Add(-confirmationRetention)); err != nil {
		a.logPrune(ctx, "confirmations", err)
	}
	if _, err := a.store.PruneDeliveries(ctx, now.Add(-deliveryRetention)); err != nil {
		a.logPrune(ctx, "deliveries", err)
	}
	if _, err := a.store.PruneInbox(ctx, now.Add(-inboxRetention)); err != nil {
		a.logPrune(ctx, "inbox", err)
	}
	if _, err := a.store.PruneRefusals(ctx, now.Add(-refusalRetention)); err != nil {
		a.logPrune(ctx, "refusal counts", err)
	}
}

func (a *App) logPrune(ctx context.Context, what string, err error) {
	if ctx.Err() == nil {
		a.log.Warn("prune "+what, "err", err)
	}
}
