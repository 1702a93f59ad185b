package slackapp

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
		id = Identity{TeamID: at.TeamID, EnterpriseID: at.EnterpriseID, BotUserID: at.UserID, BotID: at.BotID}
		// The app ID only narrows the check, so not learning it is no
		// reason to stay down: bots.info, else the app-level token, which
		// names its app (xapp-<version>-<app ID>-…).
		if bot, err := l.api.GetBotInfoContext(ctx, slack.GetBotInfoParameters{Bot: at.BotID}); err == nil {
			id.AppID = bot.AppID
		} else {
			l.log.Warn("slack bots.info failed; taking the app ID from the app-level token", "err", err)
		}
		if id.AppID == "" {
			id.AppID = appIDFromToken(l.cfg.AppToken.Reveal())
		}
		if id.TeamID == "" || id.AppID == "" {
			l.log.Warn("slack did not say which workspace or app the bot is; envelopes are checked only against what it said",
				"team_id", id.TeamID, "app_id", id.AppID)
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
// only tests run a listener that way. A field that either side leaves
// empty is not compared: Slack fills all three in every envelope, and the
// bot learns its team from auth.test and its app from bots.info or its
// app-level token.
func (l *Listener) foreign(team, enterprise, app string) string {
	id := l.identity.Load()
	differ := func(got, want string) bool { return got != "" && want != "" && got != want }
	switch {
	case id == nil:
		return ""
	case differ(team, id.TeamID):
		return "other_team"
	case differ(app, id.AppID):
		return "other_app"
	case enterprise != "" && enterprise != id.EnterpriseID:
		return "other_enterprise"
	}
	return ""
}

// appIDFromToken is the app ID an app-level token names
// (xapp-1-A0123ABCD-…), or "".
func appIDFromToken(token string) string {
	parts := strings.Split(token, "-")
	if len(parts) >= 3 && parts[0] == "xapp" && strings.HasPrefix(parts[2], "A") {
		return parts[2]
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
