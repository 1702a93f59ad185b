// Command bot runs rtkbot: a Slack app in Socket Mode that moderates
// Cloudflare RealtimeKit meetings. It is configured only through environment
// variables; see README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/rtkbot/rtkbot/internal/app"
	"github.com/rtkbot/rtkbot/internal/config"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1
	exitConfig = 2 // invalid configuration, or a token refused at start
)

func main() { os.Exit(run(os.Stderr)) }

func run(stderr io.Writer) int {
	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitConfig
	}
	logger := newLogger(cfg, stderr)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	a, err := app.New(ctx, cfg, logger, app.Options{})
	if err != nil {
		logger.Error("cannot start", "err", err)
		return exitFailed
	}
	if err := a.Run(ctx); err != nil {
		var cerr *config.Error
		if errors.As(err, &cerr) {
			// A token Slack or Cloudflare refused: as much a configuration
			// error as a missing one, and no restart will fix it.
			logger.Error("cannot start: a token was refused; fix the configuration and restart", "problems", cerr.Problems)
			return exitConfig
		}
		logger.Error("stopped on error", "err", err)
		return exitFailed
	}
	return exitOK
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	level, _ := config.ParseLevel(cfg.LogLevel) // validated by Load
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: durationsAsText}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// durationsAsText writes durations as Go's duration text ("1.5s"), as the
// text handler does, rather than the JSON handler's nanoseconds, which
// nobody reading a log line can take in at a glance.
func durationsAsText(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		a.Value = slog.StringValue(a.Value.Duration().String())
	}
	return a
}
