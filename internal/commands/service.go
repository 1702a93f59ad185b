package commands

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/rtkbot/rtkbot/internal/meeting"
)

// Defaults for Config.
const (
	DefaultConfirmTTL    = 10 * time.Minute
	DefaultGroupCacheTTL = 5 * time.Minute
)

// commandName is the slash command, as users type it in examples and hints.
const commandName = "/meeting"

// Config configures a Service. Realtime and Directory are required.
type Config struct {
	Realtime  Realtime
	Directory Directory
	Auditor   Auditor // optional: nil records nothing

	// Moderators are Slack user IDs allowed to run moderator verbs.
	Moderators []string
	// ModeratorGroups are Slack user group IDs whose members are moderators.
	ModeratorGroups []string
	// AdminsAreModerators makes workspace admins and owners moderators.
	AdminsAreModerators bool

	// ConfirmTTL is how long a kick confirmation stays valid; default 10 min.
	ConfirmTTL time.Duration
	// GroupCacheTTL is how long user group members are cached; default 5 min.
	GroupCacheTTL time.Duration
	// Confirmations stores pending confirmations; default an in-memory store,
	// which forgets them on restart.
	Confirmations ConfirmationStore

	// Links keeps channel links: the link, unlink and link-show verbs use
	// it, and a linked channel's meeting is the default meeting of every
	// verb there. Nil: those verbs answer that links are not available,
	// and a meeting ID is always required (unless DefaultMeeting is set).
	Links Links
	// AuditLog reads the audit trail for the audit verb. Nil: the verb
	// answers that the audit log is not available.
	AuditLog AuditLog
	// Deliveries makes mutating commands and clicks run once across
	// redeliveries, restarts and replicas. Nil: duplicates are caught in
	// this process's memory only.
	Deliveries Deliveries
	// Refusals throttles the recording of refusals (see refusals.go). Nil:
	// each process throttles in its own memory, so N replicas may record
	// N refusals a minute per person and verb between them.
	Refusals Refusals
	// RefusalHeld, if set, is called with the verb for every refusal that
	// was throttled (not recorded), for metrics.
	RefusalHeld func(verb string)

	// DefaultMeeting, if set, names the meeting to act on when the command
	// gives none, instead of the channel's link. It returns "" when there
	// is none. Nil: the channel's link (through Links), if any.
	DefaultMeeting func(ctx context.Context, teamID, channelID string) (string, error)

	// Now is the clock; default time.Now.
	Now func() time.Time
	// NewID returns a fresh unguessable ID for confirmations and error
	// references; default 128 random bits in base32.
	NewID func() string
	// Logger receives the service's logs; default discards them.
	Logger *slog.Logger
	// Observe, if set, is called once per Handle and Click with the verb
	// (a registry name, "unknown" or "confirm"), how it ended and how long it
	// took, for metrics.
	Observe func(verb string, outcome Outcome, d time.Duration)
}

// Service executes /meeting commands and confirmation clicks. It is safe for
// concurrent use.
type Service struct {
	rt             Realtime
	dir            Directory
	auditor        Auditor
	links          Links
	auditLog       AuditLog
	deliveries     Deliveries
	refusals       Refusals
	refusalHeld    func(verb string)
	authz          *authorizer
	confirms       ConfirmationStore
	confirmTTL     time.Duration
	defaultMeeting func(ctx context.Context, teamID, channelID string) (string, error)
	now            func() time.Time
	newID          func() string
	log            *slog.Logger
	observe        func(verb string, outcome Outcome, d time.Duration)
	verbs          []*verbSpec
	byName         map[string]*verbSpec
	seen           *recentSet
}

