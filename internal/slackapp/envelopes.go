// envelopes.go holds what a slash command or click envelope becomes once
// dispatch (listener.go) has it: the checks that it is ours, the request or
// click for the core, and the choice between the three concurrency paths:
// a worker slot (workers.go), a busy answer (busy.go), and recording it in
// the inbox before the ack (inbox.go). It is separate from listener.go so
// that the socket's lifecycle and the fate of one delivery read apart.

package slackapp

import (
	"context"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/rtkbot/rtkbot/internal/commands"
)

// onSlashCommand acks a /meeting invocation and starts it on a worker.
// With every worker taken it answers "busy" in the ack itself, which
// Slack shows to the user like a response: no extra I/O for a bot that is
// already overloaded.
func (l *Listener) onSlashCommand(ctx, work context.Context, req *socketmode.Request, received time.Time, cmd slack.SlashCommand) {
	if l.ignoreForeign(ctx, req, received, cmd.TeamID, cmd.EnterpriseID, cmd.APIAppID, cmd.UserID) {
		return
	}
	log := l.log.With("team_id", cmd.TeamID, "channel_id", cmd.ChannelID,
		"user_id", cmd.UserID, "command", commandLabel(cmd.Text))
	if cmd.Command != SlashCommand {
		_ = l.ack(ctx, req, received, nil)
		log.Warn("ignoring a slash command this app does not register", "slash_command", cmd.Command)
		return
	}
	if req.RetryAttempt > 0 {
		log.Info("Slack redelivered a command", "retry_attempt", req.RetryAttempt, "retry_reason", req.RetryReason)
	}
	slot := l.trySlot()
	if slot == noSlot {
		l.metrics.Busy()
		if l.ack(ctx, req, received, newResponseMessage(BusyMessage())) == nil {
			log.Warn("every worker and queue place busy; told the user to try again", "max_concurrent", l.cfg.MaxConcurrent)
		}
		return
	}
	r := commands.Request{
		TeamID:     cmd.TeamID,
		ChannelID:  cmd.ChannelID,
		UserID:     cmd.UserID,
		UserName:   cmd.UserName,
		Text:       cmd.Text,
		EnvelopeID: req.EnvelopeID,
		TriggerID:  cmd.TriggerID,
	}
	p := inboxPayload{Command: &r, ResponseURL: cmd.ResponseURL}
	if l.inbox != nil {
		l.accept(ctx, work, log, req, received, slot, p)
		return
	}
	if l.ack(ctx, req, received, nil) != nil {
		l.release(slot) // not acked, so not ours: Slack redelivers it
		return
	}
	l.start(work, log, slot, cmd.ResponseURL, "", p.call(l.cfg.Handler))
}

// onInteraction acks a button click and, if it is one of the confirmation
// prompt's buttons, starts it on a worker. Busy clicks are told so through
// the response_url, as a new ephemeral message that leaves the prompt in
// place for another try.
func (l *Listener) onInteraction(ctx, work context.Context, req *socketmode.Request, received time.Time, cb slack.InteractionCallback) {
	if l.ignoreForeign(ctx, req, received, cb.Team.ID, cb.Enterprise.ID, cb.APIAppID, cb.User.ID) {
		return
	}
	click, ok := clickFrom(cb, req.EnvelopeID)
	if !ok {
		_ = l.ack(ctx, req, received, nil)
		l.log.Debug("ignoring interaction", "interaction_type", string(cb.Type))
		return
	}
	verb := "cancel"
	if click.Approve {
		verb = "confirm"
	}
	log := l.log.With("team_id", click.TeamID, "channel_id", click.ChannelID,
		"user_id", click.UserID, "command", verb)
	slot := l.trySlot()
	if slot == noSlot {
		if l.ack(ctx, req, received, nil) != nil {
			return
		}
		l.metrics.Busy()
		log.Warn("every worker and queue place busy; telling the user to try again", "max_concurrent", l.cfg.MaxConcurrent)
		l.postBusy(work, log, cb.ResponseURL)
		return
	}
	p := inboxPayload{Click: &click, ResponseURL: cb.ResponseURL}
	if l.inbox != nil {
		l.accept(ctx, work, log, req, received, slot, p)
		return
	}
	if l.ack(ctx, req, received, nil) != nil {
		l.release(slot)
		return
	}
	l.start(work, log, slot, cb.ResponseURL, "", p.call(l.cfg.Handler))
}

// clickFrom finds a confirmation button press in an interaction payload.
func clickFrom(cb slack.InteractionCallback, envelopeID string) (commands.Click, bool) {
	if cb.Type != slack.InteractionTypeBlockActions {
		return commands.Click{}, false
	}
	for _, a := range cb.ActionCallback.BlockActions {
		if a == nil || (a.ActionID != ActionConfirm && a.ActionID != ActionCancel) {
			continue
		}
		channel := cb.Channel.ID
		if channel == "" {
			channel = cb.Container.ChannelID
		}
		return commands.Click{
			TeamID:         cb.Team.ID,
			ChannelID:      channel,
			UserID:         cb.User.ID,
			ConfirmationID: a.Value,
			Approve:        a.ActionID == ActionConfirm,
			EnvelopeID:     envelopeID,
			TriggerID:      cb.TriggerID,
		}, true
	}
	return commands.Click{}, false
}

// commandLabel is the first word of a command's text, for logs: enough to
// tell verbs apart, bounded so a pasted essay stays out of the log line.
func commandLabel(text string) string {
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return SlashCommand
	}
	w := fields[0]
	if len(w) > 32 {
		w = strings.ToValidUTF8(w[:32], "") + "…"
	}
	return SlashCommand + " " + w
}
