package rtkfake

import (
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Many clients kicking, muting and reading at once: every kick lands
// exactly once and the reads never see a torn state (run with -race).
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	s, _ := newFixture(t)
	const n = 100
	for i := range n {
		if _, err := s.Join(liveMeeting, Participant{UserID: "w-" + strconv.Itoa(i), Name: "Worker"}); err != nil {
			t.Fatal(err)
		}
	}
	type result struct {
		route  string
		status int
	}
	results := make(chan result, 4*n)
	var wg sync.WaitGroup
	for i := range n {
		id := "w-" + strconv.Itoa(i)
		wg.Go(func() {
			results <- result{"mute", status(t, s, http.MethodPost, apiPath("meetings/"+liveMeeting+"/active-session/mute"), `{"participant_ids": ["`+id+`"]}`)}
			results <- result{"kick", status(t, s, http.MethodPost, apiPath("meetings/"+liveMeeting+"/active-session/kick"), `{"participant_ids": ["`+id+`"]}`)}
		})
		wg.Go(func() {
			results <- result{"session", status(t, s, http.MethodGet, apiPath("meetings/"+liveMeeting+"/active-session"), "")}
			results <- result{"participants", status(t, s, http.MethodGet, apiPath("sessions/"+liveSession+"/participants?per_page=50"), "")}
		})
	}
	wg.Wait()
	close(results)
	got := map[result]int{}
	for r := range results {
		got[r]++
	}
	want := map[result]int{{"mute", 200}: n, {"kick", 200}: n, {"session", 200}: n, {"participants", 200}: n}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(fixtureLive, liveState(s, liveMeeting)); diff != "" {
		t.Errorf("live peers after kicking every worker (-want +got):\n%s", diff)
	}
}
