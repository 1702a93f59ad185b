package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
	"github.com/rtkbot/rtkbot/internal/slackapp/slackfake"
)

// confirmActionID is the action_id of rtkbot's Confirm button on a kick
// prompt (internal/slackapp.ActionConfirm; repeated here because loadgen
// drives the bot from outside, as Slack does).
const confirmActionID = "rtkbot_confirm"

// interaction is one envelope loadgen sent and what came back for it.
type interaction struct {
	verb        string // a Verb*, or "kick-confirm" for the click
	meeting     int
	participant string
	d           slackfake.Delivery
	// alsoURL, for a click, is the prompt's response_url: the bot may
	// replace the prompt there instead of answering on the click's own.
	alsoURL   string
	alsoAfter int // responses alsoURL had before the click

	answered bool
	answerAt time.Time
	class    string // answerClass of the first answer
}

// answerClass sorts an answer by what the user is told.
func answerClass(raw []byte) string {
	t := strings.ToLower(string(raw))
	switch {
	case strings.Contains(t, "busy"):
		return "busy"
	case strings.Contains(t, "rate limit") || strings.Contains(t, "rate-limit"):
		return "rate_limited"
	case strings.Contains(t, "internal error"):
		return "internal_error"
	case strings.Contains(t, "timed out") || strings.Contains(t, "timeout"):
		return "timeout"
	}
	return "ok"
}

// commandText is the /meeting text for a verb.
func commandText(verb, meetingID, participant string) string {
	switch verb {
	case VerbMute, VerbKick:
		return verb + " " + meetingID + " " + participant
	case VerbPoll:
		return `poll ` + meetingID + ` "Where do we eat?" "Pizza" "Sushi" "Tacos"`
	}
	return verb + " " + meetingID
}

// runner drives one scenario against one running bot.
type runner struct {
	w        *world
	sc       Scenario
	mix      []string
	total    int
	progress io.Writer
	label    string

	mu      sync.Mutex
	all     []*interaction
	pending []*interaction
	cursor  []int // next participant per meeting
	sent    int
	first   time.Time
	last    time.Time // latest answer
}

func newRunner(w *world, sc Scenario, mix map[string]int, progress io.Writer, label string) *runner {
	return &runner{
		w: w, sc: sc, mix: schedule(mix), total: sc.total(), progress: progress, label: label,
		cursor: make([]int, len(w.meetings)),
	}
}

// send fires the i-th command of the scenario.
func (r *runner) send(i int) {
	verb := r.mix[i%len(r.mix)]
	m := (i / len(r.mix)) % len(r.w.meetings)
	sm := r.w.meetings[m]
	r.mu.Lock()
	p := sm.Participants[r.cursor[m]%len(sm.Participants)]
	if verb == VerbMute || verb == VerbKick {
		r.cursor[m]++
	}
	r.mu.Unlock()
	d := r.w.slack.SlashCommand(slackfake.SlashCommand{
		ChannelID: channelID, UserID: moderatorID, Text: commandText(verb, sm.ID, p),
	})
	it := &interaction{verb: verb, meeting: m, participant: p, d: d}
	r.mu.Lock()
	if r.sent == 0 {
		r.first = d.SentAt
	}
	r.sent++
	r.all = append(r.all, it)
	r.pending = append(r.pending, it)
	r.mu.Unlock()
}

// fire sends the scenario's commands: all at once for a burst, paced for
// a steady load (catching up in a batch if the sender fell behind).
func (r *runner) fire(ctx context.Context) {
	if r.sc.Kind == "burst" {
		for i := range r.total {
			r.send(i)
		}
		return
	}
	start := time.Now()
	interval := time.Duration(float64(time.Second) / r.sc.Rate)
	for i := range r.total {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return
			}
		}
		r.send(i)
	}
}

// pollInterval is how often watch looks for answers.
const pollInterval = 20 * time.Millisecond

// watch polls the fake Slack for answers until every interaction has one
// or ctx ends. Times come from the fake's records, so the polling period
// does not affect the latencies measured.
func (r *runner) watch(ctx context.Context, doneSending <-chan struct{}) {
	// Each check takes the fake Slack's lock, which its socket reader also
	// needs to record an ack; polling too often would delay acks and
	// inflate the very latency being measured.
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	sending := true
	for {
		r.mu.Lock()
		pending := r.pending
		r.pending = nil
		r.mu.Unlock()
		var still []*interaction
		for _, it := range pending {
			if !r.check(it) {
				still = append(still, it)
			}
		}
		r.mu.Lock()
		r.pending = append(still, r.pending...)
		left := len(r.pending)
		r.mu.Unlock()
		if !sending && left == 0 {
			return
		}
		select {
		case <-doneSending:
			sending = false
			doneSending = nil
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

// check looks for it's first answer; it reports whether it got one. A
// kick prompt with a Confirm button is clicked, as the moderator would.
func (r *runner) check(it *interaction) bool {
	resps := r.w.slack.Responses(it.d.ResponseURL)
	var got *slackfake.Response
	if len(resps) > 0 {
		got = &resps[0]
	} else if it.alsoURL != "" {
		if also := r.w.slack.Responses(it.alsoURL); len(also) > it.alsoAfter {
			got = &also[it.alsoAfter]
		}
	}
	if got == nil {
		return false
	}
	r.mu.Lock()
	it.answered, it.answerAt, it.class = true, got.At, answerClass(got.Raw)
	if got.At.After(r.last) {
		r.last = got.At
	}
	r.mu.Unlock()
	switch {
	case it.verb == VerbKick && bytes.Contains(got.Raw, []byte(confirmActionID)):
		r.click(it)
	case it.verb == "kick-confirm" && it.class == "ok":
		// Bring the kicked person back so the pool of targets stays full.
		_, _ = r.w.rtk.Join(r.w.meetings[it.meeting].ID, rtkfake.Participant{UserID: it.participant})
	}
	return true
}

// click presses Confirm on a kick prompt and tracks the click.
func (r *runner) click(prompt *interaction) {
	before := len(r.w.slack.Responses(prompt.d.ResponseURL))
	d := r.w.slack.ClickButton(slackfake.ButtonClick{
		UserID: moderatorID, ChannelID: channelID, ActionID: confirmActionID,
		ResponseURL: prompt.d.ResponseURL,
	})
	it := &interaction{
		verb: "kick-confirm", meeting: prompt.meeting, participant: prompt.participant, d: d,
		alsoURL: prompt.d.ResponseURL, alsoAfter: before,
	}
	r.mu.Lock()
	r.all = append(r.all, it)
	r.pending = append(r.pending, it)
	r.mu.Unlock()
}

// counts is a snapshot for the progress line.
func (r *runner) counts() (sent, answered, interactions int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, it := range r.all {
		if it.answered {
			answered++
		}
	}
	return r.sent, answered, len(r.all)
}

// report prints the progress line every second until ctx ends.
func (r *runner) report(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	start := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		sent, answered, n := r.counts()
		fmt.Fprintf(r.progress, "[%s] %3.0fs sent %d/%d  acked %d  answered %d/%d  upstream %d (429: %d)\n",
			r.label, time.Since(start).Seconds(), sent, r.total, len(r.w.slack.Acks()), answered, n,
			r.w.upstreamCalls(), r.w.upstream.refused.Load())
	}
}
