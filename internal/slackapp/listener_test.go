package slackapp

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/slackapp/slackfake"
)

func TestSlashCommandAnswersThroughResponseURL(t *testing.T) {
	t.Parallel()
	inChannel := noticeReply(commands.InChannel, "<@U1> muted Bob in *Standup*")
	ephemeral := commands.Reply{Error: &commands.ErrorView{Code: commands.CodeNotFound, Message: "No meeting in progress."}}
	tests := []struct {
		name    string
		replies []commands.Reply
		want    []userView // ResponseType and ReplaceOriginal spelled out; Text and Blocks from Render
	}{
		{
			name:    "in channel",
			replies: []commands.Reply{inChannel},
			want:    []userView{{ResponseType: "in_channel"}},
		},
		{
			name:    "ephemeral error",
			replies: []commands.Reply{ephemeral},
			want:    []userView{{ResponseType: "ephemeral"}},
		},
		{
			name:    "two replies in order",
			replies: []commands.Reply{ephemeral, inChannel},
			want:    []userView{{ResponseType: "ephemeral"}, {ResponseType: "in_channel"}},
		},
		{
			name:    "a third reply is dropped to spare the response_url",
			replies: []commands.Reply{ephemeral, inChannel, inChannel},
			want:    []userView{{ResponseType: "ephemeral"}, {ResponseType: "in_channel"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan commands.Request, 1)
			core := &coreStub{handle: func(_ context.Context, r commands.Request) []commands.Reply {
				got <- r
				return tt.replies
			}}
			hs := startListener(t, core, slackfake.Config{}, nil)

			d := hs.fake.SlashCommand(slackfake.SlashCommand{
				ChannelID: "C0STANDUP", UserID: "U0ADA", UserName: "ada", Text: `mute 1234 "Bob Smith"`,
			})

			ack, err := hs.fake.WaitAck(listenWaitCtx(t), d.EnvelopeID)
			if err != nil {
				t.Fatal(err)
			}
			if ack.Payload != nil {
				t.Errorf("ack payload = %s, want a bare ack", ack.Payload)
			}
			req := <-got
			wantReq := commands.Request{
				TeamID: slackfake.DefaultTeamID, ChannelID: "C0STANDUP", UserID: "U0ADA", UserName: "ada",
				Text: `mute 1234 "Bob Smith"`, EnvelopeID: d.EnvelopeID, TriggerID: d.TriggerID,
			}
			if diff := cmp.Diff(wantReq, req); diff != "" {
				t.Errorf("request handed to the core (-want +got):\n%s", diff)
			}
			if _, err := hs.fake.WaitResponses(listenWaitCtx(t), d.ResponseURL, len(tt.want)); err != nil {
				t.Fatal(err)
			}
			if err := hs.stop(t); err != nil { // drains: nothing more can arrive
				t.Fatalf("Run: %v", err)
			}
			var gotViews, wantViews []userView
			for _, r := range hs.fake.Responses(d.ResponseURL) {
				gotViews = append(gotViews, viewOfResponse(t, r))
			}
			for i, w := range tt.want {
				v := viewOfMsg(t, Render(tt.replies[i]))
				v.ResponseType, v.ReplaceOriginal = w.ResponseType, w.ReplaceOriginal
				wantViews = append(wantViews, v)
			}
			if diff := cmp.Diff(wantViews, gotViews); diff != "" {
				t.Errorf("messages at the response_url (-want +got):\n%s", diff)
			}
			if got := ackCount(t, hs.metrics, "slash_commands"); got != 1 {
				t.Errorf("ack latency observations = %d, want 1", got)
			}
		})
	}
}

