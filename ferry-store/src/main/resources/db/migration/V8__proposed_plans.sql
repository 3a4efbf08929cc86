-- The plan a proposal was reviewed with (plan/v1 JSON): approval runs exactly that plan, never one
-- recomputed from the stored fleet (a newer planner could make another). Null for campaigns
-- proposed before plans were stored; those are planned again from their fleet, as before.
ALTER TABLE campaigns ADD COLUMN plan_document TEXT;
