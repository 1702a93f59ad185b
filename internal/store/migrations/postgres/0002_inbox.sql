-- rtkbot schema, version 2 (Postgres): the inbox of accepted deliveries.

-- Every slash command and button click a replica accepted, written before
-- the replica acks the envelope, so that a replica killed between the ack
-- and the answer leaves a row that another replica (or this one, after a
-- restart) finds and answers. payload is the transport's own encoding of the
-- request, response_url included; done_at is set once the answer is posted.
CREATE TABLE inbox (
    id          text        NOT NULL PRIMARY KEY, -- the envelope ID
    owner       text        NOT NULL,             -- the replica answering it
    payload     bytea       NOT NULL,
    received_at timestamptz NOT NULL,
    done_at     timestamptz
);
CREATE INDEX inbox_received_at ON inbox (received_at);
-- Unanswered rows are few (normally those in flight); this finds them.
CREATE INDEX inbox_open ON inbox (owner, received_at) WHERE done_at IS NULL;

-- Replicas alive, by their last heartbeat. A row in the inbox whose owner
-- has not beaten for a while (or has left) belongs to nobody.
CREATE TABLE replicas (
    id      text        NOT NULL PRIMARY KEY,
    seen_at timestamptz NOT NULL
);
