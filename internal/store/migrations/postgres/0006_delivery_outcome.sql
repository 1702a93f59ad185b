-- rtkbot schema, version 6 (Postgres): how a finished delivery ended.
-- done_at used to be set for every command that returned, including one
-- cut off mid-call by the shutdown deadline, and a replica taking it over
-- then said it "was carried out". Now done_at is set only when the outcome
-- is known, and outcome ('ok', 'refused', 'invalid', 'failed', 'pending'),
-- error_code and message (the error the requester was shown) say what it
-- was. A row finished by an older version has no outcome: it counts as
-- unfinished.
ALTER TABLE deliveries ADD COLUMN outcome text;
ALTER TABLE deliveries ADD COLUMN error_code text;
ALTER TABLE deliveries ADD COLUMN message text;
