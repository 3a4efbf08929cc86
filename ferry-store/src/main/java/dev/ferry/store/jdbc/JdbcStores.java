package dev.ferry.store.jdbc;

import dev.ferry.store.Database;
import dev.ferry.store.Stores;

/** The JDBC stores over one database (H2 or PostgreSQL; the one schema Flyway migrates). */
public final class JdbcStores {
    private JdbcStores() {
    }

    public static Stores over(Database db) {
        return new Stores(new JdbcInventoryStore(db), new JdbcCampaignStore(db), new JdbcHistoryStore(db), new JdbcTokenStore(db),
                new JdbcAuditStore(db), new JdbcWebhookStore(db), new JdbcAgentStore(db), new JdbcTenantStore(db),
                new JdbcAdvisoryStore(db), new JdbcRequestStore(db), new JdbcSettingsStore(db), new JdbcOperationStore(db),
                new JdbcClusterStore(db), new JdbcModelStore(db));
    }
}
