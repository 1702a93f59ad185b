-- rtkbot schema, version 1 (SQLite).
--
-- Times are Unix microseconds (UTC) in INTEGER columns: they compare and sort
-- as numbers, match Postgres's timestamptz precision, and read back with
-- datetime(col / 1000000, 'unixepoch'). JSON columns are TEXT.

-- A channel bound to a meeting, so verbs need no meeting ID there.
CREATE TABLE channel_links (
    team_id       TEXT    NOT NULL,
    channel_id    TEXT    NOT NULL,
    meeting_id    TEXT    NOT NULL,
    meeting_title TEXT    NOT NULL,
    linked_by     TEXT    NOT NULL,
    linked_at     INTEGER NOT NULL,
    PRIMARY KEY (team_id, channel_id)
) WITHOUT ROWID;

-- Destructive commands between the prompt and the click. state moves
-- pending -> executing -> done, or pending -> cancelled, only through
-- conditional UPDATEs, which is what makes a click execute once.
CREATE TABLE confirmations (
    id            TEXT    NOT NULL PRIMARY KEY,
    team_id       TEXT    NOT NULL,
    channel_id    TEXT    NOT NULL,
    requester_id  TEXT    NOT NULL,
    verb          TEXT    NOT NULL,
    meeting_id    TEXT    NOT NULL,
    meeting_title TEXT    NOT NULL,
    targets       TEXT    NOT NULL, -- JSON array of participants
    live_count    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('pending', 'executing', 'done', 'cancelled')),
    outcome       TEXT    NOT NULL,
    claimed_at    INTEGER,          -- set by Claim: when execution started
    finished_at   INTEGER           -- set by Finish and Cancel
);
CREATE INDEX confirmations_expires_at ON confirmations (expires_at);
-- Executing rows are few (normally none); this finds the ones a crash left.
CREATE INDEX confirmations_executing ON confirmations (claimed_at) WHERE state = 'executing';

-- Every executed action and every refusal.
CREATE TABLE audit_log (
    id            INTEGER NOT NULL PRIMARY KEY,
    at            INTEGER NOT NULL,
    team_id       TEXT    NOT NULL,
    channel_id    TEXT    NOT NULL,
    user_id       TEXT    NOT NULL,
    verb          TEXT    NOT NULL,
    meeting_id    TEXT    NOT NULL,
    meeting_title TEXT    NOT NULL,
    targets       TEXT    NOT NULL, -- JSON array of strings
    outcome       TEXT    NOT NULL,
    detail        TEXT    NOT NULL,
    ref           TEXT    NOT NULL
);
-- The rowid is implicitly part of the index, so "newest first, ties in
-- reverse insertion order" is an index scan.
CREATE INDEX audit_log_meeting ON audit_log (team_id, meeting_id, at);
CREATE INDEX audit_log_at ON audit_log (at);

-- Deliveries (Slack envelopes, interaction triggers) already executed.
CREATE TABLE deliveries (
    key        TEXT    NOT NULL PRIMARY KEY,
    claimed_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX deliveries_claimed_at ON deliveries (claimed_at);