// New checks cfg, fills in defaults and returns a Service.
func New(cfg Config) (*Service, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Service{
		rt:             cfg.Realtime,
		dir:            cfg.Directory,
		auditor:        cfg.Auditor,
		links:          cfg.Links,
		auditLog:       cfg.AuditLog,
		deliveries:     cfg.Deliveries,
		refusals:       cfg.Refusals,
		refusalHeld:    cfg.RefusalHeld,
		confirms:       cfg.Confirmations,
		confirmTTL:     cfg.ConfirmTTL,
		defaultMeeting: cfg.DefaultMeeting,
		now:            cfg.Now,
		newID:          cfg.NewID,
		log:            cfg.Logger,
		observe:        cfg.Observe,
		verbs:          registry(),
		seen:           newRecentSet(cfg.ConfirmTTL),
	}
	s.authz = newAuthorizer(cfg.Directory, cfg.Moderators, cfg.ModeratorGroups, cfg.AdminsAreModerators, cfg.GroupCacheTTL, cfg.Now, cfg.Logger)
	s.byName = make(map[string]*verbSpec, len(s.verbs))
	for _, v := range s.verbs {
		s.byName[v.Name] = v
	}
	return s, nil
}

// validate reports the first thing wrong with cfg as given.
func (cfg Config) validate() error {
	if cfg.Realtime == nil {
		return errors.New("commands: Config.Realtime is required")
	}
	if cfg.Directory == nil {
		return errors.New("commands: Config.Directory is required")
	}
	if cfg.ConfirmTTL < 0 || cfg.GroupCacheTTL < 0 {
		return errors.New("commands: ConfirmTTL and GroupCacheTTL must not be negative")
	}
	return nil
}

