// Command rtkfake runs the in-memory fake RealtimeKit API, so the bot can be
// tried without a Cloudflare account:
//
//	go run ./cmd/rtkfake -addr 127.0.0.1:8787 -seed examples/demo-meeting.json
//
// It prints the CLOUDFLARE_BASE_URL (and account and app IDs) to give the
// bot. The token, account and app it accepts come from -token, -account and
// -app, else CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID and
// REALTIMEKIT_APP_ID, else demo defaults, so the bot's own environment
// works unchanged.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rtkbot/rtkbot/internal/realtime/rtkfake"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, nil))
}

// run serves until ctx ends and returns the exit code. ready, if not nil,
// receives the base URL once the server accepts connections.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, ready func(baseURL string)) int {
	envOr := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("rtkfake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8787", "address to listen on")
	seed := fs.String("seed", "", "JSON seed file with meetings, e.g. examples/demo-meeting.json")
	// The token's default is resolved after parsing, so -h and flag errors
	// never print a real token taken from the environment.
	token := fs.String("token", "", "bearer token to accept (default $CLOUDFLARE_API_TOKEN, else "+rtkfake.DefaultToken+")")
	account := fs.String("account", envOr("CLOUDFLARE_ACCOUNT_ID", rtkfake.DefaultAccountID), "account ID to accept in paths")
	app := fs.String("app", envOr("REALTIMEKIT_APP_ID", rtkfake.DefaultAppID), "RealtimeKit app ID to accept in paths")
	verbose := fs.Bool("v", false, "log every request (never headers or bodies)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "rtkfake: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *token == "" {
		*token = envOr("CLOUDFLARE_API_TOKEN", rtkfake.DefaultToken)
	}

	cfg := rtkfake.Config{Token: *token, AccountID: *account, AppID: *app}
	if *verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	srv := rtkfake.New(cfg)
	defer srv.Close()
	if *seed != "" {
		if err := srv.LoadSeedFile(*seed); err != nil {
			fmt.Fprintf(stderr, "rtkfake: %v\n", err)
			return 1
		}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "rtkfake: %v\n", err)
		return 1
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	baseURL := "http://" + ln.Addr().String() + rtkfake.PathPrefix
	printBanner(stdout, srv, baseURL, *token == rtkfake.DefaultToken)
	if ready != nil {
		ready(baseURL)
	}

	select {
	case err := <-served:
		fmt.Fprintf(stderr, "rtkfake: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Close() // release any hung request before waiting for them
	if err := hs.Shutdown(shutdownCtx); err != nil {
		fmt.Fprintf(stderr, "rtkfake: shutdown: %v\n", err)
		return 1
	}
	return 0
}

// printBanner tells the user how to point the bot at the fake. The token is
// shown only when it is the public demo default: a real token passed in
// through the environment stays out of terminals and logs.
func printBanner(w io.Writer, srv *rtkfake.Server, baseURL string, demoToken bool) {
	fmt.Fprintf(w, "rtkfake: fake RealtimeKit API at %s\n\nPoint the bot at it:\n", baseURL)
	fmt.Fprintf(w, "  export CLOUDFLARE_BASE_URL=%s\n", baseURL)
	fmt.Fprintf(w, "  export CLOUDFLARE_ACCOUNT_ID=%s\n", srv.AccountID())
	fmt.Fprintf(w, "  export REALTIMEKIT_APP_ID=%s\n", srv.AppID())
	if demoToken {
		fmt.Fprintf(w, "  export CLOUDFLARE_API_TOKEN=%s\n", rtkfake.DefaultToken)
	} else {
		fmt.Fprintf(w, "  (CLOUDFLARE_API_TOKEN: the token given with -token or in the environment)\n")
	}
	ms := srv.Meetings()
	if len(ms) == 0 {
		fmt.Fprintf(w, "\nNo meetings; start with -seed examples/demo-meeting.json for a demo.\n")
		return
	}
	fmt.Fprintf(w, "\nMeetings:\n")
	for _, m := range ms {
		state := "no active session"
		if m.Session != nil {
			live := 0
			for _, p := range m.Session.Participants {
				if p.Live() {
					live++
				}
			}
			state = fmt.Sprintf("live, %d participants", live)
		}
		fmt.Fprintf(w, "  %s  %s (%s)\n", m.ID, m.Title, state)
	}
}
