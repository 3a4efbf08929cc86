-- Advisories change after they are registered: amended (new rules under the same id) or withdrawn.
-- A campaign keeps the advisory document it was proposed with, so an amendment never changes a
-- campaign that runs (or its replay); null for campaigns proposed before, which read the registered one.
ALTER TABLE advisories ADD COLUMN amended_at BIGINT;
ALTER TABLE advisories ADD COLUMN withdrawn_at BIGINT;
ALTER TABLE campaigns ADD COLUMN advisory_document TEXT;