// withDefaults returns cfg with its zero fields set to their defaults.
func (cfg Config) withDefaults() Config {
	if cfg.ConfirmTTL == 0 {
		cfg.ConfirmTTL = DefaultConfirmTTL
	}
	if cfg.GroupCacheTTL == 0 {
		cfg.GroupCacheTTL = DefaultGroupCacheTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = randomID
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Confirmations == nil {
		cfg.Confirmations = NewMemoryConfirmations()
	}
	if cfg.Refusals == nil {
		cfg.Refusals = newMemoryRefusals()
	}
	if cfg.DefaultMeeting == nil && cfg.Links != nil {
		cfg.DefaultMeeting = linkedMeeting(cfg.Links)
	}
	return cfg
}

// Verbs returns every verb's help, in registry order.
func (s *Service) Verbs() []VerbHelp {
	out := make([]VerbHelp, len(s.verbs))
	for i, v := range s.verbs {
		out[i] = v.help()
	}
	return out
}

// invocation is one command on its way through the service.
type invocation struct {
	req       Request
	spec      *verbSpec // nil until the verb is known
	meetingID string
	// meetingTitle is known once the session has been fetched.
	meetingTitle string
	args         []arg
	flags        []string
	targets      []meeting.Participant // resolved targets, for messages
	// live, when set, is who was live in the meeting when choosing the
	// meeting needed to know; snapshot uses it rather than asking again.
	live     []meeting.Participant
	mutating bool // a mutating call was made: its outcome is uncertain on error
	// authorized: the requester was checked early (see preauthorize), and
	// allowed and refusal are the answer.
	authorized bool
	allowed    bool
	refusal    string
	log        *slog.Logger
}

func (inv *invocation) has(flag string) bool { return slices.Contains(inv.flags, flag) }

func (inv *invocation) verbName() string {
	if inv.spec == nil {
		return "command"
	}
	return inv.spec.Name
}

// where names the invocation's meeting in messages.
func (inv *invocation) where() string { return meetingLabel(inv.meetingTitle, inv.meetingID) }

func (inv *invocation) targetNames() []string {
	names := make([]string, len(inv.targets))
	for i, p := range inv.targets {
		names[i] = displayName(p)
	}
	return names
}

// result is how a command or click ended.
type result struct {
	replies []Reply
	outcome Outcome
	err     *ErrorView // the error shown, if any
	// duplicate: a delivery already handled, which gets no answer.
	duplicate bool
	// uncertain: a change was asked of RealtimeKit and whether it took
	// effect is unknown (the call was cut off or failed obscurely).
	uncertain bool
}

func reply(v Visibility, r Reply) result {
	r.Visibility = v
	return result{replies: []Reply{r}, outcome: OutcomeOK}
}

// Handle executes one /meeting command and returns what to show. It never
// returns nothing for a new command: errors become an ErrorView. The only
// empty answer is for a duplicate delivery of a command already handled
// (see delivery.go). Upstream calls share ctx, whose deadline should leave
// time to post the answer.
//
// A Recovered request runs as usual, except when the process that died
// with it had already claimed its delivery: then it is not run again. If
// that process finished it, the requester is told how it ended (carried
// out, refused, failed); otherwise the change may or may not have been
// made, the requester is told so, and it is audited as interrupted.
func (s *Service) Handle(ctx context.Context, r Request) []Reply {
	start := s.now()
	inv := &invocation{req: r, log: s.log.With(logAttrs(r.TeamID, r.ChannelID, r.UserID)...)}
	res := s.handle(ctx, inv)
	label := "unknown"
	if inv.spec != nil {
		label = inv.spec.Name
	}
	if res.duplicate {
		inv.log.InfoContext(ctx, "ignoring a duplicate delivery of a command", "command", label,
			"envelope_id", r.EnvelopeID, "trigger_id", r.TriggerID)
		return nil
	}
	if s.observe != nil {
		s.observe(label, res.outcome, s.now().Sub(start))
	}
	inv.log.DebugContext(ctx, "command handled", "command", label, "outcome", res.outcome)
	return res.replies
}

func (s *Service) handle(ctx context.Context, inv *invocation) (res result) {
	cmd, perr := parse(inv.req.Text)
	if perr == nil && cmd.verb == "" {
		cmd.verb = "help"
	}
	spec := s.byName[cmd.verb]
	if perr == nil && spec != nil {
		inv.spec = spec
		inv.log = inv.log.With("command", spec.Name)
	}
	// Claim the delivery before anything that could act or be audited.
	// A recovered read is answered even if it was started before: it
	// changes nothing.
	durable := perr == nil && spec != nil && spec.mutates(cmd)
	// A refusal is claimed in memory only: a flood of them would fill the
	// database. A copy taken over from another replica is not checked
	// first: it always consults the durable record, so that what that
	// replica did is reported whatever a check made now says (a group
	// lookup failing after a restart, a moderator list changed since).
	if durable && spec.Moderator && s.deliveries != nil && !inv.req.Recovered {
		s.preauthorize(ctx, inv)
		durable = inv.allowed
	}
	first, err := s.firstDelivery(ctx, inv.req.EnvelopeID, inv.req.TriggerID, durable)
	switch {
	case err != nil:
		return s.fail(ctx, inv, err)
	case !first && inv.req.Recovered && durable:
		return s.interrupted(ctx, inv, cmd)
	case !first && !inv.req.Recovered:
		return result{duplicate: true}
	case perr != nil:
		return s.fail(ctx, inv, perr)
	case spec == nil:
		return s.unknownVerb(cmd.verb)
	}
	if durable {
		defer func() { s.finishDelivery(ctx, inv, res) }()
	}
	inv.flags = cmd.flags
	if inv.has(flagHelp) {
		h := spec.help()
		return reply(Ephemeral, Reply{Help: &HelpView{Verb: &h}})
	}
	if err := spec.checkFlags(cmd.flags); err != nil {
		return s.fail(ctx, inv, err)
	}
	inv.args = cmd.args
	if spec.Meeting {
		if err := s.chooseMeeting(ctx, inv); err != nil {
			return s.fail(ctx, inv, err)
		}
		inv.log = inv.log.With("meeting_id", inv.meetingID)
	}
	if err := spec.checkArgs(inv); err != nil {
		return s.fail(ctx, inv, err)
	}
	if spec.needsModerator(inv) {
		if refused, ok := s.authorize(ctx, inv, nil); !ok {
			return refused
		}
	}
	return spec.run(s, ctx, inv)
}

// logAttrs are the stable slog keys for a request.
func logAttrs(teamID, channelID, userID string) []any {
	return []any{slog.String("team_id", teamID), slog.String("channel_id", channelID), slog.String("user_id", userID)}
}

// randomID returns 128 random bits as lower-case base32 without padding.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// newRef returns a short reference for an internal error. It only needs to
// be unique among recent log lines, and people read it aloud.
func (s *Service) newRef() string {
	ref := s.newID()
	if len(ref) > 10 {
		ref = ref[:10]
	}
	return ref
}
