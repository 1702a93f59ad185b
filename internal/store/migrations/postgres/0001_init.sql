-- rtkbot schema, version 1 (Postgres). Unqualified names: the tables go in
-- the first schema of the connection's search_path.

-- A channel bound to a meeting, so verbs need no meeting ID there.
CREATE TABLE channel_links (
    team_id       text        NOT NULL,
    channel_id    text        NOT NULL,
    meeting_id    text        NOT NULL,
    meeting_title text        NOT NULL,
    linked_by     text        NOT NULL,
    linked_at     timestamptz NOT NULL,
    PRIMARY KEY (team_id, channel_id)
);

-- Destructive commands between the prompt and the click. state moves
-- pending -> executing -> done, or pending -> cancelled, only through
-- conditional UPDATEs, which is what makes a click execute once across
-- replicas.
CREATE TABLE confirmations (
    id            text        NOT NULL PRIMARY KEY,
    team_id       text        NOT NULL,
    channel_id    text        NOT NULL,
    requester_id  text        NOT NULL,
    verb          text        NOT NULL,
    meeting_id    text        NOT NULL,
    meeting_title text        NOT NULL,
    targets       jsonb       NOT NULL, -- array of participants
    live_count    integer     NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    state         text        NOT NULL CHECK (state IN ('pending', 'executing', 'done', 'cancelled')),
    outcome       text        NOT NULL,
    claimed_at    timestamptz,          -- set by Claim: when execution started
    finished_at   timestamptz           -- set by Finish and Cancel
);
CREATE INDEX confirmations_expires_at ON confirmations (expires_at);
-- Executing rows are few (normally none); this finds the ones a crash left.
CREATE INDEX confirmations_executing ON confirmations (claimed_at) WHERE state = 'executing';

-- Every executed action and every refusal.
CREATE TABLE audit_log (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL,
    team_id       text        NOT NULL,
    channel_id    text        NOT NULL,
    user_id       text        NOT NULL,
    verb          text        NOT NULL,
    meeting_id    text        NOT NULL,
    meeting_title text        NOT NULL,
    targets       jsonb       NOT NULL, -- array of strings
    outcome       text        NOT NULL,
    detail        text        NOT NULL,
    ref           text        NOT NULL
);
CREATE INDEX audit_log_meeting ON audit_log (team_id, meeting_id, at DESC, id DESC);
CREATE INDEX audit_log_at ON audit_log (at);

-- Deliveries (Slack envelopes, interaction triggers) already executed, by
-- any replica.
CREATE TABLE deliveries (
    key        text        NOT NULL PRIMARY KEY,
    claimed_at timestamptz NOT NULL
);
CREATE INDEX deliveries_claimed_at ON deliveries (claimed_at);
