package commands

import (
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// moderatorCommands is every moderator verb, including dry runs.
var moderatorCommands = []string{
	"mute " + meetingID + " <@UBOB|bob> carol",
	"mute " + meetingID + " carol --dry-run",
	"mute-all " + meetingID,
	"mute-all " + meetingID + " --allow-unmute --dry-run",
	"kick " + meetingID + " <@UBOB|bob>",
	"kick " + meetingID + " bob --dry-run",
	"kick-all " + meetingID,
	"poll " + meetingID + ` "q" "a" "b"`,
	"poll " + meetingID + ` "q" "a" "b" --dry-run`,
}

// TestNonModeratorRefused: refused, audited, and RealtimeKit never called
// (targets are not even resolved).
func TestNonModeratorRefused(t *testing.T) {
	t.Parallel()
	for _, text := range moderatorCommands {
		t.Run(text, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			got := errorOf(t, e.run(t.Context(), userID, text))
			verb, _, _ := strings.Cut(text, " ")
			want := ErrorView{Code: CodeForbidden, Message: "Only moderators can run /meeting " + verb +
				", and you are not one. To be one, you must be listed in the bot's BOT_MODERATORS setting."}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if calls := e.rt.Calls(); len(calls) != 0 {
				t.Errorf("RealtimeKit calls %+v, want none", calls)
			}
			if users, _ := e.dir.counts(); users != 0 {
				t.Errorf("%d directory user lookups, want none (mentions must not be resolved)", users)
			}
			entries := e.aud.Entries()
			if len(entries) != 1 || entries[0].Outcome != OutcomeRefused || entries[0].UserID != userID ||
				entries[0].Verb != verb || entries[0].MeetingID != meetingID || entries[0].Detail != want.Message {
				t.Errorf("audit = %+v, want one refusal of %s by %s", entries, verb, userID)
			}
		})
	}
}

// TestRefusalAuditsTypedTargets: the audit of a refused kick says whom it
// was aimed at, as typed.
func TestRefusalAuditsTypedTargets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.run(t.Context(), userID, "kick "+meetingID+` <@UBOB|bob> "Carol Jones"`)
	want := []AuditEntry{{Time: e.clock.Now(), TeamID: teamID, ChannelID: chanID, UserID: userID, Verb: "kick", MeetingID: meetingID,
		Targets: []string{"@bob (UBOB)", "Carol Jones"}, Outcome: OutcomeRefused,
		Detail: "Only moderators can run /meeting kick, and you are not one. To be one, you must be listed in the bot's BOT_MODERATORS setting."}}
	if diff := cmp.Diff(want, e.aud.Entries()); diff != "" {
		t.Errorf("audit mismatch (-want +got):\n%s", diff)
	}
}

func TestNoModeratorsConfigured(t *testing.T) {
	t.Parallel()
	for _, text := range moderatorCommands {
		t.Run(text, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *Config) { c.Moderators = nil })
			got := errorOf(t, e.run(t.Context(), modID, text))
			verb, _, _ := strings.Cut(text, " ")
			want := ErrorView{Code: CodeForbidden, Message: "Moderation is not set up, so nobody can run /meeting " + verb +
				" yet. Whoever runs the bot can name moderators with BOT_MODERATORS (Slack user IDs), BOT_MODERATOR_GROUPS (user group IDs) or BOT_ADMINS_ARE_MODERATORS=true."}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if calls := e.rt.Calls(); len(calls) != 0 {
				t.Errorf("RealtimeKit calls %+v, want none", calls)
			}
			if users, groups := e.dir.counts(); users+groups != 0 {
				t.Errorf("%d directory lookups, want none", users+groups)
			}
		})
	}
	t.Run("anyone may still ask for status and help", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, func(c *Config) { c.Moderators = nil })
		for _, text := range []string{"status " + meetingID, "help"} {
			if got := e.run(t.Context(), userID, text); len(got) != 1 || got[0].Error != nil {
				t.Errorf("%s: %s", text, describe(got))
			}
		}
	})
}

// allowed runs mute-all as user and reports whether it was executed.
func allowed(t *testing.T, e *env, user string) (bool, ErrorView) {
	t.Helper()
	before := len(e.rt.Mutations())
	got := e.run(t.Context(), user, "mute-all "+meetingID)
	ran := len(e.rt.Mutations()) > before
	if ran != (len(got) == 1 && got[0].Action != nil) {
		t.Fatalf("mutation made = %t but replies %s", ran, describe(got))
	}
	if !ran {
		return false, errorOf(t, got)
	}
	return true, ErrorView{}
}

