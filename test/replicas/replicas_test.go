package replicas

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
	"github.com/rtkbot/rtkbot/internal/slackapp"
	"github.com/rtkbot/rtkbot/internal/slackapp/slackfake"
)

// From examples/demo-meeting.json: "Weekly All-Hands", live.
const (
	meetingID = "9f3c2a1e-5b7d-4e8f-a012-3c4d5e6f7a81"
	channelID = "C0MEETING"
	modID     = "U0MOD"
	teamID    = "T0TEAM"
	appToken  = "xapp-1-replicas-app-token"
	botToken  = "xoxb-replicas-bot-token"
	cfToken   = "cf-replicas-api-token"
	accountID = "023e105f4ecef8ad9ca31a8372d0c353"
	appID     = "app-replicas"
)

// fakes is one fake Slack and one fake RealtimeKit with the demo meeting.
func fakes(t *testing.T) (*slackfake.Server, *rtkfake.Server) {
	t.Helper()
	sl := slackfake.NewTestServer(t, slackfake.Config{
		AppToken: appToken, BotToken: botToken, TeamID: teamID,
		PingInterval: 2 * time.Second,
		// Slack redelivers what a dead connection never acked.
		RedeliverAfter: 2 * time.Second, MaxRetries: 3,
	})
	sl.AddUser(slackfake.User{ID: modID, Name: "mo", RealName: "Mo Derator", DisplayName: "mo"})
	rtk := rtkfake.NewTestServer(t, rtkfake.Config{Token: cfToken, AccountID: accountID, AppID: appID})
	if err := rtk.LoadSeedFile(filepath.Join("..", "..", "examples", "demo-meeting.json")); err != nil {
		t.Fatal(err)
	}
	return sl, rtk
}

func botEnv(sl *slackfake.Server, rtk *rtkfake.Server, databaseURL string) []string {
	return []string{
		"SLACK_APP_TOKEN=" + appToken, "SLACK_BOT_TOKEN=" + botToken, "SLACK_API_URL=" + sl.APIURL(),
		"CLOUDFLARE_API_TOKEN=" + cfToken, "CLOUDFLARE_ACCOUNT_ID=" + accountID, "REALTIMEKIT_APP_ID=" + appID,
		"CLOUDFLARE_BASE_URL=" + rtk.BaseURL(), "REALTIMEKIT_RATE_LIMIT=1000", "REALTIMEKIT_RATE_BURST=1000",
		"BOT_MODERATORS=" + modID, "BOT_HTTP_ADDR=127.0.0.1:0", "DATABASE_URL=" + databaseURL,
		"LOG_LEVEL=debug", "LOG_FORMAT=json",
	}
}

// mutedIDs returns how many mute requests named each participant ID.
func mutedIDs(t *testing.T, rtk *rtkfake.Server) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, r := range rtk.RequestsFor(rtkfake.RouteMute) {
		var body struct {
			ParticipantIDs []string `json:"participant_ids"`
		}
		if err := r.DecodeBody(&body); err != nil {
			t.Fatalf("mute body: %v", err)
		}
		for _, id := range body.ParticipantIDs {
			n[id]++
		}
	}
	return n
}

// auditRows counts the audit rows of verb with outcome by their targets.
func auditRows(t *testing.T, databaseURL, verb, outcome string) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	rows, err := conn.Query(ctx, "SELECT targets FROM audit_log WHERE verb = $1 AND outcome = $2", verb, outcome)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := map[string]int{}
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var targets []string
		if err := json.Unmarshal(raw, &targets); err != nil {
			t.Fatalf("audit targets %s: %v", raw, err)
		}
		n[strings.Join(targets, ",")]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// Three replicas share one app token and one Postgres database; Slack
