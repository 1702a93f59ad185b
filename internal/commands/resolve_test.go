package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rtkbot/rtkbot/internal/meeting"
)

// liveNow is the "who is live" list the world's errors end with.
var liveNow = "Live now (6): Bob Smith (" + pBob + "), Alice Archer (" + pAlice + "), Bobby Tables (" + pBobby +
	"), Carol Jones (" + pCarol + "), dave (" + pDave + ") and <!channel> (" + pChannel + ")."

// TestResolve names people every supported way, through a dry-run mute (so
// what is resolved is what the user sees, and nothing is muted).
func TestResolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		who       string
		want      []string // participant IDs
		wantErr   *ErrorView
		userCalls int // directory lookups expected
	}{
		{name: "participant ID", who: pCarol, want: []string{pCarol}},
		{name: "participant ID in upper case", who: strings.ToUpper(pCarol), want: []string{pCarol}},
		{name: "custom participant ID", who: "carol-ext-7", want: []string{pCarol}},
		{name: "name, any case", who: `"bob SMITH"`, want: []string{pBob}},
		{name: "curly-quoted name", who: `“Alice Archer”`, want: []string{pAlice}},
		{name: "unique prefix", who: "car", want: []string{pCarol}},
		{name: "unique prefix, any case", who: "ALI", want: []string{pAlice}},
		{name: "typed @name without a mention", who: "@carol", want: []string{pCarol}},
		{name: "name that looks like markup, as Slack escapes it", who: "&lt;!channel&gt;", want: []string{pChannel}},
		{name: "several, in order, deduplicated", who: `dave <@UBOB|bob> "Bob Smith" ` + pBob + " dave",
			want: []string{pDave, pBob}},
		{name: "ambiguous prefix", who: "bob", wantErr: &ErrorView{Code: CodeAmbiguous,
			Message: "“bob” matches 2 people in “Weekly sync”: Bob Smith (" + pBob + ") and Bobby Tables (" + pBobby +
				"). Use a participant ID (or the full name in quotes) to pick one."}},
		{name: "no match lists who is live", who: "zed", wantErr: &ErrorView{Code: CodeNotFound,
			Message: "No one in “Weekly sync” matches “zed”. " + liveNow}},
		{name: "custom IDs are case-sensitive", who: "CAROL-EXT-7", wantErr: &ErrorView{Code: CodeNotFound,
			Message: "No one in “Weekly sync” matches “CAROL-EXT-7”. " + liveNow}},
		{name: "empty name", who: `""`, wantErr: &ErrorView{Code: CodeInvalid,
			Message: `An empty name ("") matches no one. Name a participant by @mention, participant ID or name.`}},
		{name: "mention: custom ID is the Slack ID, no lookup", who: "<@UBOB|bob>", want: []string{pBob}},
		{name: "mention: email, any case", who: "<@UBOBBY>", want: []string{pBobby}, userCalls: 1},
		{name: "mention: display name", who: "<@UDAVE|dave>", want: []string{pDave}, userCalls: 1},
		{name: "mention: real name", who: "<@UCAROL|carol>", want: []string{pCarol}, userCalls: 1},
		{name: "mention: no match", who: "<@UGHOST|ghost>", userCalls: 1, wantErr: &ErrorView{Code: CodeNotFound,
			Message: "No one in “Weekly sync” matches @ghost (I looked for custom ID UGHOST, their email address, “ghost”, “Casper”). " + liveNow}},
		{name: "mention: lookup fails", who: "<@UNOBODY|x>", userCalls: 1, wantErr: &ErrorView{Code: CodeInternal,
			Message: "Something went wrong on our side: internal error (ref id1). Nothing was changed.", Ref: "id1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			got := e.run(t.Context(), modID, "mute "+meetingID+" "+tt.who+" --dry-run")
			if users, _ := e.dir.counts(); users != tt.userCalls {
				t.Errorf("%d directory user lookups, want %d", users, tt.userCalls)
			}
			if m := e.rt.Mutations(); len(m) != 0 {
				t.Errorf("mutating calls %+v in a dry run", m)
			}
			if tt.wantErr != nil {
				if diff := cmp.Diff(*tt.wantErr, errorOf(t, got)); diff != "" {
					t.Errorf("error mismatch (-want +got):\n%s", diff)
				}
				return
			}
			if len(got) != 1 || got[0].Action == nil {
				t.Fatalf("want an action, got %s", describe(got))
			}
			if diff := cmp.Diff(affected(tt.want...), got[0].Action.Affected); diff != "" {
				t.Errorf("resolved mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResolveAmbiguousMention(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	twin := meeting.Participant{ID: "77777777-7777-4777-8777-777777777777", Name: "bob smith"}
	e.rt.LiveParticipantsFn = func(context.Context, string) ([]meeting.Participant, error) {
		return append(liveParticipants(), twin), nil
	}
	// UTWIN's display name is "Bob Smith": two live people are called that.
	got := errorOf(t, e.run(t.Context(), modID, "kick "+meetingID+" <@UTWIN|twin>"))
	want := ErrorView{Code: CodeAmbiguous, Message: "@twin matches 2 people in “Weekly sync”: Bob Smith (" + pBob +
		") and bob smith (" + twin.ID + "). Use a participant ID (or the full name in quotes) to pick one."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("error mismatch (-want +got):\n%s", diff)
	}
}

func TestResolveListsAtMostTen(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var crowd []meeting.Participant
	for i := range 13 {
		crowd = append(crowd, meeting.Participant{ID: fmt.Sprintf("p%02d", i), Name: fmt.Sprintf("Guest %d", i)})
	}
	e.rt.LiveParticipantsFn = func(context.Context, string) ([]meeting.Participant, error) { return crowd, nil }
	got := errorOf(t, e.run(t.Context(), modID, "mute "+meetingID+" zed"))
	want := "No one in “Weekly sync” matches “zed”. Live now (13): Guest 0 (p00), Guest 1 (p01), Guest 2 (p02), Guest 3 (p03), " +
		"Guest 4 (p04), Guest 5 (p05), Guest 6 (p06), Guest 7 (p07), Guest 8 (p08), Guest 9 (p09) and 3 more."
	if diff := cmp.Diff(want, got.Message); diff != "" {
		t.Errorf("message mismatch (-want +got):\n%s", diff)
	}
}

func TestResolveNobodyLive(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.rt.LiveParticipantsFn = func(context.Context, string) ([]meeting.Participant, error) { return nil, nil }
	for _, text := range []string{"mute " + meetingID + " bob", "kick-all " + meetingID} {
		got := errorOf(t, e.run(t.Context(), modID, text))
		if got.Code != CodeNotFound || !strings.HasPrefix(got.Message, "Nobody is live in “Weekly sync” right now") {
			t.Errorf("%s: got %+v", text, got)
		}
	}
	if m := e.rt.Mutations(); len(m) != 0 {
		t.Errorf("mutating calls %+v", m)
	}
}

// TestResolveMentionNeverShowsEmail: when a mention matches nobody, the
// answer says what was tried without echoing the Slack user's email, which
// the requester's workspace may hide.
func TestResolveMentionNeverShowsEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	got := errorOf(t, e.run(t.Context(), modID, "mute "+meetingID+" <@UGHOST|ghost>"))
	if got.Code != CodeNotFound {
		t.Fatalf("got %+v, want not found", got)
	}
	if strings.Contains(got.Message, "ghost@example.com") || strings.Contains(got.Message, "@example.com") {
		t.Errorf("the answer shows the mentioned user's email: %q", got.Message)
	}
	for _, want := range []string{"@ghost", "“ghost”", "“Casper”", "their email address"} {
		if !strings.Contains(got.Message, want) {
			t.Errorf("the answer %q does not mention %s", got.Message, want)
		}
	}
}

// expiringCtx is a context whose deadline passes when the test says so, so
// a test can make it pass at an exact point of a command, with no clock.
type expiringCtx struct {
	context.Context
	once sync.Once
	done chan struct{}
}

func newExpiringCtx(parent context.Context) *expiringCtx {
	return &expiringCtx{Context: parent, done: make(chan struct{})}
}

func (c *expiringCtx) expire()                     { c.once.Do(func() { close(c.done) }) }
func (c *expiringCtx) Done() <-chan struct{}       { return c.done }
func (c *expiringCtx) Value(key any) any           { return c.Context.Value(key) }
func (c *expiringCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *expiringCtx) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// crowd is n live participants called "Guest 00000"….
func crowd(n int) []meeting.Participant {
	ps := make([]meeting.Participant, n)
	for i := range ps {
		ps[i] = meeting.Participant{ID: fmt.Sprintf("p%05d", i), Name: fmt.Sprintf("Guest %05d", i)}
	}
	return ps
}

// TestResolveStopsAtTheDeadline: matching many names against 20,000 live
// people gives up when the command's deadline has passed, and says so,
// instead of finishing seconds late (or acting after the deadline).
func TestResolveStopsAtTheDeadline(t *testing.T) {
	t.Parallel()
	live := crowd(20_000)
	names := make([]string, 500)
	for i := range names {
		names[i] = fmt.Sprintf("z%d", i)
	}

	t.Run("the error is the deadline's", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		ctx, cancel := context.WithDeadline(t.Context(), time.Unix(0, 0))
		defer cancel()
		args := make([]arg, len(names))
		for i, n := range names {
			args[i] = arg{text: n}
		}
		_, err := e.svc.resolve(ctx, live, "“Weekly sync”", args)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("resolve past the deadline: err = %v, want context.DeadlineExceeded", err)
		}
	})

	t.Run("the user is told", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		ctx := newExpiringCtx(t.Context())
		e.rt.LiveParticipantsFn = func(context.Context, string) ([]meeting.Participant, error) {
			ctx.expire() // the deadline passes just as the names are matched
			return live, nil
		}
		got := errorOf(t, e.run(ctx, modID, "mute "+meetingID+" "+strings.Join(names, " ")+" --dry-run"))
		want := ErrorView{Code: CodeTimeout, Message: "Matching 500 names against the 20,000 people live in “Weekly sync” took longer than " +
			"the command may run; nothing was changed. Name fewer people at once, or use participant IDs."}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("error mismatch (-want +got):\n%s", diff)
		}
		if m := e.rt.Mutations(); len(m) != 0 {
			t.Errorf("mutating calls %+v after the deadline", m)
		}
	})
}
