// Package store keeps rtkbot's durable state: channel links, confirmations
// waiting for a click, the audit log, and the deliveries already executed.
//
// Two implementations share one behaviour (and one test suite): SQLite, the
// default, a file used by a single process; and Postgres, which several
// replicas of the bot share. Open picks one from DATABASE_URL and applies the
// embedded schema migrations before returning.
//
// Times in columns (creation, expiry, audit time) are kept to the
// microsecond, the precision of Postgres, and returned in UTC.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/rtkbot/rtkbot/internal/commands"
)

// DefaultURL is the database used when DATABASE_URL is empty: a SQLite file
// under ./data, created (with its directory) on first start.
const DefaultURL = "sqlite:./data/rtkbot.db"

// Errors returned by a Store; match them with errors.Is. Confirmation
// methods return the commands package's errors instead
// (commands.ErrConfirmationNotFound, ErrAlreadyHandled,
// ErrConfirmationExpired), as commands.ConfirmationStore specifies.
var (
	// ErrNotFound: there is no such row (e.g. the channel is not linked).
	ErrNotFound = errors.New("not found")
	// ErrLocked: another process (or another Open in this one) already has
	// the SQLite database open. SQLite serves one process; replicas need
	// Postgres.
	ErrLocked = errors.New("SQLite database in use by another rtkbot process; " +
		"SQLite serves a single process, so to run several replicas set DATABASE_URL=postgres://user@host/db")
)

// InboxItem is a delivery (a slash command or a button click) that a replica
// accepted: it answers it, or another replica does if it dies first. The
// store does not read Payload.
type InboxItem struct {
	ID         string // the envelope ID
	Owner      string // the replica answering it
	Payload    []byte
	ReceivedAt time.Time
}

// Store is rtkbot's durable state. Implementations are safe for concurrent
// use, and every guarantee below holds across replicas sharing a Postgres
// database. Methods fail with ctx's error when it ends first; other
// failures (database unreachable, disk full) are wrapped database errors.
type Store interface {
	// ConfirmationStore: Claim is a single conditional UPDATE, so of any
	// number of claims of one confirmation, from any replica, before or
	// after a restart, exactly one succeeds.
	commands.ConfirmationStore

	// LinkChannel binds the channel to the meeting, replacing any earlier
	// link. Errors: invalid (empty) IDs.
	LinkChannel(ctx context.Context, teamID, channelID, meetingID, meetingTitle, byUserID string) error
	// ChannelLink returns the channel's link. Errors: ErrNotFound.
	ChannelLink(ctx context.Context, teamID, channelID string) (commands.ChannelLink, error)
	// UnlinkChannel removes the channel's link and returns what it was.
	// Errors: ErrNotFound.
	UnlinkChannel(ctx context.Context, teamID, channelID string) (commands.ChannelLink, error)

	// ExecutingConfirmations returns the confirmations claimed before
	// claimedBefore and still executing, oldest claim first: normally none,
	// but a process killed between a click and Finish leaves its
	// confirmation there, and nobody knows whether the action ran. Pass a
	// time older than any execution can take, so that confirmations being
	// executed right now by a live replica are not listed. To tell the user
	// exactly once, Finish such a confirmation first and speak only if
	// Finish succeeds: a replica that loses the race gets ErrAlreadyHandled.
	ExecutingConfirmations(ctx context.Context, claimedBefore time.Time) ([]commands.Confirmation, error)
	// PruneConfirmations deletes the confirmations that expired before
	// before, except executing ones (see ExecutingConfirmations), and
	// reports how many it deleted. A click on a pruned prompt then gets
	// commands.ErrConfirmationNotFound rather than "expired".
	PruneConfirmations(ctx context.Context, before time.Time) (int64, error)

	// RecordAudit appends e to the audit log.
	RecordAudit(ctx context.Context, e commands.AuditEntry) error
	// RecentAudit returns up to n entries about the meeting in the team,
	// newest first (entries with the same time: the last recorded first),
	// leaving out refusals unless refusals is true. Errors: n < 1.
	RecentAudit(ctx context.Context, teamID, meetingID string, n int, refusals bool) ([]commands.AuditEntry, error)
	// PruneAudit deletes the entries older than before and reports how
	// many it deleted.
	PruneAudit(ctx context.Context, before time.Time) (int64, error)

	// AdmitRefusal counts a refusal of verb to userID in teamID at now,
	// atomically across replicas, and reports whether to record it: yes
	// for the first, and for the first once window has passed since the
	// last one recorded; then held is how many were counted and not
	// recorded since that last one. It keeps one row per person and verb.
	AdmitRefusal(ctx context.Context, teamID, userID, verb string, now time.Time, window time.Duration) (record bool, held int, err error)
	// PruneRefusals forgets the people whose last recorded refusal is
	// older than before (and the refusals counted since) and reports how
	// many.
	PruneRefusals(ctx context.Context, before time.Time) (int64, error)

	// ClaimDelivery records the delivery key (e.g. "cmd:<envelope_id>",
	// "trigger:<trigger_id>") and reports whether this is its first claim,
	// by any replica since it was last pruned: only the first claimant
	// executes. Errors: empty key.
	ClaimDelivery(ctx context.Context, key string, now time.Time) (first bool, err error)
	// FinishDelivery records that the claimed delivery key has run to its
	// end, and how (see commands.DeliveryResult); a key never claimed is
	// left alone, and so is one already finished. FinishedDelivery returns
	// the result; finished is false until then. Errors: empty key.
	FinishDelivery(ctx context.Context, key string, r commands.DeliveryResult, now time.Time) error
	FinishedDelivery(ctx context.Context, key string) (r commands.DeliveryResult, finished bool, err error)
	// PruneDeliveries forgets the deliveries claimed before before and
	// reports how many. Keep them longer than Slack may redeliver.
	PruneDeliveries(ctx context.Context, before time.Time) (int64, error)

	// WriteInbox records, in one transaction, the deliveries in add (a row
	// already there under the same ID is kept as it is) and marks the rows
	// named in done as answered at now. fresh[i] reports whether add[i] was
	// new (a repeated ID within add is new once, the first time). A
	// replica calls it before acking a batch of envelopes, so one
	// transaction covers a burst. Errors: an item with an empty ID, owner
	// or payload.
	WriteInbox(ctx context.Context, add []InboxItem, done []string, now time.Time) (fresh []bool, err error)
	// Heartbeat records that the replica is alive at now.
	Heartbeat(ctx context.Context, replica string, now time.Time) error
	// RetireReplica forgets the replica's heartbeat, so that any row it
	// leaves unanswered is an orphan at once rather than after a timeout.
	RetireReplica(ctx context.Context, replica string) error
	// OrphanedInbox returns up to limit unanswered rows, received after
	// receivedAfter, whose owner is not self and has not beaten since
	// aliveAfter (or retired), oldest first.
	OrphanedInbox(ctx context.Context, self string, aliveAfter, receivedAfter time.Time, limit int) ([]InboxItem, error)
	// AdoptInbox moves the unanswered row id from owner from to owner to,
	// and reports whether it did: of any number of replicas adopting one
	// orphan, exactly one gets it.
	AdoptInbox(ctx context.Context, id, from, to string) (bool, error)
	// PruneInbox deletes the inbox rows received before before, and the
	// heartbeats older than that, and reports how many rows it deleted.
	PruneInbox(ctx context.Context, before time.Time) (int64, error)

	// Close releases the database (and, for SQLite, the file lock). It is
	// safe to call more than once.
	Close() error
}

