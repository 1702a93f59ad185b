-- rtkbot schema, version 3 (Postgres): nothing changes. On SQLite this
-- version moves the inbox to a file of its own; on Postgres the inbox stays
-- in the database every replica shares. Kept so that both dialects number
-- their versions alike.
SELECT 1;
