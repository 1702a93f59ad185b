package commands

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtkbot/rtkbot/internal/meeting"
	"github.com/rtkbot/rtkbot/internal/testutil"
)

// The test world: one meeting with a live session and a handful of people.
const (
	meetingID = "0b9e6a4c-1d2f-4a3b-8c5d-6e7f8a9b0c1d"
	title     = "Weekly sync"

	modID    = "UMOD1"  // listed in Moderators
	userID   = "UUSER1" // nobody special
	teamID   = "T1"
	chanID   = "C1"
	pAlice   = "11111111-1111-4111-8111-111111111111"
	pBob     = "22222222-2222-4222-8222-222222222222"
	pBobby   = "33333333-3333-4333-8333-333333333333"
	pCarol   = "44444444-4444-4444-8444-444444444444"
	pDave    = "55555555-5555-4555-8555-555555555555"
	pChannel = "66666666-6666-4666-8666-666666666666"
)

var t0 = time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)

func liveParticipants() []meeting.Participant {
	return []meeting.Participant{
		{ID: pBob, CustomParticipantID: "UBOB", Name: "Bob Smith", Preset: "group_call_participant", JoinedAt: t0.Add(2 * time.Minute)},
		{ID: pAlice, CustomParticipantID: "alice@example.com", Name: "Alice Archer", Preset: "group_call_host", JoinedAt: t0},
		{ID: pBobby, CustomParticipantID: "bobby@example.com", Name: "Bobby Tables", JoinedAt: t0.Add(3 * time.Minute)},
		{ID: pCarol, CustomParticipantID: "carol-ext-7", Name: "Carol Jones", JoinedAt: t0.Add(4 * time.Minute)},
		{ID: pDave, Name: "dave", JoinedAt: t0.Add(5 * time.Minute)},
		{ID: pChannel, Name: "<!channel>", JoinedAt: t0.Add(6 * time.Minute)},
	}
}

func liveSession() meeting.Session {
	return meeting.Session{
		ID: "sess-1", MeetingID: meetingID, MeetingTitle: title, Status: meeting.StatusLive,
		LiveParticipants: 6, PeakParticipants: 9, MinutesConsumed: 42.5, StartedAt: t0,
	}
}

// rtCall is one recorded call to the fake RealtimeKit.
type rtCall struct {
	Method      string
	MeetingID   string
	Targets     meeting.Targets
	AllowUnmute bool
	Question    string
	Options     []string
	Anonymous   bool
	HideVotes   bool
}

// mutating are the methods that change a meeting.
var mutating = []string{"Kick", "Mute", "KickAll", "MuteAll", "CreatePoll"}

// fakeRT is a hand-written Realtime: each method records its call and
// defers to a function field, which newFakeRT points at a live meeting.
type fakeRT struct {
	mu    sync.Mutex
	calls []rtCall

	MeetingFn          func(ctx context.Context, id string) (meeting.Meeting, error)
	ActiveSessionFn    func(ctx context.Context, id string) (meeting.Session, error)
	LiveParticipantsFn func(ctx context.Context, id string) ([]meeting.Participant, error)
	KickFn             func(ctx context.Context, id string, t meeting.Targets) ([]meeting.Affected, error)
	MuteFn             func(ctx context.Context, id string, t meeting.Targets) ([]meeting.Affected, error)
	KickAllFn          func(ctx context.Context, id string) (int, error)
	MuteAllFn          func(ctx context.Context, id string, allowUnmute bool) (int, error)
	CreatePollFn       func(ctx context.Context, id, q string, opts []string, anon, hide bool) (meeting.Poll, error)
}

var _ Realtime = (*fakeRT)(nil)

