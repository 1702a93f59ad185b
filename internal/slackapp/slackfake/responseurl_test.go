package slackfake

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// postResponse posts body to a response_url and returns the status and
// the error code ("" on success).
func postResponse(t *testing.T, responseURL, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, responseURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("response_url answered %d %q: %v", resp.StatusCode, raw, err)
	}
	if out.OK != (out.Error == "") {
		t.Fatalf("response_url answered %s", raw)
	}
	return resp.StatusCode, out.Error
}

func TestResponseURLFiveUses(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := NewTestServer(t, Config{Now: clock.Now})
	d := s.SlashCommand(SlashCommand{ChannelID: "C1", UserID: "U1", Text: "status"})
	api := newAPI(s, s.BotToken())

	// slack-go's own response_url path, as the bot might use it.
	for i := range ResponseURLUses {
		_, _, err := api.PostMessageContext(t.Context(), "", slack.MsgOptionText("answer "+string(rune('1'+i)), false),
			slack.MsgOptionResponseURL(d.ResponseURL, slack.ResponseTypeInChannel))
		if err != nil {
			t.Fatalf("use %d: %v", i+1, err)
		}
	}
	_, _, err := api.PostMessageContext(t.Context(), "", slack.MsgOptionText("one too many", false),
		slack.MsgOptionResponseURL(d.ResponseURL, slack.ResponseTypeInChannel))
	var sce slack.StatusCodeError
	if !errors.As(err, &sce) || sce.Code != http.StatusNotFound {
		t.Errorf("sixth use: error %v, want HTTP 404", err)
	}
	if status, code := postResponse(t, d.ResponseURL, `{"text":"again"}`); status != http.StatusNotFound || code != "used_url" {
		t.Errorf("seventh use = %d %s, want 404 used_url", status, code)
	}

	got := s.Responses(d.ResponseURL)
	if len(got) != ResponseURLUses {
		t.Fatalf("recorded %d responses, want %d", len(got), ResponseURLUses)
	}
	if r := got[4]; r.Text != "answer 5" || r.ResponseType != "in_channel" || r.Ephemeral() || !r.At.Equal(clock.Now()) {
		t.Errorf("fifth response = %+v", r)
	}
}

func TestResponseURLExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		after      time.Duration
		wantStatus int
		wantErr    string
	}{
		{"fresh", 0, http.StatusOK, ""},
		{"at 30 minutes", ResponseURLLifetime, http.StatusOK, ""},
		{"past 30 minutes", ResponseURLLifetime + time.Second, http.StatusNotFound, "expired_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newClock()
			s := NewTestServer(t, Config{Now: clock.Now})
			d := s.ClickButton(ButtonClick{UserID: "U1", ChannelID: "C1", ActionID: "cancel"})
			clock.Advance(tt.after)
			status, code := postResponse(t, d.ResponseURL, `{"text":"done","replace_original":true}`)
			if status != tt.wantStatus || code != tt.wantErr {
				t.Errorf("post = %d %q, want %d %q", status, code, tt.wantStatus, tt.wantErr)
			}
		})
	}
}

