-- history/v2: each fact is stored typed, as its JSON line (docs/formats.md) in facts.body; op is
-- the fact's type (switched-over, event-changed, ...) and target the instance, host or campaign it
-- is about, for searching. Rows written before have no body: they are history/v1 (op and the
-- outcome sentence), still read.
ALTER TABLE facts ADD COLUMN body TEXT;