func TestAckComesBeforeTheCommandFinishes(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}), make(chan struct{})
	core := &coreStub{handle: func(context.Context, commands.Request) []commands.Reply {
		close(entered)
		<-release
		return []commands.Reply{noticeReply(commands.InChannel, "done")}
	}}
	hs := startListener(t, core, slackfake.Config{}, nil)

	d := hs.fake.SlashCommand(slackfake.SlashCommand{ChannelID: "C1", UserID: "U1", Text: "status 1234"})

	if _, err := hs.fake.WaitAck(listenWaitCtx(t), d.EnvelopeID); err != nil {
		t.Fatal(err)
	}
	<-entered // the core is running and cannot return until release
	if got := hs.fake.Responses(d.ResponseURL); len(got) != 0 {
		t.Fatalf("responses before the core answered: %v", got)
	}
	if got := metricValue(t, hs.metrics, "rtkbot_commands_in_flight"); got != 1 {
		t.Errorf("in flight = %v, want 1", got)
	}
	close(release)
	resps, err := hs.fake.WaitResponses(listenWaitCtx(t), d.ResponseURL, 1)
	if err != nil {
		t.Fatal(err)
	}
	if resps[0].Text != "done" {
		t.Errorf("response text = %q, want %q", resps[0].Text, "done")
	}
}

func TestBusyWhenEveryWorkerIsTaken(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}), make(chan struct{})
	core := &coreStub{handle: func(context.Context, commands.Request) []commands.Reply {
		close(entered)
		<-release
		return []commands.Reply{noticeReply(commands.InChannel, "first done")}
	}}
	hs := startListener(t, core, slackfake.Config{}, func(c *Config) { c.MaxConcurrent, c.QueueSize = 1, -1 })
	busy := viewOfMsg(t, BusyMessage())

	first := hs.fake.SlashCommand(slackfake.SlashCommand{ChannelID: "C1", UserID: "U1", Text: "status 1"})
	<-entered
	second := hs.fake.SlashCommand(slackfake.SlashCommand{ChannelID: "C1", UserID: "U2", Text: "status 2"})
	click := hs.fake.ClickButton(slackfake.ButtonClick{
		ChannelID: "C1", UserID: "U3", ActionID: ActionConfirm, Value: "conf-1",
	})

	t.Run("slash command told in its ack", func(t *testing.T) {
		ack, err := hs.fake.WaitAck(listenWaitCtx(t), second.EnvelopeID)
		if err != nil {
			t.Fatal(err)
		}
		if ack.Payload == nil {
			t.Fatal("busy ack has no message payload")
		}
		resps := hs.fake.Responses(second.ResponseURL)
		if len(resps) != 1 {
			t.Fatalf("second command: %d messages, want 1", len(resps))
		}
		want := busy
		want.ViaAck = true
		if diff := cmp.Diff(want, viewOfResponse(t, resps[0])); diff != "" {
			t.Errorf("busy answer (-want +got):\n%s", diff)
		}
		if want.ResponseType != "ephemeral" || !strings.Contains(want.Text, "busy") {
			t.Errorf("busy message %+v is not an ephemeral busy notice", want)
		}
	})
	t.Run("click told through its response_url, prompt kept", func(t *testing.T) {
		resps, err := hs.fake.WaitResponses(listenWaitCtx(t), click.ResponseURL, 1)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(busy, viewOfResponse(t, resps[0])); diff != "" {
			t.Errorf("busy answer to the click (-want +got):\n%s", diff)
		}
	})

	close(release)
	resps, err := hs.fake.WaitResponses(listenWaitCtx(t), first.ResponseURL, 1)
	if err != nil {
		t.Fatal(err)
	}
	if resps[0].Text != "first done" {
		t.Errorf("first command's answer = %q, want %q", resps[0].Text, "first done")
	}
	// An ack and a response_url post travel different connections, so the
	// fake may see the post first: wait for every ack before stopping.
	for _, d := range []string{first.EnvelopeID, second.EnvelopeID, click.EnvelopeID} {
		if _, err := hs.fake.WaitAck(listenWaitCtx(t), d); err != nil {
			t.Errorf("envelope %s never acked: %v", d, err)
		}
	}
	if err := hs.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := core.calls.Load(); got != 1 {
		t.Errorf("core calls = %d, want 1 (busy commands never reach it)", got)
	}
	if got := metricValue(t, hs.metrics, "rtkbot_commands_rejected_busy_total"); got != 2 {
		t.Errorf("busy metric = %v, want 2", got)
	}
	if got := hs.fake.Unacked(); len(got) != 0 {
		t.Errorf("unacked envelopes: %v", got)
	}
}

