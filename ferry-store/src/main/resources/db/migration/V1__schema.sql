-- Ferry's schema: one file for H2 and PostgreSQL (portable types only).
-- Facts are append-only (facts, inputs, effect_keys, audit); the other tables are views derived
-- from them in the same transaction, or configuration (tokens, webhooks).

-- server-wide settings, among them the secret that makes per-tenant opaque host ids
CREATE TABLE settings (
    name   VARCHAR(100) PRIMARY KEY,
    setting_value  VARCHAR(1000) NOT NULL
);

CREATE TABLE tokens (
    token_hash  VARCHAR(64)  PRIMARY KEY,   -- SHA-256 of the bearer token, hex; the token itself is never stored
    name        VARCHAR(200) NOT NULL,
    role        VARCHAR(20)  NOT NULL,      -- operator | tenant
    tenant      VARCHAR(200),
    created_at  BIGINT       NOT NULL
);

CREATE TABLE inventory (
    version     BIGINT       PRIMARY KEY,
    created_at  BIGINT       NOT NULL,
    actor       VARCHAR(200) NOT NULL,
    request_id  VARCHAR(100),
    hosts       INT          NOT NULL,
    instances   INT          NOT NULL,
    document    TEXT         NOT NULL       -- fleet/v1 JSON as written by FleetWriter
);

CREATE TABLE hosts (
    id          VARCHAR(200) PRIMARY KEY,
    zone        VARCHAR(200) NOT NULL,
    rack        VARCHAR(200),
    hypervisor  VARCHAR(200) NOT NULL,
    cpus        INT          NOT NULL,
    memory_mib  BIGINT       NOT NULL,
    state       VARCHAR(20)  NOT NULL,
    reason      VARCHAR(1000)
);

CREATE TABLE instances (
    id          VARCHAR(200) PRIMARY KEY,
    tenant      VARCHAR(200) NOT NULL,
    host        VARCHAR(200) NOT NULL,
    grp         VARCHAR(200),
    cpus        INT          NOT NULL,
    memory_mib  BIGINT       NOT NULL,
    on_host_maintenance VARCHAR(20) NOT NULL
);
CREATE INDEX instances_tenant ON instances (tenant, id);

CREATE TABLE advisories (
    id             VARCHAR(200) PRIMARY KEY,
    title          VARCHAR(1000),
    created_at     BIGINT       NOT NULL,
    affected_hosts INT          NOT NULL,
    document       TEXT         NOT NULL
);

CREATE TABLE campaigns (
    id                VARCHAR(100) PRIMARY KEY,
    advisory          VARCHAR(200) NOT NULL,
    inventory_version BIGINT       NOT NULL,
    policy            TEXT         NOT NULL,
    strategy          VARCHAR(20)  NOT NULL,
    seed              BIGINT       NOT NULL,
    accel             DOUBLE PRECISION NOT NULL,
    state             VARCHAR(20)  NOT NULL,  -- proposed | superseded | running | paused | completed | halted | aborted
    created_at        BIGINT       NOT NULL,
    started_at        BIGINT,                 -- wall ms of approval: virtual time 0
    predicted_s       BIGINT       NOT NULL,
    lower_bound_s     BIGINT       NOT NULL,
    slack_s           BIGINT,
    steps             INT          NOT NULL,
    affected_hosts    INT          NOT NULL,
    hosts_patched     INT          NOT NULL,
    hosts_failed      INT          NOT NULL,
    virtual_ms        BIGINT       NOT NULL,
    end_reason        VARCHAR(2000),
    row_version       BIGINT       NOT NULL
);

-- the campaign's history: exactly the HistoryRecord lines the invariant checker reads
CREATE TABLE facts (
    campaign  VARCHAR(100) NOT NULL,
    seq       BIGINT       NOT NULL,
    t_ms      BIGINT       NOT NULL,
    actor     VARCHAR(200) NOT NULL,
    op        VARCHAR(40)  NOT NULL,
    target    VARCHAR(200) NOT NULL,
    outcome   VARCHAR(2000) NOT NULL,
    epoch     BIGINT       NOT NULL,
    PRIMARY KEY (campaign, seq)
);
CREATE INDEX facts_target ON facts (target);

