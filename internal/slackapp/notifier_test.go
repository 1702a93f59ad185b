package slackapp

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rtkbot/rtkbot/internal/commands"
)

// notifierPost is what the requester sees of a notification.
type notifierPost struct {
	Method, Channel, User, Text, Blocks string
}

// TestNotifierWaitsOutARateLimit: a notification Slack first refuses with
// 429 and Retry-After still reaches the requester, once, as rendered.
func TestNotifierWaitsOutARateLimit(t *testing.T) {
	t.Parallel()
	fake, api := newFakeAPI(t)
	fake.InjectRateLimit("chat.postEphemeral", time.Second, 1)
	n := commands.Notification{
		TeamID: "T0FAKE", ChannelID: "C0MODS", UserID: "U0ADA",
		Reply: commands.Reply{Visibility: commands.Ephemeral, Error: &commands.ErrorView{
			Code: commands.CodeInternal, Ref: "abcdefghij",
			Message: "Your kick of Bob in meeting m-1 was interrupted by a restart of the bot.",
		}},
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	if err := NewNotifier(api).Notify(ctx, n); err != nil {
		t.Fatalf("Notify: %v", err)
	}

	msg := Render(n.Reply)
	blocks, err := json.Marshal(msg.Blocks.BlockSet)
	if err != nil {
		t.Fatal(err)
	}
	want := []notifierPost{{
		Method: "chat.postEphemeral", Channel: "C0MODS", User: "U0ADA",
		Text: msg.Text, Blocks: compactRaw(t, blocks),
	}}
	var got []notifierPost
	for _, p := range fake.Posted() {
		got = append(got, notifierPost{p.Method, p.Channel, p.User, p.Text, compactRaw(t, p.Blocks)})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("posted (-want +got):\n%s", diff)
	}
	if got := fake.Calls("chat.postEphemeral"); got != 2 {
		t.Errorf("chat.postEphemeral calls = %d, want 2 (the 429, then the post)", got)
	}
}
