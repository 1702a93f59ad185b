package store_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtkbot/rtkbot/internal/commands"
	"github.com/rtkbot/rtkbot/internal/store"
)

// The benchmarks measure what exactly-once execution adds to each command:
// ClaimDelivery for every mutating command, and Put+Claim+Finish for every
// confirmed kick. Run them with
//
//	go test -run '^$' -bench . ./internal/store/

func BenchmarkClaimDelivery(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			s := openStore(b, be.newDatabase(b))
			ctx, now, i := b.Context(), time.Now(), 0
			for b.Loop() {
				i++
				first, err := s.ClaimDelivery(ctx, fmt.Sprintf("cmd:envelope-%d", i), now)
				if err != nil || !first {
					b.Fatalf("ClaimDelivery = (%v, %v), want (true, nil)", first, err)
				}
			}
		})
	}
}

// BenchmarkClaimDeliveryParallel claims from 64 goroutines at once, as the
// bot's workers do under load: SQLite commits the claims waiting at the
// same time together (see sqlite_commit.go).
func BenchmarkClaimDeliveryParallel(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			s := openStore(b, be.newDatabase(b))
			ctx, now := b.Context(), time.Now()
			var n atomic.Int64
			b.SetParallelism(32) // × GOMAXPROCS goroutines
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					key := fmt.Sprintf("cmd:envelope-%d", n.Add(1))
					if first, err := s.ClaimDelivery(ctx, key, now); err != nil || !first {
						b.Errorf("ClaimDelivery = (%v, %v), want (true, nil)", first, err)
						return
					}
				}
			})
		})
	}
}

func BenchmarkConfirmationLifecycle(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			s := openStore(b, be.newDatabase(b))
			ctx, i := b.Context(), 0
			for b.Loop() {
				i++
				c := confirmation(fmt.Sprintf("bench-%d", i))
				if err := s.Put(ctx, c); err != nil {
					b.Fatal(err)
				}
				if _, err := s.Claim(ctx, c.ID, t0.Add(time.Minute)); err != nil {
					b.Fatal(err)
				}
				if err := s.Finish(ctx, c.ID, commands.OutcomeOK); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRecordAudit(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			s := openStore(b, be.newDatabase(b))
			ctx := b.Context()
			e := commands.AuditEntry{
				Time: t0, TeamID: "T1", ChannelID: "C1", UserID: "U1", Verb: "kick", MeetingID: "m-1",
				MeetingTitle: "Standup", Targets: []string{"Bob (p-1)"}, Outcome: commands.OutcomeOK, Detail: "kicked 1",
			}
			for b.Loop() {
				if err := s.RecordAudit(ctx, e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWriteInbox is what the inbox adds to every command and click:
// one write before the ack and one after the answer. Alone, each envelope
// pays a commit of its own; in a burst, the listener commits whatever has
// queued up together, so the cost per envelope falls with the batch (the
// per-op figure is per batch: divide by the batch size).
func BenchmarkWriteInbox(b *testing.B) {
	payload := []byte(`{"command":{"TeamID":"T1","ChannelID":"C1","UserID":"U1","Text":"mute bob"},"response_url":"https://hooks.slack.com/commands/T1/1/abc"}`)
	for _, be := range backends {
		for _, batch := range []int{1, 100} {
			b.Run(fmt.Sprintf("%s/batch=%d", be.name, batch), func(b *testing.B) {
				s := openStore(b, be.newDatabase(b))
				ctx, n := b.Context(), 0
				add := make([]store.InboxItem, batch)
				done := make([]string, batch)
				for b.Loop() {
					for k := range add {
						n++
						add[k] = store.InboxItem{ID: fmt.Sprintf("E%d", n), Owner: "r1", Payload: payload, ReceivedAt: t0}
					}
					// Accept this batch, and mark the previous one answered.
					if _, err := s.WriteInbox(ctx, add, done, t0); err != nil {
						b.Fatal(err)
					}
					for k := range add {
						done[k] = add[k].ID
					}
				}
			})
		}
	}
}
