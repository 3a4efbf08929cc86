-- Tenants' instance lifecycle: instance state, and each host's capacity ledger, which launches and
-- starts reserve from with a conditional update (compare-and-swap) in the transaction that places.
ALTER TABLE instances ADD COLUMN state VARCHAR(20) DEFAULT 'running' NOT NULL;
ALTER TABLE instances ADD COLUMN dirty_rate DOUBLE PRECISION DEFAULT 0 NOT NULL;
ALTER TABLE hosts ADD COLUMN capacity_milli_cpu BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE hosts ADD COLUMN used_milli_cpu BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE hosts ADD COLUMN used_memory_mib BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE inventory_changes ALTER COLUMN change_value SET DATA TYPE VARCHAR(2000);
