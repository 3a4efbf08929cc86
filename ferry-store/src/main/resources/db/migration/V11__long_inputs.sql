-- A campaign's logged input may carry a whole document now (an amended advisory, up to 1 MiB):
-- the reason column grows from 1,000 characters to text.
ALTER TABLE inputs ALTER COLUMN reason SET DATA TYPE TEXT;
