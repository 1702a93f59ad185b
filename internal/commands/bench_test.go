package commands

import (
	"log/slog"
	"strconv"
	"strings"
	"testing"
)

// quiet drops logs, which would otherwise pile up in memory.
func quiet(c *Config) { c.Logger = slog.New(slog.DiscardHandler) }

// BenchmarkHandleStatus measures the core's own cost of a status command
// (parsing, registry, two parallel reads against an in-memory fake, view).
func BenchmarkHandleStatus(b *testing.B) {
	e := newEnv(b, quiet)
	r := Request{TeamID: teamID, ChannelID: chanID, UserID: userID, Text: "status " + meetingID}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if got := e.svc.Handle(ctx, r); len(got) != 1 || got[0].Status == nil {
			b.Fatalf("got %s", describe(got))
		}
	}
}

// BenchmarkHandleMute measures a moderator's mute: authorization, name
// resolution and the mutating call.
func BenchmarkHandleMute(b *testing.B) {
	e := newEnv(b, quiet, func(c *Config) { c.Auditor = nil })
	r := Request{TeamID: teamID, ChannelID: chanID, UserID: modID, Text: "mute " + meetingID + ` "carol jones" <@UBOB|bob> ali`}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if got := e.svc.Handle(ctx, r); len(got) != 1 || got[0].Action == nil {
			b.Fatalf("got %s", describe(got))
		}
	}
}

func BenchmarkParse(b *testing.B) {
	inputs := []struct{ name, text string }{
		{"status", "status " + meetingID},
		{"mention-and-flags", "kick " + meetingID + ` <@U0123ABC|bob> “Carol Jones” —dry-run`},
		{"poll", "poll " + meetingID + ` "What should we build next quarter?" "Search" "Sharing &amp; export" "Mobile app" --anonymous --hide-votes`},
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parse(in.text); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTokenizeUnmatchedAngles tokenizes text made only of '<', past
// the command cap (as the tokenizer itself has none). Time per byte stays
// flat as the text grows: the scan for '>' is done once, not once per '<'.
// See docs/benchmarks.md.
func BenchmarkTokenizeUnmatchedAngles(b *testing.B) {
	for _, n := range []int{4 << 10, 64 << 10, 1 << 20} {
		text := strings.Repeat("<", n)
		b.Run(strconv.Itoa(n>>10)+"KiB", func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				if _, err := tokenize(text); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
