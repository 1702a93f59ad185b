package slackapp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// Identity is who the bot is in Slack: its workspace, its Enterprise Grid
// org (if any) and its app. Envelopes naming anything else are not for it.
type Identity struct {
	TeamID       string
	EnterpriseID string // empty outside Enterprise Grid
	AppID        string
	BotUserID    string
	BotID        string
}

// TokenError is Slack refusing one of the bot's tokens: retrying cannot
// help, a person has to fix the token.
type TokenError struct {
	Token  string // TokenBot or TokenApp
	Method string // the Web API method that refused it
	Code   string // Slack's error code, e.g. "invalid_auth"
}

// The tokens a TokenError can name.
const (
	TokenBot = "bot" // xoxb-…, Config.BotToken
	TokenApp = "app" // xapp-…, Config.AppToken
)

func (e *TokenError) Error() string {
	return fmt.Sprintf("slack %s refused the %s token: %s", e.Method, e.Token, e.Code)
}

// refusals are the error codes that mean the token itself is wrong (or
// lacks a scope), as opposed to Slack having trouble.
var refusals = map[string]bool{
	"invalid_auth":           true,
	"not_authed":             true,
	"account_inactive":       true,
	"token_revoked":          true,
	"token_expired":          true,
	"not_allowed_token_type": true,
	"missing_scope":          true,
}

// Verify checks both tokens with Slack and learns the bot's identity:
// auth.test for the bot token (workspace, org, bot), bots.info for the app
// ID (auth.test does not say it) and apps.connections.open for the app
// token, whose one-time URL is left to expire. A token Slack refuses is a
// *TokenError (both tokens refused: two, joined by errors.Join); anything else (network, rate limit, Slack's own errors) is
// worth retrying. From then on the listener ignores envelopes of other
// workspaces, orgs and apps. Call it before Run.
func (l *Listener) Verify(ctx context.Context) (Identity, error) {
	// Both tokens are checked even if one is refused, so that an operator
	// who got both wrong hears of both at once.
	var id Identity
	botErr := func() error {
		at, err := l.api.AuthTestContext(ctx)
		if err != nil {
			return tokenError(TokenBot, "auth.test", err)
		}
		bot, err := l.api.GetBotInfoContext(ctx, slack.GetBotInfoParameters{Bot: at.BotID})
		if err != nil {
			return tokenError(TokenBot, "bots.info", err)
		}
		id = Identity{TeamID: at.TeamID, EnterpriseID: at.EnterpriseID, AppID: bot.AppID, BotUserID: at.UserID, BotID: at.BotID}
		if id.TeamID == "" || id.AppID == "" {
			return fmt.Errorf("slack auth.test and bots.info named no team or app (team %q, app %q)", id.TeamID, id.AppID)
		}
		return nil
	}()
	var appErr error
	if _, _, err := l.api.StartSocketModeContext(ctx); err != nil {
		appErr = tokenError(TokenApp, "apps.connections.open", err)
	}
	if err := errors.Join(botErr, appErr); err != nil {
		return Identity{}, err
	}
	l.identity.Store(&id)
	return id, nil
}

func tokenError(token, method string, err error) error {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && refusals[se.Err] {
		return &TokenError{Token: token, Method: method, Code: se.Err}
	}
	return fmt.Errorf("slack %s: %w", method, err)
}

// foreign says why an envelope from team, enterprise and app is not for
// this bot, or "" if it is. Before Verify every envelope is accepted:
// only tests run a listener that way.
func (l *Listener) foreign(team, enterprise, app string) string {
	id := l.identity.Load()
	switch {
	case id == nil:
		return ""
	case team != id.TeamID:
		return "other_team"
	case app != id.AppID:
		return "other_app"
	case enterprise != "" && enterprise != id.EnterpriseID:
		return "other_enterprise"
	}
	return ""
}

// ignoreForeign acks and drops an envelope of another workspace, org or
// app, reporting whether it did. Slack only sends an app the envelopes of
// its installations, so one naming another team is a misrouted or forged
// delivery: acting on it would let a "moderator" of another workspace (a
// user ID is not unique across them) run commands here.
func (l *Listener) ignoreForeign(ctx context.Context, req *socketmode.Request, received time.Time, team, enterprise, app, user string) bool {
	reason := l.foreign(team, enterprise, app)
	if reason == "" {
		return false
	}
	_ = l.ack(ctx, req, received, nil)
	l.metrics.Ignored(reason)
	l.log.Warn("ignoring an envelope from another workspace or app",
		"reason", reason, "envelope_type", req.Type, "team_id", team, "enterprise_id", enterprise,
		"api_app_id", app, "user_id", user, "envelope_id", req.EnvelopeID)
	return true
}