// With every worker taken, a command waits in the queue and runs when a
// worker frees up; one beyond the queue is told at once; one that waits
// past QueueWait is told through its response_url. Nothing goes unanswered.
func TestQueuedCommandsRunWhenAWorkerFreesUp(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}, 3), make(chan struct{})
	core := &coreStub{handle: func(_ context.Context, r commands.Request) []commands.Reply {
		entered <- struct{}{}
		if r.Text == "status first" {
			<-release
		}
		return []commands.Reply{noticeReply(commands.Ephemeral, "done "+r.Text)}
	}}
	hs := startListener(t, core, slackfake.Config{}, func(c *Config) {
		c.MaxConcurrent, c.QueueSize, c.QueueWait = 1, 1, time.Minute
	})
	first := hs.fake.SlashCommand(slackfake.SlashCommand{ChannelID: "C1", UserID: "U1", Text: "status first"})
	<-entered
	queued := hs.fake.SlashCommand(slackfake.SlashCommand{ChannelID: "C1", UserID: "U2", Text: "status queued"})
	if ack, err := hs.fake.WaitAck(listenWaitCtx(t), queued.EnvelopeID); err != nil || ack.Payload != nil {
		t.Fatalf("queued command: ack %+v, %v; want a plain ack", ack, err)
	}
	over := hs.fake.SlashCommand(slackfake.SlashCommand{ChannelID: "C1", UserID: "U3", Text: "status over"})
	if ack, err := hs.fake.WaitAck(listenWaitCtx(t), over.EnvelopeID); err != nil || ack.Payload == nil {
		t.Fatalf("command beyond the queue: ack %+v, %v; want the busy notice in the ack", ack, err)
	}

	close(release)
	for _, d := range []slackfake.Delivery{first, queued} {
		resps, err := hs.fake.WaitResponses(listenWaitCtx(t), d.ResponseURL, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(resps[0].Text, "done status") {
			t.Errorf("answer = %q, want the command's own", resps[0].Text)
		}
	}
	if got := core.calls.Load(); got != 2 {
		t.Errorf("core calls = %d, want 2", got)
	}
}

