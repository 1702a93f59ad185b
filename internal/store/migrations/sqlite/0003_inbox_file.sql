-- rtkbot schema, version 3 (SQLite): the inbox moves to a file of its own
-- (migrations/sqlite-inbox), so that writing it before an ack never waits
-- for this file's fsyncs. Rows left here by version 2 are dropped with the
-- tables: a clean stop answers every command first, so only the unanswered
-- commands of a version-2 bot that was killed are lost.
DROP TABLE inbox;
DROP TABLE replicas;
