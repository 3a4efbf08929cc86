-- A proposal's expected duration: its plan's prediction with tenants behaving as expected
-- (null for campaigns proposed before it was kept).
ALTER TABLE campaigns ADD COLUMN expected_s BIGINT;