func TestQueuedCommandToldBusyAfterQueueWait(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	core := &coreStub{handle: func(context.Context, commands.Request) []commands.Reply {
		close(entered)
		<-release
		return nil
	}}
	hs := startListener(t, core, slackfake.Config{}, func(c *Config) {
		c.MaxConcurrent, c.QueueSize, c.QueueWait = 1, 4, 50*time.Millisecond
	})
	hs.fake.SlashCommand(slackfake.SlashCommand{ChannelID: "C1", UserID: "U1", Text: "status first"})
	<-entered
	waiting := hs.fake.SlashCommand(slackfake.SlashCommand{ChannelID: "C1", UserID: "U2", Text: "status waiting"})
	resps, err := hs.fake.WaitResponses(listenWaitCtx(t), waiting.ResponseURL, 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(viewOfMsg(t, BusyMessage()), viewOfResponse(t, resps[0])); diff != "" {
		t.Errorf("answer after the queue wait (-want +got):\n%s", diff)
	}
	if got := core.calls.Load(); got != 1 {
		t.Errorf("core calls = %d, want 1: the queued command must not run", got)
	}
}

func TestClicksReachTheCore(t *testing.T) {
	t.Parallel()
	announced := noticeReply(commands.InChannel, "<@U0ADA> kicked Bob from *Standup*")
	deleted := commands.Reply{DeleteOriginal: true}
	tests := []struct {
		name      string
		actionID  string
		value     string
		replies   []commands.Reply
		wantClick *commands.Click // nil: the core is not called
		want      []userView
	}{
		{
			name: "confirm", actionID: ActionConfirm, value: "conf-42",
			replies:   []commands.Reply{announced, deleted},
			wantClick: &commands.Click{ConfirmationID: "conf-42", Approve: true},
			want:      []userView{{ResponseType: "in_channel"}, {DeleteOriginal: true}},
		},
		{
			name: "cancel", actionID: ActionCancel, value: "conf-43",
			replies:   []commands.Reply{{ReplaceOriginal: true, Notice: &commands.NoticeView{Text: "Cancelled."}}},
			wantClick: &commands.Click{ConfirmationID: "conf-43", Approve: false},
			want:      []userView{{ResponseType: "ephemeral", ReplaceOriginal: true}},
		},
		{name: "someone else's button", actionID: "other_app_button", value: "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan commands.Click, 1)
			core := &coreStub{click: func(_ context.Context, c commands.Click) []commands.Reply {
				got <- c
				return tt.replies
			}}
			hs := startListener(t, core, slackfake.Config{}, nil)

			d := hs.fake.ClickButton(slackfake.ButtonClick{
				ChannelID: "C0STANDUP", UserID: "U0ADA", ActionID: tt.actionID, Value: tt.value,
			})

			if _, err := hs.fake.WaitAck(listenWaitCtx(t), d.EnvelopeID); err != nil {
				t.Fatal(err)
			}
			if tt.wantClick != nil {
				if _, err := hs.fake.WaitResponses(listenWaitCtx(t), d.ResponseURL, len(tt.want)); err != nil {
					t.Fatal(err)
				}
			}
			if err := hs.stop(t); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if tt.wantClick == nil {
				if n := core.calls.Load(); n != 0 {
					t.Errorf("core called %d times for a button that is not ours", n)
				}
				return
			}
			want := *tt.wantClick
			want.TeamID, want.ChannelID, want.UserID = slackfake.DefaultTeamID, "C0STANDUP", "U0ADA"
			want.EnvelopeID, want.TriggerID = d.EnvelopeID, d.TriggerID
			if diff := cmp.Diff(want, <-got); diff != "" {
				t.Errorf("click handed to the core (-want +got):\n%s", diff)
			}
			var gotViews, wantViews []userView
			for _, r := range hs.fake.Responses(d.ResponseURL) {
				gotViews = append(gotViews, viewOfResponse(t, r))
			}
			for i, w := range tt.want {
				v := viewOfMsg(t, Render(tt.replies[i]))
				v.ResponseType, v.ReplaceOriginal, v.DeleteOriginal = w.ResponseType, w.ReplaceOriginal, w.DeleteOriginal
				wantViews = append(wantViews, v)
			}
			if diff := cmp.Diff(wantViews, gotViews); diff != "" {
				t.Errorf("messages at the response_url (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOtherSlashCommandsAreAckedAndIgnored(t *testing.T) {
	t.Parallel()
	core := &coreStub{}
	hs := startListener(t, core, slackfake.Config{}, nil)

	d := hs.fake.SlashCommand(slackfake.SlashCommand{Command: "/weather", ChannelID: "C1", UserID: "U1", Text: "today"})

	ack, err := hs.fake.WaitAck(listenWaitCtx(t), d.EnvelopeID)
	if err != nil {
		t.Fatal(err)
	}
	if err := hs.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if ack.Payload != nil || len(hs.fake.Responses(d.ResponseURL)) != 0 {
		t.Errorf("answered a command that is not ours: ack %s, responses %v", ack.Payload, hs.fake.Responses(d.ResponseURL))
	}
	if n := core.calls.Load(); n != 0 {
		t.Errorf("core called %d times", n)
	}
}

func TestCommandDeadlineAndPanicStillAnswer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		handle func(context.Context, commands.Request) []commands.Reply
		want   commands.ErrorCode
	}{
		{
			name: "deadline passes in silence",
			handle: func(ctx context.Context, _ commands.Request) []commands.Reply {
				<-ctx.Done()
				return nil
			},
			want: commands.CodeTimeout,
		},
		{
			name:   "core panics",
			handle: func(context.Context, commands.Request) []commands.Reply { panic("boom") },
			want:   commands.CodeInternal,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hs := startListener(t, &coreStub{handle: tt.handle}, slackfake.Config{},
				func(c *Config) { c.CommandTimeout = 50 * time.Millisecond })

			d := hs.fake.SlashCommand(slackfake.SlashCommand{ChannelID: "C1", UserID: "U1", Text: "status 1"})

			resps, err := hs.fake.WaitResponses(listenWaitCtx(t), d.ResponseURL, 1)
			if err != nil {
				t.Fatal(err)
			}
			got := resps[0]
			if !got.Ephemeral() {
				t.Errorf("response_type = %q, want ephemeral", got.ResponseType)
			}
			ref := ""
			if tt.want == commands.CodeInternal {
				recs := hs.logs.records(t, "command panicked")
				if len(recs) != 1 {
					t.Fatalf("panic log lines = %d, want 1", len(recs))
				}
				ref, _ = recs[0]["ref"].(string)
				if ref == "" || !strings.Contains(got.Text, ref) {
					t.Errorf("answer %q does not carry the logged ref %q", got.Text, ref)
				}
			}
			want := Render(commands.Reply{Error: &commands.ErrorView{Code: tt.want, Ref: ref}})
			if got.Text != want.Text {
				t.Errorf("answer = %q, want %q", got.Text, want.Text)
			}
		})
	}
}

func TestSecretsStayOutOfLogs(t *testing.T) {
	t.Parallel()
	var clockMu sync.Mutex
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		clockMu.Lock()
		defer clockMu.Unlock()
		return now
	}
	core := &coreStub{handle: func(context.Context, commands.Request) []commands.Reply {
		clockMu.Lock()
		now = now.Add(31 * time.Minute) // the response_url expires meanwhile
		clockMu.Unlock()
		return []commands.Reply{noticeReply(commands.InChannel, "too late")}
	}}
	hs := startListener(t, core, slackfake.Config{Now: clock}, nil)

	d := hs.fake.SlashCommand(slackfake.SlashCommand{ChannelID: "C1", UserID: "U1", Text: "status 1"})
	if _, err := hs.fake.WaitAck(listenWaitCtx(t), d.EnvelopeID); err != nil {
		t.Fatal(err)
	}
	if err := hs.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}

	recs := hs.logs.records(t, "cannot post reply")
	if len(recs) != 1 {
		t.Fatalf("'cannot post reply' log lines = %d, want 1; logs:\n%s", len(recs), hs.logs)
	}
	if e, _ := recs[0]["err"].(string); !strings.Contains(e, "expired_url") || !strings.Contains(e, "/response/…") {
		t.Errorf("logged error %q should name the Slack error and the redacted URL", e)
	}
	for _, k := range []string{"team_id", "channel_id", "user_id", "command"} {
		if recs[0][k] == nil {
			t.Errorf("log line lacks %s: %v", k, recs[0])
		}
	}
	logs := hs.logs.String()
	secretPath := d.ResponseURL[strings.LastIndex(d.ResponseURL, "/")+1:]
	for name, s := range map[string]string{
		"app token": hs.fake.AppToken(), "bot token": hs.fake.BotToken(), "response_url path": secretPath,
	} {
		if strings.Contains(logs, s) {
			t.Errorf("logs contain the %s", name)
		}
	}
}

func TestNewListenerRejectsIncompleteConfig(t *testing.T) {
	t.Parallel()
	_, err := NewListener(Config{AppToken: "xapp-secret-value"})
	if err == nil {
		t.Fatal("NewListener accepted a config without bot token and handler")
	}
	for _, want := range []string{"bot token", "handler"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "xapp-secret-value") {
		t.Errorf("error %q reveals the token", err)
	}
}
