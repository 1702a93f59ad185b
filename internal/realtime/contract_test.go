//go:build unix

package realtime_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/rtkbot/rtkbot/internal/meeting"
	"github.com/rtkbot/rtkbot/internal/realtime"
	"github.com/rtkbot/rtkbot/internal/testutil"
)

// The contract tests serve the OpenAPI description of RealtimeKit kept in
// the repository (testdata/specs/realtimekit-openapi.yaml) with
// Stoplight Prism in --errors mode, which answers 422 (or the spec's 4xx)
// to any request that violates the schema, and point a real Client at it.
// Every method must get a 2xx answer.
//
// Where that spec and real Cloudflare differ:
//   - The spec is reconstructed from Dyte's v2 spec. Success bodies are
//     {"success":true,"data":…} as RealtimeKit sends them (not Cloudflare's
//     usual "result" envelope); the 401/403 bodies are Cloudflare's gateway
//     envelope {"success":false,"errors":[…],"result":null}.
//   - app_id is any string here; real app IDs are UUIDs. account_id is
//     limited to 32 characters (Cloudflare's hex account tag). The token is
//     only checked for presence ("Bearer …"), not for format or permission.
//   - meeting_id must be a UUID on the meetings/{id} routes, as on
//     Cloudflare.
//   - The spec's example for GET active-session lacks the required
//     meeting_display_name and organization_id, so Prism's response check
//     (also under --errors) fails its own example with a 500. Requests to
//     that route ask for a schema-generated answer (Prefer: dynamic=true),
//     which only changes how Prism builds its answer, not how it checks
//     our request.
//   - Static answers are placeholders ("string", 0): the session
//     participants example has only participants who left, and the meeting
//     participants example says total_count 30 with one entry per page.

const (
	contractAccount = "023e105f4ecef8ad9ca31a8372d0c353"
	contractApp     = "9b7a2b1c-2f4e-4c8e-9a57-1d7c6b3e5f00"
	contractMeeting = "6bf2b8be-04dd-4191-b602-1128921a306b"
)

func TestContractPrism(t *testing.T) {
	t.Parallel() // Prism takes seconds to start; let the other tests run meanwhile
	base := startPrism(t)
	rec := &recorder{base: http.DefaultTransport}
	c, err := realtime.New(realtime.Config{
		APIToken:   "contract-token",
		AccountID:  contractAccount,
		AppID:      contractApp,
		BaseURL:    base,
		HTTPClient: &http.Client{Transport: rec},
		RateLimit:  rate.Inf,
		MaxRetries: -1, // Prism's 500s flag spec problems; retrying hides nothing useful
		CacheTTL:   -1,
	})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		prefer string // Prism's Prefer header for the call's first route, if any
		call   func(ctx context.Context) error
		want   error // sentinel; nil for success
	}{
		{name: "Meeting", call: func(ctx context.Context) error {
			m, err := c.Meeting(ctx, contractMeeting)
			if err == nil && (m.Status != "ACTIVE" || m.Title == "") {
				t.Errorf("Meeting = %+v, want the spec example's title and status ACTIVE", m)
			}
			return err
		}},
		{name: "ActiveSession", call: func(ctx context.Context) error {
			s, err := c.ActiveSession(ctx, contractMeeting)
			if err == nil && s.ID == "" {
				t.Errorf("ActiveSession = %+v, want an ID", s)
			}
			return err
		}},
		{name: "LiveParticipants", call: func(ctx context.Context) error {
			ps, err := c.LiveParticipants(ctx, contractMeeting)
			if err == nil && len(ps) != 0 {
				// Everyone in the spec's example has left_at set.
				t.Errorf("LiveParticipants = %+v, want none (all have left)", ps)
			}
			return err
		}},
		{name: "MeetingParticipants", call: func(ctx context.Context) error {
			ps, err := c.MeetingParticipants(ctx, contractMeeting)
			if err == nil && (len(ps) == 0 || ps[0].ID == "" || ps[0].Preset == "") {
				t.Errorf("MeetingParticipants = %+v, want entries with ID and preset", ps)
			}
			return err
		}},
		{name: "Kick", call: func(ctx context.Context) error {
			a, err := c.Kick(ctx, contractMeeting, meeting.Targets{ParticipantIDs: []string{"p-1", "p-2"}})
			if err == nil && (len(a) == 0 || a[0].ID == "") {
				t.Errorf("Kick = %+v, want affected participants", a)
			}
			return err
		}},
		{name: "Kick by custom ID", call: func(ctx context.Context) error {
			_, err := c.Kick(ctx, contractMeeting, meeting.Targets{CustomParticipantIDs: []string{"c-1"}})
			return err
		}},
		{name: "Mute", call: func(ctx context.Context) error {
			a, err := c.Mute(ctx, contractMeeting, meeting.Targets{ParticipantIDs: []string{"p-1"}, CustomParticipantIDs: []string{"c-1"}})
			if err == nil && len(a) == 0 {
				t.Errorf("Mute = %+v, want affected participants", a)
			}
			return err
		}},
		{name: "Mute by participant ID only", call: func(ctx context.Context) error {
			// The unused array must go out as [], which the schema accepts,
			// not null, which it rejects.
			_, err := c.Mute(ctx, contractMeeting, meeting.Targets{ParticipantIDs: []string{"p-1"}})
			return err
		}},
		{name: "KickAll", call: func(ctx context.Context) error {
			_, err := c.KickAll(ctx, contractMeeting)
			return err
		}},
		{name: "MuteAll", call: func(ctx context.Context) error {
			_, err := c.MuteAll(ctx, contractMeeting, false)
			return err
		}},
		{name: "CreatePoll", call: func(ctx context.Context) error {
			p, err := c.CreatePoll(ctx, contractMeeting, "Lunch?", []string{"Pizza", "Salad"}, true, false)
			if err == nil && (p.ID == "" || len(p.Options) == 0) {
				t.Errorf("CreatePoll = %+v, want an ID and options", p)
			}
			return err
		}},
		// The spec's own error examples, in both envelopes.
		{name: "ActiveSession 404", prefer: "code=404", want: meeting.ErrNoActiveSession, call: func(ctx context.Context) error {
			_, err := c.ActiveSession(ctx, contractMeeting)
			return err
		}},
		{name: "Kick 404", prefer: "code=404", want: meeting.ErrParticipantNotFound, call: func(ctx context.Context) error {
			_, err := c.Kick(ctx, contractMeeting, meeting.Targets{ParticipantIDs: []string{"p-1"}})
			return err
		}},
		{name: "Meeting 403", prefer: "code=403", want: meeting.ErrUnauthorized, call: func(ctx context.Context) error {
			_, err := c.Meeting(ctx, contractMeeting)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := withPrefer(t.Context(), tt.prefer)
			err := tt.call(ctx)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("err = %v, want %v\nPrism's answers:\n%s", err, tt.want, rec.dump(ctx))
			}
			if tt.want == nil {
				for _, x := range rec.exchanges(ctx) {
					if x.status/100 != 2 {
						t.Errorf("%s %s: HTTP %d, want 2xx: %s", x.method, x.path, x.status, x.body)
					}
				}
			}
		})
	}

	// The check above can fail: Prism does reject a request that breaks
	// the schema.
	t.Run("control: Prism rejects a malformed kick", func(t *testing.T) {
		url := base + "accounts/" + contractAccount + "/realtime/kit/" + contractApp + "/meetings/" + contractMeeting + "/active-session/kick"
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(`{"participant_ids":"p-1"}`))
		req.Header.Set("Authorization", "Bearer contract-token")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("malformed kick: HTTP %d, want 422", res.StatusCode)
		}
	})
}

