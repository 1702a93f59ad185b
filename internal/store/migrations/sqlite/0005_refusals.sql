-- rtkbot schema, version 5 (SQLite): the refusal throttle.
-- One row per person and verb refused: when a refusal of theirs was last
-- recorded in the audit log, and how many since were only counted. Anyone
-- can send refused commands; this keeps them from flooding the audit log.
-- admitted and carried are the outcome of the last AdmitRefusal: whether
-- it was recorded, and if so how many it followed that were not.
CREATE TABLE refusal_throttle (
    team_id     TEXT    NOT NULL,
    user_id     TEXT    NOT NULL,
    verb        TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL,
    held        INTEGER NOT NULL,
    admitted    INTEGER NOT NULL,
    carried     INTEGER NOT NULL,
    PRIMARY KEY (team_id, user_id, verb)
) WITHOUT ROWID;
CREATE INDEX refusal_throttle_recorded_at ON refusal_throttle (recorded_at);
