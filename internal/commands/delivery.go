package commands

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Slack may deliver one command or click more than once: it redelivers an
// envelope whose ack it did not see in time (same envelope ID, retry_attempt
// > 0), and after a reconnect it may resend one under a new envelope ID but
// with the same trigger_id. Either copy may land on any replica. Before a
// delivery changes anything, the service claims both IDs; if either was
// claimed before, the delivery is a duplicate and gets no answer at all
// (Slack has it acked; the first copy answers).
//
// The claim is durable (Config.Deliveries, shared by replicas) for what
// changes something: mutating verbs that are not dry runs, and clicks. It
// is made before the change, so a process killed between the claim and the
// change leaves it undone, never done twice; a database error fails closed
// (an internal error, nothing changed). Everything else, and everything
// when Deliveries is nil, is deduplicated in process memory only: a second
// status card after a redelivery to another replica is harmless, and not
// worth a database write per command. Nor is a mutating command refused
// to a non-moderator: it changes nothing, anyone can send it as often as
// they like, and a copy redelivered to another replica is only refused
// again (its audit throttled, see refusals.go). So the requester of a
// mutating verb is checked before the claim (Service.preauthorize).

// deliveryKeys are the keys a delivery is claimed under. Empty IDs (a
// transport that does not say) claim nothing.
func deliveryKeys(envelopeID, triggerID string) []string {
	var keys []string
	if envelopeID != "" {
		keys = append(keys, "env:"+envelopeID)
	}
	if triggerID != "" {
		keys = append(keys, "trigger:"+triggerID)
	}
	return keys
}

// firstDelivery claims a delivery and reports whether it is the first copy.
// durable asks for the shared, durable claim, if Deliveries is configured.
// Its only errors are the database's, as *storageError.
func (s *Service) firstDelivery(ctx context.Context, envelopeID, triggerID string, durable bool) (bool, error) {
	keys := deliveryKeys(envelopeID, triggerID)
	now := s.now()
	if !durable || s.deliveries == nil {
		return s.seen.add(keys, now), nil
	}
	for _, k := range keys {
		first, err := s.deliveries.ClaimDelivery(ctx, k, now)
		if err != nil {
			return false, &storageError{op: "claim delivery " + k, err: err}
		}
		if !first {
			return false, nil
		}
	}
	return true, nil
}

// finishDelivery records, for a delivery claimed durably, that it has run
// to its end, and how, if that is known. It runs just before the answer
// goes out: a process killed after it leaves a finished delivery, whose
// taker-over tells the requester that outcome instead of reporting the
// command as interrupted (and auditing it a second time). A change whose
// fate is unknown (cut off by the command deadline or the shutdown's, or a
// panic) is not recorded: its taker-over must say it may or may not have
// happened. Failing to record it only costs that distinction, so it is
// logged.
func (s *Service) finishDelivery(ctx context.Context, inv *invocation, res result) {
	if s.deliveries == nil || inv.req.EnvelopeID == "" {
		return
	}
	r, known := deliveryResult(res)
	if !known {
		inv.log.InfoContext(ctx, "not recording the command as finished: whether it took effect is unknown",
			"outcome", res.outcome)
		return
	}
	k := deliveryKeys(inv.req.EnvelopeID, "")[0]
	if err := s.deliveries.FinishDelivery(context.WithoutCancel(ctx), k, r, s.now()); err != nil {
		inv.log.WarnContext(ctx, "cannot record that a command finished; if this process dies before answering, "+
			"whoever takes it over will report it as interrupted", "err", err)
	}
}

// deliveryResult is what to record of a claimed command that ended with
// res; known is false when whether it took effect is unknown.
func deliveryResult(res result) (r DeliveryResult, known bool) {
	if res.uncertain {
		return DeliveryResult{}, false
	}
	switch res.outcome {
	case OutcomeOK, OutcomePending, OutcomeRefused, OutcomeInvalid, OutcomeFailed:
		r.Outcome = res.outcome
	default: // none (a panic), or one a claimed command cannot end with
		return DeliveryResult{}, false
	}
	if res.err != nil {
		r.Code, r.Message = res.err.Code, res.err.Message
	}
	return r, true
}

// mutates reports whether running cmd with spec would change something, so
// that its delivery must be claimed durably.
func (v *verbSpec) mutates(cmd command) bool {
	switch {
	case !v.Mutating, slices.Contains(cmd.flags, flagDryRun), slices.Contains(cmd.flags, flagHelp):
		return false
	case v.AnyoneWithoutArgs && len(cmd.args) == 0:
		return false // it only shows something
	}
	return true
}

// recentSet remembers delivery keys for a while, in process memory. Empty
// keys are never remembered.
type recentSet struct {
	ttl       time.Duration
	mu        sync.Mutex
	seen      map[string]time.Time
	lastPrune time.Time
}

func newRecentSet(ttl time.Duration) *recentSet {
	return &recentSet{ttl: ttl, seen: make(map[string]time.Time)}
}

// add records keys and reports whether none of them was seen within the
// TTL; the new ones are recorded either way. No keys (a transport that
// does not identify deliveries) is always new.
func (r *recentSet) add(keys []string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.lastPrune) > time.Minute {
		for k, t := range r.seen {
			if now.Sub(t) > r.ttl {
				delete(r.seen, k)
			}
		}
		r.lastPrune = now
	}
	fresh := true
	for _, k := range keys {
		if k == "" {
			continue
		}
		if t, ok := r.seen[k]; ok && now.Sub(t) <= r.ttl {
			fresh = false
			continue
		}
		r.seen[k] = now
	}
	return fresh
}
