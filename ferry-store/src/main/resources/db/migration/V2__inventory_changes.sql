-- Small inventory changes (cordons, tenants' settings) as rows after the last imported document,
-- instead of a whole new document each; campaigns keep the fleet document they were planned on.
CREATE TABLE inventory_changes (
    version      BIGINT       PRIMARY KEY,
    created_at   BIGINT       NOT NULL,
    actor        VARCHAR(200) NOT NULL,
    request_id   VARCHAR(100),
    kind         VARCHAR(40)  NOT NULL,   -- host-state | on-host-maintenance
    target       VARCHAR(200) NOT NULL,
    change_value VARCHAR(200) NOT NULL
);

ALTER TABLE campaigns ADD COLUMN fleet_document TEXT;
INSERT INTO settings (name, setting_value) VALUES ('inventory-lock', 'one inventory change at a time');
