package slackapp

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"github.com/rtkbot/rtkbot/internal/commands"
)

// responseServer is a response_url endpoint whose answers are scripted:
// the i-th post gets answers[i] (the last one repeats).
type responseServer struct {
	*httptest.Server
	mu      sync.Mutex
	answers []answer
	bodies  []string
	types   []string
}

type answer struct {
	status int
	body   string
	hangUp bool // close the connection without answering
}

func newResponseServer(t *testing.T, answers ...answer) *responseServer {
	t.Helper()
	rs := &responseServer{answers: answers}
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rs.mu.Lock()
		i := len(rs.bodies)
		rs.bodies = append(rs.bodies, string(body))
		rs.types = append(rs.types, r.Header.Get("Content-Type"))
		a := rs.answers[min(i, len(rs.answers)-1)]
		rs.mu.Unlock()
		if a.hangUp {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	}))
	t.Cleanup(rs.Close)
	return rs
}

func (rs *responseServer) posts() []string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]string(nil), rs.bodies...)
}

func TestResponderPost(t *testing.T) {
	t.Parallel()
	ok := answer{status: 200, body: `{"ok":true}`}
	tests := []struct {
		name      string
		answers   []answer
		wantPosts int
		wantErr   string // substring; "" means success
	}{
		{name: "accepted", answers: []answer{ok}, wantPosts: 1},
		{name: "bare ok body", answers: []answer{{status: 200, body: "ok"}}, wantPosts: 1},
		{name: "5xx then accepted", answers: []answer{{status: 503, body: "upstream"}, ok}, wantPosts: 2},
		{name: "5xx twice", answers: []answer{{status: 500}, {status: 502}}, wantPosts: 2, wantErr: "HTTP 502"},
		{name: "connection dropped then accepted", answers: []answer{{hangUp: true}, ok}, wantPosts: 2},
		{name: "expired is final", answers: []answer{{status: 404, body: "expired_url"}}, wantPosts: 1, wantErr: "HTTP 404: expired_url"},
		{name: "used up is final", answers: []answer{{status: 410, body: `{"ok":false,"error":"used_url"}`}}, wantPosts: 1, wantErr: "used_url"},
		{name: "refusal inside a 200", answers: []answer{{status: 200, body: `{"ok":false,"error":"invalid_blocks"}`}}, wantPosts: 1, wantErr: "invalid_blocks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newResponseServer(t, tt.answers...)
			r := &responder{client: srv.Client()}
			url := srv.URL + "/commands/T1/123/s3cr3t-token-part"
			msg := newResponseMessage(slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: "hi"})

			err := r.post(t.Context(), url, msg)

			if got := len(srv.posts()); got != tt.wantPosts {
				t.Errorf("posts = %d, want %d", got, tt.wantPosts)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("post: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("post error = %v, want it to mention %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error %q reveals the response_url's secret path", err)
			}
			for i, b := range srv.posts() {
				if diff := cmp.Diff(`{"response_type":"ephemeral","text":"hi"}`, b); diff != "" {
					t.Errorf("post %d body (-want +got):\n%s", i, diff)
				}
			}
			srv.mu.Lock()
			for _, ct := range srv.types {
				if !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type = %q, want application/json", ct)
				}
			}
			srv.mu.Unlock()
		})
	}
}

func TestResponderUnreachableURLIsRedacted(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/actions/T1/456/s3cr3t-token-part"
	srv.Close() // nothing listens there any more

	err := (&responder{client: http.DefaultClient}).post(t.Context(), url, responseMessage{Text: "x"})

	if err == nil {
		t.Fatal("post to a closed server succeeded")
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error %q reveals the response_url's secret path", err)
	}
	if !strings.Contains(err.Error(), "/actions/…") {
		t.Errorf("error %q does not name the redacted URL", err)
	}
}

func TestNewResponseMessage(t *testing.T) {
	t.Parallel()
	blocks := slack.Blocks{BlockSet: []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*hello*", false, false), nil, nil),
	}}
	tests := []struct {
		name string
		msg  slack.Msg
		want string
	}{
		{
			name: "in channel with blocks",
			msg:  slack.Msg{ResponseType: slack.ResponseTypeInChannel, Text: "hello", Blocks: blocks},
			want: `{"response_type":"in_channel","text":"hello","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*hello*"}}]}`,
		},
		{
			name: "replace original",
			msg:  slack.Msg{ResponseType: slack.ResponseTypeEphemeral, ReplaceOriginal: true, Text: "done"},
			want: `{"response_type":"ephemeral","replace_original":true,"text":"done"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := json.Marshal(newResponseMessage(tt.msg))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("wire form (-want +got):\n%s", diff)
			}
		})
	}
}

// A confirmed kick posts its result to the channel and then deletes the
// prompt. If the channel post fails, the prompt is replaced by the result
// instead of deleted: the requester sees the result once, never not at all.
func TestPostRepliesDeletesThePromptOnlyAfterTheResult(t *testing.T) {
	t.Parallel()
	ok := answer{status: 200, body: `{"ok":true}`}
	result := commands.Reply{Visibility: commands.InChannel, Notice: &commands.NoticeView{Text: "Kicked Bob."}}
	replies := []commands.Reply{result, {Visibility: commands.Ephemeral, DeleteOriginal: true}}
	resultBody := func(responseType string, replace bool) string {
		t.Helper()
		r := result
		r.Visibility, r.ReplaceOriginal = commands.InChannel, replace
		if responseType == "ephemeral" {
			r.Visibility = commands.Ephemeral
		}
		b, err := json.Marshal(newResponseMessage(Render(r)))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name    string
		answers []answer
		want    []string
	}{
		{
			name:    "posted",
			answers: []answer{ok},
			want:    []string{resultBody("in_channel", false), `{"delete_original":true}`},
		},
		{
			name:    "channel post failed",
			answers: []answer{{status: 500}, {status: 500}, ok},
			want:    []string{resultBody("in_channel", false), resultBody("in_channel", false), resultBody("ephemeral", true)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newResponseServer(t, tt.answers...)
			l := &Listener{resp: &responder{client: srv.Client()}}
			l.postReplies(t.Context(), slog.New(slog.DiscardHandler), srv.URL+"/actions/T1/1/x", replies)
			if diff := cmp.Diff(tt.want, srv.posts()); diff != "" {
				t.Errorf("posts (-want +got):\n%s", diff)
			}
		})
	}
}
