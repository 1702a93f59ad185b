package slackfake

import (
	"slices"
	"testing"
	"time"

	"github.com/slack-go/slack/socketmode"
)

// ackingClient starts a slack-go client that acks every slash command.
func ackingClient(b *testing.B, s *Server) {
	c := startClient(b, s, s.AppToken())
	stop := make(chan struct{})
	b.Cleanup(func() { close(stop) })
	go func() {
		for {
			select {
			case <-stop:
				return
			case evt := <-c.events:
				if evt.Type == socketmode.EventTypeSlashCommand {
					_ = c.sm.Ack(*evt.Request)
				}
			}
		}
	}()
	if err := s.WaitConnections(waitCtx(b), 1); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSlashCommandAck measures the fake's envelope throughput: all
// b.N slash commands are sent in a burst to slack-go's socketmode client,
// which acks each at once. The latency percentiles include the client's
// backlog during the burst.
func BenchmarkSlashCommandAck(b *testing.B) {
	s := NewTestServer(b, Config{})
	ackingClient(b, s)
	cmd := SlashCommand{ChannelID: "C1", UserID: "U1", Text: "status m1"}

	b.ResetTimer()
	for range b.N {
		s.SlashCommand(cmd)
	}
	acks, err := s.WaitAcks(waitCtx(b), b.N)
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()

	lat := make([]time.Duration, len(acks))
	for i, a := range acks {
		lat[i] = a.Latency()
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-ack-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-ack-µs")
}

// BenchmarkSlashCommandRoundTrip measures one envelope at a time: sent,
// received and acked by slack-go, ack recorded by the fake.
func BenchmarkSlashCommandRoundTrip(b *testing.B) {
	s := NewTestServer(b, Config{})
	ackingClient(b, s)
	cmd := SlashCommand{ChannelID: "C1", UserID: "U1", Text: "status m1"}
	ctx := waitCtx(b)
	for b.Loop() {
		if _, err := s.WaitAck(ctx, s.SlashCommand(cmd).EnvelopeID); err != nil {
			b.Fatal(err)
		}
	}
}
