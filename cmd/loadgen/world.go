package main

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
	"github.com/rtkbot/rtkbot/internal/slackapp/slackfake"
)

// Identities loadgen plays in the fake workspace.
const (
	moderatorID = "U0LOADMOD" // in BOT_MODERATORS of both bots
	channelID   = "C0LOADGEN"
)

// world is one scenario's fake Slack and fake RealtimeKit, fresh for every
// run so counts and the bot's caches start from nothing.
type world struct {
	slack    *slackfake.Server
	rtk      *rtkfake.Server
	upstream *limitedUpstream
	rtkSrv   *http.Server
	rtkURL   string // CLOUDFLARE_BASE_URL
	meetings []seededMeeting
}

// seededMeeting is a live meeting and its participants' IDs.
type seededMeeting struct {
	ID           string
	Participants []string
}

// newWorld starts both fakes on 127.0.0.1 and seeds the scenario's
// meetings. The fake RealtimeKit is served by loadgen's own listener so
// that the upstream rate limit can sit in front of it.
func newWorld(sc Scenario) (*world, error) {
	w := &world{
		slack: slackfake.New(slackfake.Config{}),
		rtk:   rtkfake.New(rtkfake.Config{MaxRecorded: 1000}),
	}
	w.slack.AddUser(slackfake.User{ID: moderatorID, Name: "loadmod", RealName: "Load Moderator", DisplayName: "loadmod"})
	if sc.UpstreamLatency > 0 {
		w.rtk.SetFault(rtkfake.AllRoutes, rtkfake.Fault{Latency: time.Duration(sc.UpstreamLatency)})
	}
	w.upstream = &limitedUpstream{next: w.rtk, limit: sc.UpstreamLimit}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		w.close()
		return nil, fmt.Errorf("listen for the fake RealtimeKit: %w", err)
	}
	w.rtkSrv = &http.Server{Handler: w.upstream, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = w.rtkSrv.Serve(ln) }()
	w.rtkURL = "http://" + ln.Addr().String() + rtkfake.PathPrefix

	for m := range sc.Meetings {
		sm := seededMeeting{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", m+1)}
		var regs, peers []rtkfake.Participant
		for p := range sc.Participants {
			id := fmt.Sprintf("00000000-0000-4000-9%03d-%012d", m%1000, p+1)
			sm.Participants = append(sm.Participants, id)
			regs = append(regs, rtkfake.Participant{UserID: id, Name: fmt.Sprintf("Person %d-%d", m+1, p+1), Preset: "group_call_participant"})
			peers = append(peers, rtkfake.Participant{UserID: id})
		}
		w.rtk.AddMeeting(rtkfake.Meeting{
			ID:           sm.ID,
			Title:        fmt.Sprintf("Load meeting %d", m+1),
			Participants: regs,
			Session:      &rtkfake.Session{StartedAt: time.Now().Add(-10 * time.Minute), Participants: peers},
		})
		w.meetings = append(w.meetings, sm)
	}
	return w, nil
}

func (w *world) close() {
	if w.rtkSrv != nil {
		_ = w.rtkSrv.Close()
	}
	w.rtk.Close()
	w.slack.Close()
}

// upstreamCalls is every request that reached the fake RealtimeKit,
// including those the rate limit refused.
func (w *world) upstreamCalls() int {
	return w.rtk.RequestCount(rtkfake.AllRoutes) + int(w.upstream.refused.Load())
}

// limitedUpstream answers 429 in Cloudflare's envelope once more than
// limit.Requests arrived in the current window, as the real API does, and
// passes everything else to the fake.
type limitedUpstream struct {
	next  http.Handler
	limit *Limit

	mu      sync.Mutex
	start   time.Time
	used    int
	refused atomic.Int64
}

func (u *limitedUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if wait, ok := u.admit(time.Now()); !ok {
		u.refused.Add(1)
		secs := int((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"success":false,"errors":[{"code":971,"message":"Please wait and consider throttling your request speed"}],"messages":[],"result":null}`))
		return
	}
	u.next.ServeHTTP(w, r)
}

// admit counts a request against a fixed window; when refused it says how
// long until the window resets.
func (u *limitedUpstream) admit(now time.Time) (time.Duration, bool) {
	if u.limit == nil {
		return 0, true
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	win := time.Duration(u.limit.Window)
	if u.start.IsZero() || now.Sub(u.start) >= win {
		u.start, u.used = now, 0
	}
	if u.used >= u.limit.Requests {
		return u.start.Add(win).Sub(now), false
	}
	u.used++
	return 0, true
}
