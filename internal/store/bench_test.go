package store_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtkbot/rtkbot/internal/commands"
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
