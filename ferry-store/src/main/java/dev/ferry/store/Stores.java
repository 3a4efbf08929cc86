package dev.ferry.store;

import dev.ferry.store.jdbc.JdbcStores;

/** Every store of the controller, over one database. */
public record Stores(InventoryStore inventory, CampaignStore campaigns, HistoryStore history, TokenStore tokens, AuditStore audit,
                     WebhookStore webhooks, AgentStore agents, TenantStore tenants, AdvisoryStore advisories, RequestStore requests,
                     SettingsStore settings, OperationStore operations, ClusterStore cluster, ModelStore models) {
    /** The stores over H2 or PostgreSQL (SQL lives here, and only here). */
    public static Stores over(Database db) {
        return JdbcStores.over(db);
    }
}
