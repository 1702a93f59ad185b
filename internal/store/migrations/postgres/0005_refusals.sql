-- rtkbot schema, version 5 (Postgres): the refusal throttle.
-- One row per person and verb refused: when a refusal of theirs was last
-- recorded in the audit log, and how many since were only counted. Anyone
-- can send refused commands; this keeps them from flooding the audit log.
-- admitted and carried are the outcome of the last AdmitRefusal: whether
-- it was recorded, and if so how many it followed that were not.
CREATE TABLE refusal_throttle (
    team_id     text        NOT NULL,
    user_id     text        NOT NULL,
    verb        text        NOT NULL,
    recorded_at timestamptz NOT NULL,
    held        integer     NOT NULL,
    admitted    boolean     NOT NULL,
    carried     integer     NOT NULL,
    PRIMARY KEY (team_id, user_id, verb)
);
CREATE INDEX refusal_throttle_recorded_at ON refusal_throttle (recorded_at);
