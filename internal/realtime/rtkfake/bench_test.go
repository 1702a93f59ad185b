package rtkfake

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// benchRequest measures one route over real HTTP with parallel clients, the
// way a load test drives the fake.
func benchRequest(b *testing.B, method, path, body string) {
	s := New(Config{Token: testToken, AccountID: testAccount, AppID: testApp, MaxRecorded: 1000})
	s.Start()
	b.Cleanup(s.Close)
	s.AddMeeting(fixtureMeeting())
	for i := range 40 {
		if _, err := s.Join(liveMeeting, Participant{UserID: "w-" + strconv.Itoa(i), Name: "Worker " + strconv.Itoa(i)}); err != nil {
			b.Fatal(err)
		}
	}
	url := s.httpSrv.URL + path
	client := s.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 256
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			var rd io.Reader
			if body != "" {
				rd = strings.NewReader(body)
			}
			req, _ := http.NewRequest(method, url, rd)
			req.Header.Set("Authorization", "Bearer "+testToken)
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
}

func BenchmarkActiveSession(b *testing.B) {
	benchRequest(b, http.MethodGet, apiPath("meetings/"+liveMeeting+"/active-session"), "")
}

func BenchmarkSessionParticipants(b *testing.B) {
	benchRequest(b, http.MethodGet, apiPath("sessions/"+liveSession+"/participants?page_no=1&per_page=100"), "")
}

// Muting is idempotent, so the same request can repeat.
func BenchmarkMute(b *testing.B) {
	benchRequest(b, http.MethodPost, apiPath("meetings/"+liveMeeting+"/active-session/mute"),
		`{"participant_ids": ["u-ann", "w-7"], "custom_participant_ids": ["bob@example.com"]}`)
}