func TestResponseURLBodies(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantErr    string
		want       Response // compared without Raw, TS and At
	}{
		{"ephemeral blocks", `{"response_type":"ephemeral","text":"t","blocks":[{"type":"divider"}]}`, 200, "",
			Response{ResponseType: "ephemeral", Text: "t", Blocks: json.RawMessage(`[{"type":"divider"}]`)}},
		{"replace original, flag as string", `{"text":"done","replace_original":"true"}`, 200, "",
			Response{Text: "done", ReplaceOriginal: true}},
		{"delete original without text", `{"delete_original":true}`, 200, "",
			Response{DeleteOriginal: true}},
		{"no text", `{"response_type":"in_channel"}`, 400, "no_text", Response{}},
		{"not JSON", `text=hi`, 400, "invalid_payload", Response{}},
		{"invalid blocks", `{"text":"t","blocks":[{"type":"section"}]}`, 400, "invalid_blocks", Response{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := s.SlashCommand(SlashCommand{ChannelID: "C1", UserID: "U1"})
			status, code := postResponse(t, d.ResponseURL, tt.body)
			if status != tt.wantStatus || code != tt.wantErr {
				t.Fatalf("post = %d %q, want %d %q", status, code, tt.wantStatus, tt.wantErr)
			}
			got := s.Responses(d.ResponseURL)
			if tt.wantErr != "" {
				if len(got) != 0 || s.ResponseURLUses(d.ResponseURL) != 0 {
					t.Errorf("refused post recorded %+v / used the URL", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("recorded %d responses, want 1", len(got))
			}
			if string(got[0].Raw) != tt.body {
				t.Errorf("raw = %s, want the body", got[0].Raw)
			}
			opt := cmp.FilterPath(func(p cmp.Path) bool {
				switch p.Last().String() {
				case ".Raw", ".TS", ".At":
					return true
				}
				return false
			}, cmp.Ignore())
			if diff := cmp.Diff(tt.want, got[0], opt); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("unknown URL", func(t *testing.T) {
		t.Parallel()
		if status, code := postResponse(t, s.URL()+"/response/nope", `{"text":"x"}`); status != 404 || code != "no_service" {
			t.Errorf("post = %d %q, want 404 no_service", status, code)
		}
	})
}

// TestClickOnPrompt posts a confirmation prompt through a slash command's
// response_url and clicks its button, as the bot's flow goes.
func TestClickOnPrompt(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	c := startClient(t, s, s.AppToken())
	cmd := s.SlashCommand(SlashCommand{ChannelID: "C1", UserID: "U1", Text: "kick m1 bob"})
	prompt := `{"response_type":"ephemeral","text":"Kick 1?","blocks":[
		{"type":"section","text":{"type":"mrkdwn","text":"Kick *Bob*?"}},
		{"type":"actions","block_id":"confirm-block","elements":[
			{"type":"button","action_id":"confirm","value":"conf-42","style":"danger","text":{"type":"plain_text","text":"Kick 1"}},
			{"type":"button","action_id":"cancel","value":"conf-42","text":{"type":"plain_text","text":"Cancel"}}]},
		{"type":"context","elements":[{"type":"mrkdwn","text":"expires in 10 minutes"}]}]}`
	if status, code := postResponse(t, cmd.ResponseURL, prompt); status != http.StatusOK {
		t.Fatalf("prompt post = %d %s", status, code)
	}

	d := s.ClickButton(ButtonClick{UserID: "U1", ChannelID: "C1", ActionID: "confirm", ResponseURL: cmd.ResponseURL})
	if d.ResponseURL == cmd.ResponseURL {
		t.Error("the click reused the command's response_url")
	}
	evt := c.next(t, socketmode.EventTypeInteractive)
	cb := evt.Data.(slack.InteractionCallback)
	a := cb.ActionCallback.BlockActions[0]
	got := []any{a.ActionID, a.Value, a.BlockID, a.Text.Text, cb.Container.IsEphemeral, cb.Message.Text, cb.ResponseURL}
	want := []any{"confirm", "conf-42", "confirm-block", "Kick 1", true, "", d.ResponseURL}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("click on an ephemeral prompt (-want +got):\n%s", diff)
	}
	if cb.Container.MessageTs != s.Responses(cmd.ResponseURL)[0].TS {
		t.Errorf("container.message_ts = %q, want the prompt's ts", cb.Container.MessageTs)
	}

	// An in-channel message posted with chat.postMessage carries itself.
	_, ts, err := newAPI(s, s.BotToken()).PostMessageContext(t.Context(), "C2", slack.MsgOptionText("Poll", false),
		slack.MsgOptionBlocks(slack.NewActionBlock("vote", slack.NewButtonBlockElement("vote-a", "a",
			slack.NewTextBlockObject(slack.PlainTextType, "A", false, false)))))
	if err != nil {
		t.Fatal(err)
	}
	s.ClickButton(ButtonClick{UserID: "U2", ActionID: "vote-a", MessageTS: ts})
	cb = c.next(t, socketmode.EventTypeInteractive).Data.(slack.InteractionCallback)
	a = cb.ActionCallback.BlockActions[0]
	got = []any{cb.Channel.ID, cb.Container.IsEphemeral, cb.Message.Text, cb.Message.Timestamp, a.Value, a.BlockID}
	want = []any{"C2", false, "Poll", ts, "a", "vote"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("click on a posted message (-want +got):\n%s", diff)
	}
}
