package app

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/rtkbot/rtkbot/internal/config"
	"github.com/rtkbot/rtkbot/internal/meeting"
	"github.com/rtkbot/rtkbot/internal/realtime"
	"github.com/rtkbot/rtkbot/internal/slackapp"
)

// probeMeetingID is the meeting the RealtimeKit check asks for: no meeting
// has it, so the answer is a cheap 404 when the token is good and a 401 or
// 403 when it is not.
const probeMeetingID = "00000000-0000-0000-0000-000000000000"

// Backoff between rounds of credential checks that could not reach Slack
// or Cloudflare.
const (
	firstCheckBackoff = 500 * time.Millisecond
	maxCheckBackoff   = 30 * time.Second
)

// credentialCheck checks one service's tokens once. It returns nil when
// they work, problems (for a *config.Error) when the service refused
// them, or an error worth retrying.
type credentialCheck struct {
	service string
	run     func(ctx context.Context) (problems []string, err error)
}

// checkCredentials asks Slack and RealtimeKit whether the tokens work
// before the bot takes any command: a wrong token used to surface only at
// the first command, as "internal error". A refused token is a
// *config.Error naming the variable and the fix. A service that cannot be
// reached is not a bad token: its check is retried with backoff (while
// /readyz says 503) until it answers or ctx ends, in which case the
// error is ctx's.
func (a *App) checkCredentials(ctx context.Context) error {
	pending := []credentialCheck{
		{service: "Slack", run: a.checkSlack},
		{service: "RealtimeKit", run: a.checkRealtime},
	}
	backoff := firstCheckBackoff
	for {
		problems := make([][]string, len(pending))
		errs := make([]error, len(pending))
		var wg sync.WaitGroup
		for i, c := range pending {
			wg.Go(func() { problems[i], errs[i] = c.run(ctx) })
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return err
		}
		var refused []string
		var retry []credentialCheck
		for i, c := range pending {
			refused = append(refused, problems[i]...)
			if errs[i] != nil {
				a.log.Warn("cannot check the "+c.service+" tokens; retrying (not ready until then)",
					"err", errs[i], "backoff", backoff)
				retry = append(retry, c)
			}
		}
		if len(refused) > 0 {
			return &config.Error{Problems: refused}
		}
		if len(retry) == 0 {
			return nil
		}
		pending = retry
		t := time.NewTimer(backoff + rand.N(backoff/4))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(2*backoff, maxCheckBackoff)
	}
}

// checkSlack checks both Slack tokens and, through the listener, learns
// which workspace and app the bot is.
func (a *App) checkSlack(ctx context.Context) ([]string, error) {
	id, err := a.listener.Verify(ctx)
	if err == nil {
		a.log.Info("Slack accepted the tokens", "team_id", id.TeamID, "enterprise_id", id.EnterpriseID,
			"app_id", id.AppID, "bot_user_id", id.BotUserID)
		return nil, nil
	}
	var problems []string
	var other []error
	for _, e := range flatten(err) {
		var te *slackapp.TokenError
		if !errors.As(e, &te) {
			other = append(other, e)
			continue
		}
		problems = append(problems, slackTokenProblem(te))
	}
	if len(problems) > 0 {
		return problems, nil
	}
	return nil, errors.Join(other...)
}

func slackTokenProblem(te *slackapp.TokenError) string {
	switch {
	case te.Token == slackapp.TokenApp:
		return fmt.Sprintf("SLACK_APP_TOKEN: Slack refused it (%s: %s). Generate an app-level token with the "+
			"connections:write scope (app settings → Basic Information → App-Level Tokens) and make sure Socket Mode is on", te.Method, te.Code)
	case te.Code == "missing_scope":
		return fmt.Sprintf("SLACK_BOT_TOKEN: the token lacks a scope the bot needs (%s: %s). "+
			"Add the scopes listed in manifest.yml and reinstall the app to the workspace", te.Method, te.Code)
	default:
		return fmt.Sprintf("SLACK_BOT_TOKEN: Slack refused it (%s: %s). Copy the Bot User OAuth Token (xoxb-…) "+
			"from the app's OAuth & Permissions page; after a reinstall or a revocation the old one no longer works", te.Method, te.Code)
	}
}

// checkRealtime makes one cheap RealtimeKit read with the API token.
func (a *App) checkRealtime(ctx context.Context) ([]string, error) {
	_, err := a.rtk.Meeting(ctx, probeMeetingID)
	var apiErr *realtime.APIError
	switch {
	case err == nil || errors.Is(err, meeting.ErrMeetingNotFound):
		a.log.Info("Cloudflare accepted the API token")
		return nil, nil
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized:
		return []string{"CLOUDFLARE_API_TOKEN: Cloudflare refused it (HTTP 401). Create an API token with the " +
			"Realtime Admin permission (Cloudflare dashboard → My Profile → API Tokens) and set it here"}, nil
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusForbidden:
		return []string{"CLOUDFLARE_API_TOKEN: Cloudflare refused it for this account and app (HTTP 403). Give the " +
			"token the Realtime Admin permission on the account, and check CLOUDFLARE_ACCOUNT_ID and REALTIMEKIT_APP_ID"}, nil
	case errors.As(err, &apiErr) && apiErr.Status != 0:
		// Any other answer means Cloudflare took the token; what went
		// wrong will show on the commands that meet it, with its status.
		a.log.Warn("Cloudflare answered the start-up check unexpectedly; going on", "status", apiErr.Status, "err", err)
		return nil, nil
	}
	var rl *meeting.RateLimitError
	if errors.As(err, &rl) {
		return nil, nil // rate limited: the token was taken
	}
	return nil, err
}

// flatten lists the errors joined in err (errors.Join), or err alone.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