-- idempotency keys of applied effects: the primary key refuses a second application
CREATE TABLE effect_keys (
    campaign    VARCHAR(100) NOT NULL,
    effect_key  VARCHAR(200) NOT NULL,
    PRIMARY KEY (campaign, effect_key)
);

-- what came from outside the campaign loop (operators, tenants), in order, with the loop position
CREATE TABLE inputs (
    campaign    VARCHAR(100) NOT NULL,
    seq         BIGINT       NOT NULL,
    processed   BIGINT       NOT NULL,      -- simulation events processed before this input
    t_ms        BIGINT       NOT NULL,      -- virtual time it was applied at
    kind        VARCHAR(40)  NOT NULL,      -- pause | resume | abort | tenant-now | tenant-reschedule
    instance    VARCHAR(200),
    arg_ms      BIGINT,
    reason      VARCHAR(1000),
    actor       VARCHAR(200) NOT NULL,
    request_id  VARCHAR(100),
    PRIMARY KEY (campaign, seq)
);

-- tenants' maintenance events, derived from the campaign's notices
CREATE TABLE events (
    event_id      VARCHAR(200) PRIMARY KEY,
    campaign      VARCHAR(100) NOT NULL,
    tenant        VARCHAR(200) NOT NULL,
    instance      VARCHAR(200) NOT NULL,
    state         VARCHAR(20)  NOT NULL,
    not_before    BIGINT       NOT NULL,    -- wall ms
    deadline      BIGINT       NOT NULL,    -- wall ms
    detail        VARCHAR(1000),
    new_host      VARCHAR(100),             -- per-tenant opaque id of the host it runs on afterwards
    downtime_ms   BIGINT,                   -- from the event's start to its completion
    started_vt    BIGINT,                   -- virtual ms the event started at
    updated_at    BIGINT       NOT NULL
);
CREATE INDEX events_tenant ON events (tenant, event_id);

CREATE TABLE audit (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at          BIGINT       NOT NULL,
    actor       VARCHAR(200) NOT NULL,
    request_id  VARCHAR(100),
    action      VARCHAR(100) NOT NULL,
    target      VARCHAR(200),
    outcome     VARCHAR(20)  NOT NULL,      -- ok | refused
    detail      VARCHAR(2000)
);
CREATE INDEX audit_target ON audit (target, id);
CREATE INDEX audit_actor ON audit (actor, id);

CREATE TABLE idempotency (
    token_hash  VARCHAR(64)  NOT NULL,
    idem_key    VARCHAR(200) NOT NULL,
    method      VARCHAR(10)  NOT NULL,
    path        VARCHAR(1000) NOT NULL,
    body_hash   VARCHAR(64)  NOT NULL,
    status      INT,                        -- null while the first request is in flight
    content_type VARCHAR(100),
    response    TEXT,
    created_at  BIGINT       NOT NULL,
    PRIMARY KEY (token_hash, idem_key)
);

CREATE TABLE webhooks (
    id          VARCHAR(40)  PRIMARY KEY,
    tenant      VARCHAR(200) NOT NULL,
    url         VARCHAR(2000) NOT NULL,
    secret      VARCHAR(100) NOT NULL,
    created_at  BIGINT       NOT NULL
);
CREATE INDEX webhooks_tenant ON webhooks (tenant);

-- transactional outbox: written in the same transaction as the event change it announces
CREATE TABLE outbox (
    id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    webhook_id      VARCHAR(40)  NOT NULL,
    delivery_id     VARCHAR(300) NOT NULL UNIQUE,  -- stable: event id + change, same on every retry
    body            TEXT         NOT NULL,
    attempts        INT          NOT NULL,
    next_attempt_at BIGINT       NOT NULL,
    delivered_at    BIGINT,
    last_error      VARCHAR(1000)
);
CREATE INDEX outbox_due ON outbox (delivered_at, next_attempt_at);
INSERT INTO settings (name, setting_value) VALUES ('campaign-lock', 'one approval at a time');
