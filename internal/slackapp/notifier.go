package slackapp

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/rtkbot/rtkbot/internal/commands"
)

// Notifier posts the messages the bot sends on its own initiative, not as
// the answer to a command (commands.Notification), such as what became of
// a kick cut short by a crash.
type Notifier struct {
	api *slack.Client
}

// NewNotifier returns a Notifier that posts through api, which must carry
// the bot token (scope chat:write).
func NewNotifier(api *slack.Client) *Notifier {
	return &Notifier{api: api}
}

// Notify renders n.Reply and posts it to n.UserID alone in n.ChannelID
// (chat.postEphemeral), waiting out one 429 as the Directory does. Errors
// are Slack's, wrapped, or a *slack.RateLimitedError when Slack asks for a
// longer wait than ctx allows.
func (p *Notifier) Notify(ctx context.Context, n commands.Notification) error {
	msg := Render(n.Reply)
	opts := []slack.MsgOption{slack.MsgOptionText(msg.Text, false)}
	if len(msg.Blocks.BlockSet) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(msg.Blocks.BlockSet...))
	}
	err := retryRateLimited(ctx, func() error {
		_, err := p.api.PostEphemeralContext(ctx, n.ChannelID, n.UserID, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("chat.postEphemeral: %w", err)
	}
	return nil
}