func newFakeRT() *fakeRT {
	f := &fakeRT{}
	known := func(id string) error {
		if id != meetingID {
			return fmt.Errorf("GET meetings/%s: HTTP 404: %w", id, meeting.ErrMeetingNotFound)
		}
		return nil
	}
	noSession := func(id string) error {
		if id != meetingID {
			return fmt.Errorf("GET active-session: HTTP 404: %w", meeting.ErrNoActiveSession)
		}
		return nil
	}
	affected := func(t meeting.Targets) ([]meeting.Affected, error) {
		var out []meeting.Affected
		for _, id := range t.ParticipantIDs {
			i := slices.IndexFunc(liveParticipants(), func(p meeting.Participant) bool { return p.ID == id })
			if i < 0 {
				return nil, fmt.Errorf("POST active-session/kick: HTTP 404: %w", meeting.ErrParticipantNotFound)
			}
			p := liveParticipants()[i]
			out = append(out, meeting.Affected{ID: p.ID, CustomParticipantID: p.CustomParticipantID, Name: p.Name})
		}
		return out, nil
	}
	f.MeetingFn = func(_ context.Context, id string) (meeting.Meeting, error) {
		if err := known(id); err != nil {
			return meeting.Meeting{}, err
		}
		return meeting.Meeting{ID: id, Title: title, Status: "ACTIVE"}, nil
	}
	f.ActiveSessionFn = func(_ context.Context, id string) (meeting.Session, error) {
		if err := noSession(id); err != nil {
			return meeting.Session{}, err
		}
		return liveSession(), nil
	}
	f.LiveParticipantsFn = func(_ context.Context, id string) ([]meeting.Participant, error) {
		if err := noSession(id); err != nil {
			return nil, err
		}
		return liveParticipants(), nil
	}
	f.KickFn = func(_ context.Context, _ string, t meeting.Targets) ([]meeting.Affected, error) { return affected(t) }
	f.MuteFn = func(_ context.Context, _ string, t meeting.Targets) ([]meeting.Affected, error) { return affected(t) }
	f.KickAllFn = func(context.Context, string) (int, error) { return len(liveParticipants()), nil }
	f.MuteAllFn = func(context.Context, string, bool) (int, error) { return len(liveParticipants()), nil }
	f.CreatePollFn = func(_ context.Context, _, q string, opts []string, anon, hide bool) (meeting.Poll, error) {
		p := meeting.Poll{ID: "poll-1", Question: q, Anonymous: anon, HideVotes: hide, CreatedBy: "rtkbot"}
		for _, o := range opts {
			p.Options = append(p.Options, meeting.PollOption{Text: o})
		}
		return p, nil
	}
	return f
}

func (f *fakeRT) record(c rtCall) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
}

// Calls returns every call so far.
func (f *fakeRT) Calls() []rtCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// Mutations returns the calls that change a meeting.
func (f *fakeRT) Mutations() []rtCall {
	var out []rtCall
	for _, c := range f.Calls() {
		if slices.Contains(mutating, c.Method) {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeRT) Meeting(ctx context.Context, id string) (meeting.Meeting, error) {
	f.record(rtCall{Method: "Meeting", MeetingID: id})
	return f.MeetingFn(ctx, id)
}

func (f *fakeRT) ActiveSession(ctx context.Context, id string) (meeting.Session, error) {
	f.record(rtCall{Method: "ActiveSession", MeetingID: id})
	return f.ActiveSessionFn(ctx, id)
}

func (f *fakeRT) LiveParticipants(ctx context.Context, id string) ([]meeting.Participant, error) {
	f.record(rtCall{Method: "LiveParticipants", MeetingID: id})
	return f.LiveParticipantsFn(ctx, id)
}

func (f *fakeRT) Kick(ctx context.Context, id string, t meeting.Targets) ([]meeting.Affected, error) {
	f.record(rtCall{Method: "Kick", MeetingID: id, Targets: t})
	return f.KickFn(ctx, id, t)
}

func (f *fakeRT) Mute(ctx context.Context, id string, t meeting.Targets) ([]meeting.Affected, error) {
	f.record(rtCall{Method: "Mute", MeetingID: id, Targets: t})
	return f.MuteFn(ctx, id, t)
}

func (f *fakeRT) KickAll(ctx context.Context, id string) (int, error) {
	f.record(rtCall{Method: "KickAll", MeetingID: id})
	return f.KickAllFn(ctx, id)
}

func (f *fakeRT) MuteAll(ctx context.Context, id string, allowUnmute bool) (int, error) {
	f.record(rtCall{Method: "MuteAll", MeetingID: id, AllowUnmute: allowUnmute})
	return f.MuteAllFn(ctx, id, allowUnmute)
}

func (f *fakeRT) CreatePoll(ctx context.Context, id, q string, opts []string, anon, hide bool) (meeting.Poll, error) {
	f.record(rtCall{Method: "CreatePoll", MeetingID: id, Question: q, Options: slices.Clone(opts), Anonymous: anon, HideVotes: hide})
	return f.CreatePollFn(ctx, id, q, opts, anon, hide)
}

// fakeDir is a hand-written Directory over maps, counting its calls.
type fakeDir struct {
	mu        sync.Mutex
	users     map[string]User
	groups    map[string][]string
	userErr   error
	groupErr  error
	userCalls int
	grpCalls  int
}

var _ Directory = (*fakeDir)(nil)

func newFakeDir() *fakeDir {
	return &fakeDir{
		users: map[string]User{
			modID:    {ID: modID, Name: "mod", DisplayName: "Mo", RealName: "Mo Derator"},
			userID:   {ID: userID, Name: "user", DisplayName: "Just A User"},
			"UADMIN": {ID: "UADMIN", Name: "admin", IsAdmin: true},
			"UOWNER": {ID: "UOWNER", Name: "owner", IsOwner: true},
			"UBOB":   {ID: "UBOB", Name: "bob", DisplayName: "bob", RealName: "Bob Smith", Email: "bob@example.com"},
			"UCAROL": {ID: "UCAROL", Name: "carol", DisplayName: "carol", RealName: "Carol Jones", Email: "carol@example.com"},
			"UBOBBY": {ID: "UBOBBY", Name: "bobby", DisplayName: "Bobby T", RealName: "Robert Tables", Email: "BOBBY@example.com"},
			"UDAVE":  {ID: "UDAVE", Name: "dave", DisplayName: "Dave", RealName: "David Stone"},
			"UGHOST": {ID: "UGHOST", Name: "ghost", DisplayName: "ghost", RealName: "Casper", Email: "ghost@example.com"},
			"UTWIN":  {ID: "UTWIN", Name: "twin", DisplayName: "Bob Smith"},
		},
		groups: map[string][]string{"SMODS": {"UGRP1", "UGRP2"}},
	}
}

func (d *fakeDir) User(_ context.Context, id string) (User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.userCalls++
	if d.userErr != nil {
		return User{}, d.userErr
	}
	u, ok := d.users[id]
	if !ok {
		return User{}, fmt.Errorf("users.info %s: user_not_found", id)
	}
	return u, nil
}

func (d *fakeDir) GroupMembers(_ context.Context, id string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.grpCalls++
	if d.groupErr != nil {
		return nil, d.groupErr
	}
	return slices.Clone(d.groups[id]), nil
}

func (d *fakeDir) set(fn func(d *fakeDir)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	fn(d)
}

func (d *fakeDir) counts() (users, groups int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.userCalls, d.grpCalls
}

// fakeAuditor records entries.
type fakeAuditor struct {
	mu      sync.Mutex
	entries []AuditEntry
}

func (a *fakeAuditor) Record(_ context.Context, e AuditEntry) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, e)
}

