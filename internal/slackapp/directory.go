package slackapp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/rtkbot/rtkbot/internal/commands"
)

// The Web API client must serve the core's directory port.
var _ commands.Directory = (*Directory)(nil)

// maxRateLimitWait caps a wait for Slack's Retry-After when the caller set
// no deadline; Slack's tier limits ask for seconds, not minutes.
const maxRateLimitWait = 30 * time.Second

// Directory looks workspace members and user groups up with users.info
// and usergroups.users.list. It caches nothing: the core decides what may
// be cached and for how long.
type Directory struct {
	api *slack.Client
}

// NewDirectory returns a Directory that calls Slack through api, which
// must carry the bot token (scopes users:read, users:read.email,
// usergroups:read).
func NewDirectory(api *slack.Client) *Directory {
	return &Directory{api: api}
}

// User returns the member with that ID (users.info). Errors are Slack's
// (for example user_not_found), wrapped, or a *slack.RateLimitedError when
// Slack asks for a longer wait than ctx allows.
func (d *Directory) User(ctx context.Context, userID string) (commands.User, error) {
	var u *slack.User
	err := retryRateLimited(ctx, func() error {
		var err error
		u, err = d.api.GetUserInfoContext(ctx, userID)
		return err
	})
	if err != nil {
		return commands.User{}, fmt.Errorf("users.info %s: %w", userID, err)
	}
	return commands.User{
		ID:          u.ID,
		Name:        u.Name,
		DisplayName: u.Profile.DisplayName,
		RealName:    firstNonEmpty(u.RealName, u.Profile.RealName),
		Email:       u.Profile.Email,
		IsAdmin:     u.IsAdmin,
		IsOwner:     u.IsOwner || u.IsPrimaryOwner,
	}, nil
}

// GroupMembers returns the user IDs in a user group
// (usergroups.users.list). Errors are as for User.
func (d *Directory) GroupMembers(ctx context.Context, groupID string) ([]string, error) {
	var ids []string
	err := retryRateLimited(ctx, func() error {
		var err error
		ids, err = d.api.GetUserGroupMembersContext(ctx, groupID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("usergroups.users.list %s: %w", groupID, err)
	}
	return ids, nil
}

// retryRateLimited calls call and, if Slack answers 429, waits the asked
// Retry-After and calls it once more, unless the wait would outlast ctx's
// deadline (then the *slack.RateLimitedError is returned at once, so the
// core can say how long to wait).
func retryRateLimited(ctx context.Context, call func() error) error {
	err := call()
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) {
		return err
	}
	wait := rl.RetryAfter
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
		return err
	}
	if wait > maxRateLimitWait {
		return err
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return err
	case <-t.C:
	}
	return call()
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