// spreads envelopes over them, redelivers some, and one replica dies
// with SIGKILL in the middle of the stream.
func TestThreeReplicasExecuteEveryCommandOnce(t *testing.T) {
	const (
		replicas = 3
		mutes    = 60
		kicks    = 4
	)
	databaseURL := scratchDatabase(t)
	sl, rtk := fakes(t)
	muteIDs := make([]string, mutes)
	for i := range muteIDs {
		p, err := rtk.Join(meetingID, rtkfake.Participant{UserID: fmt.Sprintf("mute-user-%03d", i), Name: fmt.Sprintf("m%03d", i)})
		if err != nil {
			t.Fatal(err)
		}
		muteIDs[i] = p.UserID
	}
	kickIDs := make([]string, kicks)
	for i := range kickIDs {
		p, err := rtk.Join(meetingID, rtkfake.Participant{UserID: fmt.Sprintf("kick-user-%03d", i), Name: fmt.Sprintf("k%03d", i)})
		if err != nil {
			t.Fatal(err)
		}
		kickIDs[i] = p.UserID
	}

	bots := make([]*bot, replicas)
	for i := range bots {
		bots[i] = startBot(t, fmt.Sprintf("replica %d", i), botEnv(sl, rtk, databaseURL))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	if err := sl.WaitConnections(ctx, replicas); err != nil {
		t.Fatalf("replicas never all connected: %v", err)
	}

	// The stream: every tenth command is delivered twice.
	ds := make([]slackfake.Delivery, mutes)
	duplicates := 0
	var ackedBeforeKill map[string]bool
	for i := range ds {
		if i == mutes/2 {
			// Kill with commands in flight: some acked and answered, some
			// acked and running, some not yet acked.
			if _, err := sl.WaitAcks(ctx, mutes/3); err != nil {
				t.Fatalf("first commands not acked: %v", err)
			}
			bots[0].kill(t)
			// Read after the kill: an ack can race a snapshot taken before
			// it. Acks by live replicas in between are harmless here.
			ackedBeforeKill = map[string]bool{}
			for _, a := range sl.Acks() {
				ackedBeforeKill[a.EnvelopeID] = true
			}
		}
		ds[i] = sl.SlashCommand(slackfake.SlashCommand{ChannelID: channelID, UserID: modID, Text: fmt.Sprintf("mute %s m%03d", meetingID, i)})
		if i%10 == 3 {
			if err := sl.Redeliver(ds[i].EnvelopeID); err != nil {
				t.Fatal(err)
			}
			duplicates++
		}
	}

	// Confirmed kicks, on the surviving replicas; each click is
	// delivered twice.
	for i := range kickIDs {
		cmd := sl.SlashCommand(slackfake.SlashCommand{ChannelID: channelID, UserID: modID, Text: fmt.Sprintf("kick %s k%03d", meetingID, i)})
		if _, err := sl.WaitResponses(ctx, cmd.ResponseURL, 1); err != nil {
			t.Fatalf("kick %d: no prompt: %v", i, err)
		}
		click := sl.ClickButton(slackfake.ButtonClick{UserID: modID, ChannelID: channelID, ActionID: slackapp.ActionConfirm, ResponseURL: cmd.ResponseURL})
		if err := sl.Redeliver(click.EnvelopeID); err != nil {
			t.Fatal(err)
		}
		duplicates++
		if _, err := sl.WaitResponses(ctx, click.ResponseURL, 2); err != nil {
			t.Fatalf("kick %d: confirmation not answered: %v", i, err)
		}
	}

	// Every mute is answered. Those the killed replica had acked and not
	// answered are taken over by a survivor once the killed one has
	// missed its heartbeats (10 s): run if it had not started them,
	// reported as interrupted if it had.
	wctx, wcancel := context.WithTimeout(ctx, 40*time.Second)
	defer wcancel()
	interrupted := map[string]bool{}
	for i, d := range ds {
		rs, err := sl.WaitResponses(wctx, d.ResponseURL, 1)
		if err != nil {
			t.Errorf("mute m%03d (acked before the kill: %t) never answered: %v", i, ackedBeforeKill[d.EnvelopeID], err)
			continue
		}
		if strings.Contains(rs[0].Text+string(rs[0].Blocks), "interrupted by a restart") {
			interrupted[muteIDs[i]] = true
		}
	}
	// A pre-kill command acked only after an automatic (timeout)
	// redelivery was on the killed replica's connection, unacked.
	manual := map[string]bool{}
	for i, d := range ds {
		if i%10 == 3 {
			manual[d.EnvelopeID] = true
		}
	}
	redelivered := 0
	for _, a := range sl.Acks() {
		if !ackedBeforeKill[a.EnvelopeID] && !manual[a.EnvelopeID] && a.RetryAttempt > 0 {
			redelivered++
		}
	}

	muted := mutedIDs(t, rtk)
	okRows := auditRows(t, databaseURL, "mute", "ok")
	interruptedRows := auditRows(t, databaseURL, "mute", "failed")
	count := func(rows map[string]int, match string) int {
		n := 0
		for target, k := range rows {
			if strings.Contains(target, match) {
				n += k
			}
		}
		return n
	}
	interruptedExecuted := 0
	for i, id := range muteIDs {
		name := fmt.Sprintf("m%03d", i)
		ok, intr := count(okRows, "("+id+")"), count(interruptedRows, name)
		if muted[id] > 1 {
			t.Errorf("participant %s muted by %d requests, want at most 1", name, muted[id])
		}
		if interrupted[id] {
			// Its replica died after claiming it: it may have gone out, at
			// most once, and the interruption is on record.
			if muted[id] == 1 {
				interruptedExecuted++
			}
			if intr != 1 || ok > muted[id] {
				t.Errorf("interrupted mute %s: %d interruption rows and %d ok rows for %d mute requests, want 1 and at most the requests",
					name, intr, ok, muted[id])
			}
			continue
		}
		if muted[id] != 1 || ok != 1 || intr != 0 {
			t.Errorf("answered mute %s: %d mute requests, %d ok and %d interrupted audit rows, want 1, 1 and 0", name, muted[id], ok, intr)
		}
	}
	adopted := 0
	for _, b := range bots[1:] {
		adopted += strings.Count(b.logs.String(), "answering a command accepted by a replica that stopped")
	}
	if adopted < len(interrupted) {
		t.Errorf("%d commands reported as interrupted, but only %d taken over", len(interrupted), adopted)
	}
	t.Logf("%d mutes + %d confirmed kicks, %d duplicate deliveries, %d envelopes acked before the kill, "+
		"%d unacked on the killed replica and redelivered to a live one, "+
		"%d acked by the killed replica and taken over by a survivor: %d run, %d reported as interrupted (%d of them muted upstream)",
		mutes, kicks, duplicates, len(ackedBeforeKill), redelivered,
		adopted, adopted-len(interrupted), len(interrupted), interruptedExecuted)

	kicked := map[string]int{}
	for _, r := range rtk.RequestsFor(rtkfake.RouteKick) {
		var body struct {
			ParticipantIDs []string `json:"participant_ids"`
		}
		if err := r.DecodeBody(&body); err != nil {
			t.Fatal(err)
		}
		for _, id := range body.ParticipantIDs {
			kicked[id]++
		}
	}
	for i, id := range kickIDs {
		if kicked[id] != 1 {
			t.Errorf("participant k%03d kicked by %d requests, want 1", i, kicked[id])
		}
	}
	if n := rtk.RequestCount(rtkfake.RouteKick); n != kicks {
		t.Errorf("kick requests = %d, want %d", n, kicks)
	}
	if kaud := auditRows(t, databaseURL, "kick", "ok"); len(kaud) != kicks {
		t.Errorf("kick audit rows = %v, want one for each of %d kicks", kaud, kicks)
	} else {
		for target, n := range kaud {
			if n != 1 {
				t.Errorf("%d kick audit rows for %s, want 1", n, target)
			}
		}
	}
}