// recorder is the HTTP transport of the contract tests. It keeps every
// exchange per test (keyed by the context's test ID) and adds Prism's Prefer
// header where a test asks for it.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	log  map[*testKey][]exchange
}

type exchange struct {
	method, path string
	status       int
	body         string
}

type testKey struct {
	prefer string
	first  bool // Prefer applies to the first request only
}

type testKeyCtx struct{}

func withPrefer(ctx context.Context, prefer string) context.Context {
	return context.WithValue(ctx, testKeyCtx{}, &testKey{prefer: prefer, first: true})
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	k, _ := req.Context().Value(testKeyCtx{}).(*testKey)
	req = req.Clone(req.Context())
	r.mu.Lock()
	if k != nil && k.first && k.prefer != "" {
		req.Header.Set("Prefer", k.prefer)
	}
	if k != nil {
		k.first = false
	}
	r.mu.Unlock()
	if req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/active-session") && req.Header.Get("Prefer") == "" {
		req.Header.Set("Prefer", "dynamic=true") // see the file comment
	}
	res, err := r.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(body))
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.log == nil {
		r.log = make(map[*testKey][]exchange)
	}
	r.log[k] = append(r.log[k], exchange{req.Method, req.URL.Path, res.StatusCode, string(body)})
	return res, nil
}

func (r *recorder) exchanges(ctx context.Context) []exchange {
	k, _ := ctx.Value(testKeyCtx{}).(*testKey)
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log[k]
}

func (r *recorder) dump(ctx context.Context) string {
	var b strings.Builder
	for _, x := range r.exchanges(ctx) {
		b.WriteString("  " + x.method + " " + x.path + " → " + strconv.Itoa(x.status) + " " + x.body + "\n")
	}
	return b.String()
}

// startPrism starts Prism on a free port, serving the repository's spec, and
// returns its base URL; the test's cleanup stops it. Without Prism the test
// is skipped, unless it runs in CI (testutil.InCI), where that is a failure.
func startPrism(t *testing.T) string {
	t.Helper()
	root := repoRoot(t)
	spec := filepath.Join(root, "testdata", "specs", "realtimekit-openapi.yaml")
	bin := prismBin(root)
	missing := ""
	switch {
	case bin == "":
		missing = "prism not found: run `bash .ci/prism.sh` (installs it into .cache/prism), or set PRISM_BIN, or put prism on PATH"
	case !fileExists(spec):
		missing = "OpenAPI spec not found at " + spec
	}
	if missing != "" {
		if testutil.InCI() {
			t.Fatal(missing)
		}
		t.Skip(missing)
	}

	port := freePort(t)
	var out testutil.Buffer
	cmd := exec.Command(bin, "mock", "--errors", "-h", "127.0.0.1", "-p", strconv.Itoa(port), spec)
	cmd.Stdout, cmd.Stderr = &out, &out
	// Its own process group, so that stopping it stops any child it forks.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prism: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(90 * time.Second) // a failure guard: Prism is usually up in a few seconds
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return "http://" + addr + "/"
		}
		select {
		case err := <-exited:
			t.Fatalf("prism exited (%v):\n%s", err, out.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("prism did not listen on %s:\n%s", addr, out.String())
		}
	}
}

func prismBin(root string) string {
	if p := os.Getenv("PRISM_BIN"); p != "" {
		if !fileExists(p) {
			return ""
		}
		return p
	}
	if p := filepath.Join(root, ".cache", "prism", "node_modules", ".bin", "prism"); fileExists(p) {
		return p // where .ci/prism.sh installs it
	}
	p, _ := exec.LookPath("prism")
	return p
}

// repoRoot is the directory holding go.mod, found from the package
// directory the test runs in.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if fileExists(filepath.Join(d, "go.mod")) {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no go.mod above %s", dir)
		}
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
