package slackapp

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/slackapp/slackfake"
)

// BenchmarkAckLatency sends bursts of concurrent slash commands through a
// real Socket Mode connection to the fake Slack while the core takes
// 200 ms per command (RealtimeKit's latency in the load test), and
// reports the ack latency the fake measured: from writing the envelope to
// the socket to reading its ack. With the default 64 workers most of a
// large burst is answered "busy" in the ack; busy/op reports how many.
//
//	go test -run '^$' -bench AckLatency -benchtime 5x ./internal/slackapp/
func BenchmarkAckLatency(b *testing.B) {
	for _, tc := range []struct{ burst, workers int }{
		{200, DefaultMaxConcurrent},
		{500, DefaultMaxConcurrent},
		{500, 500},
	} {
		b.Run(fmt.Sprintf("burst=%d/workers=%d", tc.burst, tc.workers), func(b *testing.B) {
			core := &coreStub{handle: func(ctx context.Context, _ commands.Request) []commands.Reply {
				select {
				case <-time.After(200 * time.Millisecond):
				case <-ctx.Done():
				}
				return []commands.Reply{noticeReply(commands.InChannel, "done")}
			}}
			hs := startListener(b, core, slackfake.Config{}, func(c *Config) { c.MaxConcurrent = tc.workers })
			if err := hs.fake.WaitConnections(listenWaitCtx(b), 1); err != nil {
				b.Fatal(err)
			}
			var latencies []time.Duration
			busy := 0
			for b.Loop() {
				deliveries := make([]slackfake.Delivery, tc.burst)
				var wg sync.WaitGroup
				for i := range deliveries {
					wg.Go(func() {
						deliveries[i] = hs.fake.SlashCommand(slackfake.SlashCommand{
							ChannelID: "C1", UserID: fmt.Sprintf("U%d", i), Text: "status 1234",
						})
					})
				}
				wg.Wait()
				for _, d := range deliveries {
					a, err := hs.fake.WaitAck(listenWaitCtx(b), d.EnvelopeID)
					if err != nil {
						b.Fatal(err)
					}
					latencies = append(latencies, a.Latency())
					if a.Payload != nil {
						busy++
					}
				}
				// Let the burst finish so each one meets idle workers.
				b.StopTimer()
				waitUntil(b, "burst finished", func() bool {
					return metricValue(b, hs.metrics, "rtkbot_commands_in_flight") == 0
				})
				b.StartTimer()
			}
			b.StopTimer()
			slices.Sort(latencies)
			pct := func(p float64) float64 {
				return float64(latencies[int(p*float64(len(latencies)-1))]) / float64(time.Millisecond)
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			b.ReportMetric(pct(1), "max-ms")
			b.ReportMetric(float64(busy)/float64(b.N), "busy/op")
		})
	}
}
