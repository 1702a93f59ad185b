package slackfake

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Screen shows what each user sees: replace_original and delete_original
// act on the clicked message, ephemeral messages only on their user's
// screen.
func TestScreen(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	texts := func(ms []Message) []string {
		var out []string
		for _, m := range ms {
			vis := "channel"
			if m.Ephemeral {
				vis = "only you"
			}
			out = append(out, vis+": "+m.Text)
		}
		return out
	}
	post := func(url, body string) {
		t.Helper()
		if status, code := postResponse(t, url, body); status != http.StatusOK {
			t.Fatalf("post %s = %d %s", body, status, code)
		}
	}
	prompt := `{"response_type":"ephemeral","text":"Kick 1?","blocks":[{"type":"actions","elements":[
		{"type":"button","action_id":"confirm","value":"c1","text":{"type":"plain_text","text":"Kick 1"}}]}]}`

	// Replaced in place.
	a := s.SlashCommand(SlashCommand{ChannelID: "C1", UserID: "U1", Text: "kick bob"})
	post(a.ResponseURL, prompt)
	ca := s.ClickButton(ButtonClick{UserID: "U1", ChannelID: "C1", ActionID: "confirm", ResponseURL: a.ResponseURL})
	post(ca.ResponseURL, `{"replace_original":true,"text":"Cancelled."}`)

	// Deleted, with a message to the channel.
	b := s.SlashCommand(SlashCommand{ChannelID: "C1", UserID: "U1", Text: "kick carol"})
	post(b.ResponseURL, prompt)
	cb := s.ClickButton(ButtonClick{UserID: "U1", ChannelID: "C1", ActionID: "confirm", ResponseURL: b.ResponseURL})
	post(cb.ResponseURL, `{"response_type":"in_channel","text":"Kicked Carol."}`)
	post(cb.ResponseURL, `{"delete_original":true}`)

	// Another channel, another user.
	s.SlashCommand(SlashCommand{ChannelID: "C2", UserID: "U1", Text: "x"})
	c := s.SlashCommand(SlashCommand{ChannelID: "C1", UserID: "U2", Text: "status"})
	post(c.ResponseURL, `{"text":"Only U2 sees this."}`)

	if diff := cmp.Diff([]string{"only you: Cancelled.", "channel: Kicked Carol."}, texts(s.Screen("C1", "U1"))); diff != "" {
		t.Errorf("U1 sees (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"channel: Kicked Carol.", "only you: Only U2 sees this."}, texts(s.Screen("C1", "U2"))); diff != "" {
		t.Errorf("U2 sees (-want +got):\n%s", diff)
	}
	if got := s.Screen("C2", "U1"); len(got) != 0 {
		t.Errorf("C2 shows %v, want nothing", texts(got))
	}
}
