-- Campaigns on real hypervisors (the host agents named by the fleet's `agent` addresses) rather
-- than on simulated ones.
--   campaigns.hypervisors: 'simulated' (replayed from its seed after a restart) or 'agents'.
--   answers: what a campaign on agents heard back (an agent's answer with the facts it implies, or a
--   wake-up), in the order its loop took them; committed with the facts they led to, before any
--   effect of that round is sent to an agent. A restarted controller gives them to a fresh runtime
--   in the same order (operator inputs at their positions: for these campaigns inputs.processed
--   counts answers), then asks the agents what became of the effects that have no answer yet.
ALTER TABLE campaigns ADD COLUMN hypervisors VARCHAR(20) DEFAULT 'simulated' NOT NULL;
CREATE TABLE answers (
    campaign  VARCHAR(100) NOT NULL,
    seq       BIGINT       NOT NULL,
    t_ms      BIGINT       NOT NULL,
    body      TEXT         NOT NULL,   -- JSON: the input and the facts it came with
    PRIMARY KEY (campaign, seq)
);
