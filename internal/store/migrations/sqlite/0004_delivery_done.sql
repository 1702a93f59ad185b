-- rtkbot schema, version 4 (SQLite): when a claimed delivery was finished.
-- Set once the command has run and been audited, before its answer is
-- posted, so that a replica taking over the command from one that died
-- can tell "finished, perhaps not answered" from "cut short".
ALTER TABLE deliveries ADD COLUMN done_at INTEGER;