func (a *fakeAuditor) Entries() []AuditEntry {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.entries)
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a Service wired to fakes.
type env struct {
	rt    *fakeRT
	dir   *fakeDir
	aud   *fakeAuditor
	clock *clock
	logs  *testutil.Buffer
	svc   *Service
}

// newEnv builds a Service with modID as the only moderator; opts adjust the
// Config before New.
func newEnv(t testing.TB, opts ...func(*Config)) *env {
	t.Helper()
	e := &env{rt: newFakeRT(), dir: newFakeDir(), aud: &fakeAuditor{}, clock: &clock{t: t0.Add(30 * time.Minute)}, logs: &testutil.Buffer{}}
	var ids struct {
		sync.Mutex
		n int
	}
	cfg := Config{
		Realtime:   e.rt,
		Directory:  e.dir,
		Auditor:    e.aud,
		Moderators: []string{modID},
		Now:        e.clock.Now,
		NewID: func() string {
			ids.Lock()
			defer ids.Unlock()
			ids.n++
			return fmt.Sprintf("id%d", ids.n)
		},
		Logger: slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, o := range opts {
		o(&cfg)
	}
	svc, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.svc = svc
	return e
}

// run handles "/meeting text" from user.
func (e *env) run(ctx context.Context, user, text string) []Reply {
	return e.svc.Handle(ctx, Request{TeamID: teamID, ChannelID: chanID, UserID: user, UserName: strings.ToLower(user), Text: text})
}

// errorOf returns the only reply's ErrorView, failing the test otherwise.
func errorOf(t *testing.T, replies []Reply) ErrorView {
	t.Helper()
	if len(replies) != 1 || replies[0].Error == nil {
		t.Fatalf("want one error reply, got %s", describe(replies))
	}
	if replies[0].Visibility != Ephemeral {
		t.Errorf("error reply is not ephemeral")
	}
	return *replies[0].Error
}

// describe prints replies for failure messages.
func describe(replies []Reply) string {
	var b strings.Builder
	for i, r := range replies {
		fmt.Fprintf(&b, "\n  [%d] vis=%d replace=%t delete=%t", i, r.Visibility, r.ReplaceOriginal, r.DeleteOriginal)
		switch {
		case r.Error != nil:
			fmt.Fprintf(&b, " error=%+v", *r.Error)
		case r.Help != nil:
			fmt.Fprintf(&b, " help=%+v", *r.Help)
		case r.Status != nil:
			fmt.Fprintf(&b, " status=%+v", *r.Status)
		case r.Action != nil:
			fmt.Fprintf(&b, " action=%+v", *r.Action)
		case r.Confirm != nil:
			fmt.Fprintf(&b, " confirm=%+v", *r.Confirm)
		case r.Poll != nil:
			fmt.Fprintf(&b, " poll=%+v", *r.Poll)
		case r.Notice != nil:
			fmt.Fprintf(&b, " notice=%+v", *r.Notice)
		}
	}
	return b.String()
}

// participant returns the world's participant with that ID.
func participant(id string) meeting.Participant {
	for _, p := range liveParticipants() {
		if p.ID == id {
			return p
		}
	}
	panic("no participant " + id)
}

func affected(ids ...string) []meeting.Affected {
	var out []meeting.Affected
	for _, id := range ids {
		p := participant(id)
		out = append(out, meeting.Affected{ID: p.ID, CustomParticipantID: p.CustomParticipantID, Name: p.Name})
	}
	return out
}
