package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rtkbot/rtkbot/internal/meeting"
)

// Errors a ConfirmationStore returns; match them with errors.Is.
var (
	// ErrConfirmationNotFound: no confirmation with that ID (never issued,
	// pruned long after expiry, or lost in a restart of an in-memory store).
	ErrConfirmationNotFound = errors.New("confirmation not found")
	// ErrAlreadyHandled: the confirmation is no longer pending (confirmed,
	// being executed, or cancelled).
	ErrAlreadyHandled = errors.New("confirmation already handled")
	// ErrConfirmationExpired: the confirmation is pending but past ExpiresAt.
	ErrConfirmationExpired = errors.New("confirmation expired")
)

// ConfirmationState is where a confirmation is in its life:
// pending → executing → done, or pending → cancelled.
type ConfirmationState string

// Confirmation states.
const (
	StatePending   ConfirmationState = "pending"
	StateExecuting ConfirmationState = "executing"
	StateDone      ConfirmationState = "done"
	StateCancelled ConfirmationState = "cancelled"
)

// Confirmation is a destructive command waiting for its requester to click
// Confirm. It holds everything needed to execute it later, and nothing that
// does not serialize (a database store keeps it as a row or as JSON).
type Confirmation struct {
	ID           string
	TeamID       string
	ChannelID    string
	RequesterID  string
	Verb         string // "kick" or "kick-all"
	MeetingID    string
	MeetingTitle string
	// Targets are the participants resolved when the prompt was shown (kick).
	Targets []meeting.Participant
	// LiveCount is how many people were live when the prompt was shown.
	LiveCount int
	CreatedAt time.Time
	ExpiresAt time.Time
	State     ConfirmationState
	// ClaimedAt is when Claim moved it to executing; zero before.
	ClaimedAt time.Time
	// Outcome is set by Finish.
	Outcome Outcome
}

// memoryRetention is how long the in-memory store keeps a confirmation after
// it expires, so a late click is told "expired" or "already handled" rather
// than "not found".
const memoryRetention = time.Hour

// MemoryConfirmations is a ConfirmationStore in process memory. It loses
// everything on restart (clicks on older prompts are then told to run the
// command again). Entries are pruned an hour after they expire.
type MemoryConfirmations struct {
	mu        sync.Mutex
	byID      map[string]Confirmation
	lastPrune time.Time
}

var _ ConfirmationStore = (*MemoryConfirmations)(nil)

// NewMemoryConfirmations returns an empty in-memory store.
func NewMemoryConfirmations() *MemoryConfirmations {
	return &MemoryConfirmations{byID: make(map[string]Confirmation)}
}

// Put implements ConfirmationStore. It also prunes, using c.CreatedAt as the
// current time (the store has no clock of its own).
func (m *MemoryConfirmations) Put(_ context.Context, c Confirmation) error {
	if c.ID == "" {
		return errors.New("store confirmation: empty ID")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byID[c.ID]; ok {
		return fmt.Errorf("store confirmation %s: ID already used", c.ID)
	}
	m.prune(c.CreatedAt)
	if c.State == "" {
		c.State = StatePending
	}
	c.Targets = slices.Clone(c.Targets)
	m.byID[c.ID] = c
	return nil
}

func (m *MemoryConfirmations) prune(now time.Time) {
	if now.Sub(m.lastPrune) < time.Minute {
		return
	}
	m.lastPrune = now
	for id, c := range m.byID {
		if now.Sub(c.ExpiresAt) > memoryRetention {
			delete(m.byID, id)
		}
	}
}

// Get implements ConfirmationStore.
func (m *MemoryConfirmations) Get(_ context.Context, id string) (Confirmation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.byID[id]
	if !ok {
		return Confirmation{}, ErrConfirmationNotFound
	}
	c.Targets = slices.Clone(c.Targets)
	return c, nil
}

// Claim implements ConfirmationStore.
func (m *MemoryConfirmations) Claim(_ context.Context, id string, now time.Time) (Confirmation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.byID[id]
	switch {
	case !ok:
		return Confirmation{}, ErrConfirmationNotFound
	case c.State != StatePending:
		return Confirmation{}, ErrAlreadyHandled
	case !now.Before(c.ExpiresAt):
		return Confirmation{}, ErrConfirmationExpired
	}
	c.State, c.ClaimedAt = StateExecuting, now
	m.byID[id] = c
	c.Targets = slices.Clone(c.Targets)
	return c, nil
}

// Finish implements ConfirmationStore.
func (m *MemoryConfirmations) Finish(_ context.Context, id string, outcome Outcome) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.byID[id]
	switch {
	case !ok:
		return ErrConfirmationNotFound
	case c.State != StateExecuting:
		return ErrAlreadyHandled
	}
	c.State, c.Outcome = StateDone, outcome
	m.byID[id] = c
	return nil
}

// Cancel implements ConfirmationStore.
func (m *MemoryConfirmations) Cancel(_ context.Context, id string) (Confirmation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.byID[id]
	switch {
	case !ok:
		return Confirmation{}, ErrConfirmationNotFound
	case c.State != StatePending:
		return Confirmation{}, ErrAlreadyHandled
	}
	c.State, c.Outcome = StateCancelled, OutcomeCancelled
	m.byID[id] = c
	c.Targets = slices.Clone(c.Targets)
	return c, nil
}

// Len reports how many confirmations the store holds, pruned or not yet.
func (m *MemoryConfirmations) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.byID)
}
