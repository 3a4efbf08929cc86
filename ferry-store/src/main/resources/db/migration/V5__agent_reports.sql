-- What each host's agent last reported (its hypervisor version and instances), and when; an agent
-- token (tokens.role = 'agent', tokens.tenant = the host) reports for its own host only.
CREATE TABLE agent_reports (
    host         VARCHAR(200) PRIMARY KEY,
    version      VARCHAR(200) NOT NULL,
    instances    TEXT         NOT NULL,   -- JSON array as the agent sent it
    reported_at  BIGINT       NOT NULL
);