// SingleProcess reports whether s serves one process only (SQLite, under
// its file lock): then any replica ID other than the caller's belongs to a
// process that has exited.
func SingleProcess(s Store) bool {
	_, ok := s.(*sqliteStore)
	return ok
}

// Option tunes Open.
type Option func(*options)

type options struct {
	now func() time.Time
}

// WithClock sets the clock used for the times the store stamps itself
// (when a channel was linked, when a confirmation finished); default
// time.Now. Times passed in (Claim's now, audit times) are used as given.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// Open connects to the database named by databaseURL, applies any pending
// schema migrations and returns the store:
//
//   - "" means DefaultURL;
//   - sqlite:///abs/path.db or sqlite:relative/path.db: a SQLite file, whose
//     directory is created if missing; the path is taken as written (no
//     percent-decoding, no parameters). The file is locked, through
//     <path>.lock, for the life of the Store: a second Open, from this
//     process or another, fails with ErrLocked;
//   - postgres://user@host:5432/db?sslmode=… (or postgresql://): Postgres,
//     shared by replicas; several may Open (and migrate) at once. pgxpool
//     parameters such as pool_max_conns and a search_path are honoured.
//
// logger receives a line per migration applied and one when the database
// is ready; nil discards.
func Open(ctx context.Context, databaseURL string, logger *slog.Logger, opts ...Option) (Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	o := options{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if databaseURL == "" {
		databaseURL = DefaultURL
	}
	scheme, _, _ := strings.Cut(databaseURL, ":")
	// Errors never quote databaseURL: it may carry a password.
	switch strings.ToLower(scheme) {
	case "sqlite":
		path, err := sqlitePath(databaseURL)
		if err != nil {
			return nil, err
		}
		return openSQLite(ctx, path, logger, o)
	case "postgres", "postgresql":
		return openPostgres(ctx, databaseURL, logger, o)
	default:
		return nil, fmt.Errorf("DATABASE_URL: unsupported scheme %q: want sqlite: or postgres:", scheme)
	}
}

// sqlitePath extracts the file path from a sqlite: URL. Both the URL form
// with an empty host (sqlite:///abs/file.db) and the opaque form
// (sqlite:data/file.db, sqlite:/abs/file.db) are accepted, and
// sqlite://./data/file.db is read as the relative path it looks like.
func sqlitePath(databaseURL string) (string, error) {
	rest := databaseURL[len("sqlite:"):]
	rest = strings.TrimPrefix(rest, "//")
	switch {
	case strings.ContainsAny(rest, "?#"):
		return "", errors.New("DATABASE_URL: a sqlite: URL takes no parameters; rtkbot sets the SQLite options itself")
	case rest == "":
		return "", errors.New("DATABASE_URL: a sqlite: URL needs a file path, e.g. sqlite:///var/lib/rtkbot/rtkbot.db")
	case rest == ":memory:":
		return "", errors.New("DATABASE_URL: in-memory SQLite would lose everything on restart; give a file path")
	}
	return rest, nil
}

// validate returns an error naming the first empty required value.
func validate(what string, kv ...string) error {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			return fmt.Errorf("%s: empty %s", what, kv[i])
		}
	}
	return nil
}