func TestModeratorGroups(t *testing.T) {
	t.Parallel()
	groupsOnly := func(c *Config) { c.Moderators, c.ModeratorGroups = nil, []string{"SMODS"} }

	t.Run("members allowed, others refused, one lookup", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, groupsOnly)
		if ok, ev := allowed(t, e, "UGRP1"); !ok {
			t.Errorf("group member refused: %+v", ev)
		}
		ok, ev := allowed(t, e, userID)
		if ok {
			t.Fatal("non-member allowed")
		}
		want := ErrorView{Code: CodeForbidden, Message: "Only moderators can run /meeting mute-all, and you are not one. To be one, you must be in the user group SMODS."}
		if diff := cmp.Diff(want, ev); diff != "" {
			t.Errorf("error mismatch (-want +got):\n%s", diff)
		}
		if _, groups := e.dir.counts(); groups != 1 {
			t.Errorf("%d group lookups, want 1 (cached)", groups)
		}
	})

	t.Run("cache lives GroupCacheTTL", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, groupsOnly, func(c *Config) { c.GroupCacheTTL = 5 * time.Minute })
		if ok, _ := allowed(t, e, "UGRP1"); !ok {
			t.Fatal("member refused")
		}
		e.dir.set(func(d *fakeDir) { d.groups["SMODS"] = []string{"UGRP2"} }) // UGRP1 leaves
		e.clock.Advance(4*time.Minute + 59*time.Second)
		if ok, _ := allowed(t, e, "UGRP1"); !ok {
			t.Error("refused before the cache expired")
		}
		e.clock.Advance(time.Second)
		if ok, _ := allowed(t, e, "UGRP1"); ok {
			t.Error("still allowed after the cache expired")
		}
		if _, groups := e.dir.counts(); groups != 2 {
			t.Errorf("%d group lookups, want 2", groups)
		}
	})

	t.Run("failed refresh refuses, never the stale yes", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, groupsOnly)
		if ok, _ := allowed(t, e, "UGRP1"); !ok {
			t.Fatal("member refused")
		}
		e.clock.Advance(DefaultGroupCacheTTL)
		e.dir.set(func(d *fakeDir) { d.groupErr = errors.New("usergroups.users.list: ratelimited") })
		ok, ev := allowed(t, e, "UGRP1")
		if ok {
			t.Fatal("allowed although the group lookup failed")
		}
		want := ErrorView{Code: CodeForbidden, Message: "I couldn't check whether you are a moderator (looking up user group SMODS failed), so /meeting mute-all is refused to be safe. Try again in a minute."}
		if diff := cmp.Diff(want, ev); diff != "" {
			t.Errorf("error mismatch (-want +got):\n%s", diff)
		}
		// Failures are not cached: the next try asks again, and works.
		e.dir.set(func(d *fakeDir) { d.groupErr = nil })
		if ok, _ := allowed(t, e, "UGRP1"); !ok {
			t.Error("refused after the directory recovered")
		}
	})

	t.Run("a listed moderator needs no lookup", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, func(c *Config) { c.ModeratorGroups = []string{"SMODS"}; c.AdminsAreModerators = true })
		e.dir.set(func(d *fakeDir) { d.groupErr = errors.New("down"); d.userErr = errors.New("down") })
		if ok, ev := allowed(t, e, modID); !ok {
			t.Errorf("listed moderator refused: %+v", ev)
		}
		if users, groups := e.dir.counts(); users+groups != 0 {
			t.Errorf("%d directory lookups, want none", users+groups)
		}
	})

	t.Run("concurrent cold lookups are merged", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, groupsOnly)
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() { e.run(t.Context(), "UGRP2", "mute-all "+meetingID) })
		}
		wg.Wait()
		if _, groups := e.dir.counts(); groups != 1 {
			t.Errorf("%d group lookups for 50 concurrent commands, want 1", groups)
		}
		if n := len(e.rt.Mutations()); n != 50 {
			t.Errorf("%d mutations, want 50", n)
		}
	})
}

func TestAdminsAreModerators(t *testing.T) {
	t.Parallel()
	adminsOnly := func(c *Config) { c.Moderators, c.AdminsAreModerators = nil, true }
	tests := []struct {
		user string
		want bool
	}{
		{"UADMIN", true},
		{"UOWNER", true},
		{userID, false},
		{"UNOBODY", false}, // users.info fails: refused
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, adminsOnly)
			if got, ev := allowed(t, e, tt.user); got != tt.want {
				t.Errorf("allowed = %t (%+v), want %t", got, ev, tt.want)
			}
		})
	}

	t.Run("lookup failure refuses with a reason", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, adminsOnly)
		e.dir.set(func(d *fakeDir) { d.userErr = errors.New("users.info: timeout") })
		_, ev := allowed(t, e, "UADMIN")
		want := ErrorView{Code: CodeForbidden, Message: "I couldn't check whether you are a moderator (looking up your Slack profile failed), so /meeting mute-all is refused to be safe. Try again in a minute."}
		if diff := cmp.Diff(want, ev); diff != "" {
			t.Errorf("error mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("admin flag is cached briefly", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, adminsOnly)
		if ok, _ := allowed(t, e, "UADMIN"); !ok {
			t.Fatal("admin refused")
		}
		e.dir.set(func(d *fakeDir) { u := d.users["UADMIN"]; u.IsAdmin = false; d.users["UADMIN"] = u })
		e.clock.Advance(adminCacheTTL - time.Second)
		if ok, _ := allowed(t, e, "UADMIN"); !ok {
			t.Error("refused within the cache lifetime")
		}
		e.clock.Advance(time.Second)
		if ok, _ := allowed(t, e, "UADMIN"); ok {
			t.Error("demoted admin still allowed after the cache expired")
		}
	})

	t.Run("group failure does not hide an admin yes", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, adminsOnly, func(c *Config) { c.ModeratorGroups = []string{"SMODS"} })
		e.dir.set(func(d *fakeDir) { d.groupErr = errors.New("down") })
		if ok, ev := allowed(t, e, "UADMIN"); !ok {
			t.Errorf("admin refused: %+v", ev)
		}
		_, ev := allowed(t, e, userID)
		if !cmp.Equal(ev.Code, CodeForbidden) || !containsAll(ev.Message, "couldn't check", "user group SMODS") {
			t.Errorf("non-admin got %+v, want a fail-closed refusal", ev)
		}
	})
}

func TestAuthorizerHowToBecome(t *testing.T) {
	t.Parallel()
	a := newAuthorizer(newFakeDir(), []string{"U1"}, []string{"S1", "S2"}, true, time.Minute, time.Now, slog.New(slog.DiscardHandler))
	want := "To be one, you must be listed in the bot's BOT_MODERATORS setting, or be in the user group S1 or S2, or be a workspace admin or owner."
	if diff := cmp.Diff(want, a.howToBecome(), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
