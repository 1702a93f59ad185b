-- rtkbot inbox schema, version 1 (SQLite): the file beside the database
-- (rtkbot-inbox.db for rtkbot.db) that holds the deliveries in flight. See
-- sqlite_inbox.go for why it is a file of its own.

-- Every slash command and button click the bot accepted, written before it
-- acks the envelope, so that a bot killed between the ack and the answer
-- leaves a row that the next start finds and answers. payload is the
-- transport's own encoding of the request, response_url included; done_at
-- is set once the answer is posted.
--
-- Rows are stored in arrival order (the rowid), the envelope ID in an index
-- of its own. Keyed by the random envelope ID, each insert landed on a
-- random page of the table, so every commit rewrote a few pages and the
-- write slowed as the table grew: over a 60 s run at 250 deliveries/s its
-- p99 rose from 1.2 to 5 ms. Appended, a commit touches the last pages.
CREATE TABLE inbox (
    seq         INTEGER PRIMARY KEY,          -- arrival order
    id          TEXT    NOT NULL UNIQUE,      -- the envelope ID
    owner       TEXT    NOT NULL,             -- the process answering it
    payload     BLOB    NOT NULL,
    received_at INTEGER NOT NULL,
    done_at     INTEGER
);
CREATE INDEX inbox_received_at ON inbox (received_at);
-- Unanswered rows are few (normally those in flight); this finds them.
CREATE INDEX inbox_open ON inbox (owner, received_at) WHERE done_at IS NULL;

-- Processes alive, by their last heartbeat. A row in the inbox whose owner
-- has not beaten for a while (or has left) belongs to nobody.
CREATE TABLE replicas (
    id      TEXT    NOT NULL PRIMARY KEY,
    seen_at INTEGER NOT NULL
) WITHOUT ROWID;
