package slackapp

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/slack-go/slack"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/slackapp/slackfake"
)

// newFakeAPI returns a fake Slack and a Web API client bound to it with
// the bot token.
func newFakeAPI(t *testing.T) (*slackfake.Server, *slack.Client) {
	t.Helper()
	fake := slackfake.NewTestServer(t, slackfake.Config{})
	return fake, slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL()))
}

func TestDirectoryUser(t *testing.T) {
	t.Parallel()
	fake, api := newFakeAPI(t)
	fake.AddUser(slackfake.User{
		ID: "U0ADA", Name: "ada", RealName: "Ada Lovelace", DisplayName: "ada.l",
		Email: "ada@example.com", IsAdmin: true,
	})
	fake.AddUser(slackfake.User{ID: "U0OWN", Name: "grace", RealName: "Grace Hopper", IsPrimaryOwner: true})
	fake.AddUser(slackfake.User{ID: "U0BOB", Name: "bob", RealName: "Bob"})
	dir := NewDirectory(api)

	tests := []struct {
		name    string
		id      string
		want    commands.User
		wantErr string
	}{
		{
			name: "admin with email",
			id:   "U0ADA",
			want: commands.User{
				ID: "U0ADA", Name: "ada", DisplayName: "ada.l", RealName: "Ada Lovelace",
				Email: "ada@example.com", IsAdmin: true,
			},
		},
		{
			name: "primary owner counts as owner",
			id:   "U0OWN",
			want: commands.User{ID: "U0OWN", Name: "grace", RealName: "Grace Hopper", IsOwner: true},
		},
		{
			name: "plain member",
			id:   "U0BOB",
			want: commands.User{ID: "U0BOB", Name: "bob", RealName: "Bob"},
		},
		{name: "unknown", id: "U0NOBODY", wantErr: "user_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := dir.User(t.Context(), tt.id)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("User(%s) error = %v, want one mentioning %q", tt.id, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("User(%s): %v", tt.id, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("User(%s) (-want +got):\n%s", tt.id, diff)
			}
		})
	}
}

func TestDirectoryGroupMembers(t *testing.T) {
	t.Parallel()
	fake, api := newFakeAPI(t)
	fake.AddUserGroup("S0MODS", []string{"U0ADA", "U0BOB"})
	fake.AddUserGroup("S0EMPTY", nil)
	dir := NewDirectory(api)

	tests := []struct {
		name    string
		id      string
		want    []string
		wantErr bool
	}{
		{name: "members", id: "S0MODS", want: []string{"U0ADA", "U0BOB"}},
		{name: "empty group", id: "S0EMPTY", want: nil},
		{name: "unknown group", id: "S0NONE", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := dir.GroupMembers(t.Context(), tt.id)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("GroupMembers(%s) = %v, want an error", tt.id, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("GroupMembers(%s): %v", tt.id, err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("GroupMembers(%s) (-want +got):\n%s", tt.id, diff)
			}
		})
	}
}

func TestDirectoryWaitsOutOneRateLimit(t *testing.T) {
	t.Parallel()
	fake, api := newFakeAPI(t)
	fake.AddUser(slackfake.User{ID: "U0ADA", Name: "ada"})
	fake.AddUserGroup("S0MODS", []string{"U0ADA"})
	dir := NewDirectory(api)

	t.Run("retried when the wait fits the deadline", func(t *testing.T) {
		fake.InjectRateLimit("users.info", time.Second, 1)
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		before := fake.Calls("users.info")

		u, err := dir.User(ctx, "U0ADA")

		if err != nil {
			t.Fatalf("User: %v", err)
		}
		if u.Name != "ada" {
			t.Errorf("Name = %q, want ada", u.Name)
		}
		if got := fake.Calls("users.info") - before; got != 2 {
			t.Errorf("users.info calls = %d, want 2", got)
		}
	})
	t.Run("returned at once when it does not", func(t *testing.T) {
		fake.InjectRateLimit("usergroups.users.list", 30*time.Second, 1)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		before := fake.Calls("usergroups.users.list")

		_, err := dir.GroupMembers(ctx, "S0MODS")

		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) || rl.RetryAfter != 30*time.Second {
			t.Fatalf("GroupMembers error = %v, want a RateLimitedError asking for 30s", err)
		}
		if got := fake.Calls("usergroups.users.list") - before; got != 1 {
			t.Errorf("usergroups.users.list calls = %d, want 1", got)
		}
	})
}
