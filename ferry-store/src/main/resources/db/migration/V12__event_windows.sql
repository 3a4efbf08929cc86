-- Every move is a tenant's event (a live migration's is informational), and every event has a
-- latest start: its kind, notAfter, the fallback a live migration's notice announces, and the
-- expected blackout of a live migration. Events stored before have no kind (null) and a notAfter
-- of 0 (unknown).
ALTER TABLE events ADD COLUMN kind VARCHAR(30);
ALTER TABLE events ADD COLUMN not_after BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE events ADD COLUMN fallback_after BIGINT;
ALTER TABLE events ADD COLUMN expected_downtime_ms BIGINT;
