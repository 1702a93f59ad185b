package commands

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// adminCacheTTL is how long a user's admin/owner flag is trusted. Short:
// demoting an admin should take effect quickly, and users.info is cheap.
const adminCacheTTL = time.Minute

// authorizer decides who is a moderator. It fails closed: when a lookup it
// needs fails, the answer is no, never a stale or optimistic yes.
type authorizer struct {
	dir      Directory
	users    map[string]bool
	groups   []string
	admins   bool
	groupTTL time.Duration
	now      func() time.Time
	log      *slog.Logger

	// flight merges concurrent lookups of the same group or user, so a
	// burst of commands after the cache expires costs one Slack call
	// (usergroups.users.list allows about 20 a minute).
	flight singleflight.Group

	mu         sync.Mutex
	groupCache map[string]cachedGroup
	adminCache map[string]cachedAdmin
}

type cachedGroup struct {
	members map[string]bool
	at      time.Time
}

type cachedAdmin struct {
	admin bool
	at    time.Time
}

func newAuthorizer(dir Directory, users, groups []string, admins bool, groupTTL time.Duration, now func() time.Time, log *slog.Logger) *authorizer {
	a := &authorizer{
		dir:        dir,
		users:      make(map[string]bool),
		admins:     admins,
		groupTTL:   groupTTL,
		now:        now,
		log:        log,
		groupCache: make(map[string]cachedGroup),
		adminCache: make(map[string]cachedAdmin),
	}
	for _, u := range users {
		if u = strings.TrimSpace(u); u != "" {
			a.users[u] = true
		}
	}
	for _, g := range groups {
		if g = strings.TrimSpace(g); g != "" {
			a.groups = append(a.groups, g)
		}
	}
	return a
}

func (a *authorizer) configured() bool {
	return len(a.users) > 0 || len(a.groups) > 0 || a.admins
}

// check reports whether userID may run moderator verbs. When not, reason
// tells the user why, and what would change it. Sources are tried from the
// cheapest: the configured list, then groups, then the admin flag; any yes
// wins, but a failed lookup with no yes elsewhere is a no.
func (a *authorizer) check(ctx context.Context, userID, verb string) (ok bool, reason string) {
	if !a.configured() {
		return false, fmt.Sprintf("Moderation is not set up, so nobody can run %s %s yet. Whoever runs the bot can name moderators with "+
			"BOT_MODERATORS (Slack user IDs), BOT_MODERATOR_GROUPS (user group IDs) or BOT_ADMINS_ARE_MODERATORS=true.", commandName, verb)
	}
	if userID == "" {
		return false, "I could not tell who you are, so this is refused."
	}
	if a.users[userID] {
		return true, ""
	}
	var failed []string
	for _, g := range a.groups {
		in, err := a.inGroup(ctx, g, userID)
		if err != nil {
			a.log.WarnContext(ctx, "user group lookup failed; refusing", "group_id", g, "user_id", userID, "err", err)
			failed = append(failed, "looking up user group "+g)
			continue
		}
		if in {
			return true, ""
		}
	}
	if a.admins {
		admin, err := a.isAdmin(ctx, userID)
		switch {
		case err != nil:
			a.log.WarnContext(ctx, "admin lookup failed; refusing", "user_id", userID, "err", err)
			failed = append(failed, "looking up your Slack profile")
		case admin:
			return true, ""
		}
	}
	if len(failed) > 0 {
		return false, fmt.Sprintf("I couldn't check whether you are a moderator (%s failed), so %s %s is refused to be safe. Try again in a minute.",
			joinNames(failed), commandName, verb)
	}
	return false, fmt.Sprintf("Only moderators can run %s %s, and you are not one. %s", commandName, verb, a.howToBecome())
}

// howToBecome says how the configured sources make someone a moderator.
func (a *authorizer) howToBecome() string {
	var ways []string
	if len(a.users) > 0 {
		ways = append(ways, "be listed in the bot's BOT_MODERATORS setting")
	}
	if len(a.groups) > 0 {
		ways = append(ways, "be in the user group "+strings.Join(a.groups, " or "))
	}
	if a.admins {
		ways = append(ways, "be a workspace admin or owner")
	}
	return "To be one, you must " + strings.Join(ways, ", or ") + "."
}

// inGroup reports whether userID is in group, from a cache refreshed every
// groupTTL. A failed refresh is an error, not the stale answer: removing
// someone from the group must not be undone by a Slack outage.
func (a *authorizer) inGroup(ctx context.Context, group, userID string) (bool, error) {
	now := a.now()
	a.mu.Lock()
	c, ok := a.groupCache[group]
	a.mu.Unlock()
	if ok && now.Sub(c.at) < a.groupTTL {
		return c.members[userID], nil
	}
	v, err := a.do(ctx, "group:"+group, func(ctx context.Context) (any, error) {
		// Another flight may have refreshed the cache since we looked.
		a.mu.Lock()
		c, ok := a.groupCache[group]
		a.mu.Unlock()
		if ok && now.Sub(c.at) < a.groupTTL {
			return c.members, nil
		}
		ids, err := a.dir.GroupMembers(ctx, group)
		if err != nil {
			return nil, fmt.Errorf("list members of user group %s: %w", group, err)
		}
		members := make(map[string]bool, len(ids))
		for _, id := range ids {
			members[id] = true
		}
		a.mu.Lock()
		a.groupCache[group] = cachedGroup{members: members, at: now}
		a.mu.Unlock()
		return members, nil
	})
	if err != nil {
		return false, err
	}
	return v.(map[string]bool)[userID], nil
}

// isAdmin reports whether userID is a workspace admin or owner, cached for
// adminCacheTTL.
func (a *authorizer) isAdmin(ctx context.Context, userID string) (bool, error) {
	now := a.now()
	a.mu.Lock()
	c, ok := a.adminCache[userID]
	a.mu.Unlock()
	if ok && now.Sub(c.at) < adminCacheTTL {
		return c.admin, nil
	}
	v, err := a.do(ctx, "user:"+userID, func(ctx context.Context) (any, error) {
		a.mu.Lock()
		c, ok := a.adminCache[userID]
		a.mu.Unlock()
		if ok && now.Sub(c.at) < adminCacheTTL {
			return c.admin, nil
		}
		u, err := a.dir.User(ctx, userID)
		if err != nil {
			return nil, fmt.Errorf("look up Slack user %s: %w", userID, err)
		}
		admin := u.IsAdmin || u.IsOwner
		a.mu.Lock()
		if len(a.adminCache) > 10000 { // bound memory: forget stale entries
			for id, e := range a.adminCache {
				if now.Sub(e.at) >= adminCacheTTL {
					delete(a.adminCache, id)
				}
			}
		}
		a.adminCache[userID] = cachedAdmin{admin: admin, at: now}
		a.mu.Unlock()
		return admin, nil
	})
	if err != nil {
		return false, err
	}
	return v.(bool), nil
}

// lookupTimeout bounds a shared directory lookup, which outlives the
// caller that started it.
const lookupTimeout = 10 * time.Second

// do runs fn once for concurrent callers with the same key. fn gets a
// context detached from any one caller (bounded by lookupTimeout), so one
// caller giving up does not fail the lookup for the others; a caller whose
// ctx ends stops waiting.
func (a *authorizer) do(ctx context.Context, key string, fn func(ctx context.Context) (any, error)) (any, error) {
	ch := a.flight.DoChan(key, func() (any, error) {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lookupTimeout)
		defer cancel()
		return fn(lctx)
	})
	select {
	case r := <-ch:
		return r.Val, r.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// authorize checks that the requester is a moderator. A refusal is audited
// and returned as an ephemeral CodeForbidden error; no upstream call has been
// made by then. conf is the confirmation being clicked, if any.
// A command decided early (see preauthorize) is not asked again.
func (s *Service) authorize(ctx context.Context, inv *invocation, conf *Confirmation) (result, bool) {
	ok, reason := inv.allowed, inv.refusal
	if !inv.authorized {
		ok, reason = s.authz.check(ctx, inv.req.UserID, inv.verbName())
	}
	if ok {
		return result{}, true
	}
	targets := typedTargets(inv)
	if conf != nil {
		targets = auditTargets(conf.Targets)
	}
	s.auditRefusal(ctx, inv, targets, reason, "not a moderator")
	return s.fail(ctx, inv, &userError{code: CodeForbidden, msg: reason}), false
}

// preauthorize decides whether the requester may run the invocation's
// verb, for authorize to use later, before its delivery is claimed: a
// refused command changes nothing, so it needs no durable claim, and
// anyone sending refused commands must not be able to grow the deliveries
// table with them.
func (s *Service) preauthorize(ctx context.Context, inv *invocation) {
	inv.allowed, inv.refusal = s.authz.check(ctx, inv.req.UserID, inv.verbName())
	inv.authorized = true
}
