package dev.ferry.store.jdbc;

import dev.ferry.store.Database;
import dev.ferry.store.TenantStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** {@link TenantStore} over the instances and events tables; every query is filtered by the tenant. */
final class JdbcTenantStore implements TenantStore {
    private static final String INSTANCE = "SELECT id, state, grp, cpus, memory_mib, on_host_maintenance, host FROM instances";
    private static final String EVENT = "SELECT event_id, campaign, instance, state, not_before, deadline, detail, new_host,"
            + " downtime_ms, updated_at, kind, not_after, fallback_after, expected_downtime_ms FROM events";

    private final Database db;

    JdbcTenantStore(Database db) {
        this.db = db;
    }

    @Override
    public List<Instance> instances(String tenant, String after, int limit) {
        return db.tx(c -> Sql.list(c, INSTANCE + " WHERE tenant = ? AND id > ? ORDER BY id FETCH FIRST " + limit + " ROWS ONLY",
                JdbcTenantStore::instance, tenant, after == null ? "" : after));
    }

    @Override
    public Optional<Instance> instance(String tenant, String id) {
        return db.tx(c -> Sql.first(c, INSTANCE + " WHERE tenant = ? AND id = ?", JdbcTenantStore::instance, tenant, id));
    }

    private static Instance instance(ResultSet rs) throws SQLException {
        return new Instance(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getLong(5), rs.getString(6),
                rs.getString(7));
    }

    @Override
    public List<Event> events(String tenant, String state, String after, int limit) {
        String sql = EVENT + " WHERE tenant = ? AND event_id > ?" + (state == null ? "" : " AND state = ?") + " ORDER BY event_id"
                + " FETCH FIRST " + limit + " ROWS ONLY";
        String from = after == null ? "" : after;
        return db.tx(c -> state == null ? Sql.list(c, sql, JdbcTenantStore::event, tenant, from)
                : Sql.list(c, sql, JdbcTenantStore::event, tenant, from, state));
    }

    @Override
    public Optional<Event> event(String tenant, String id) {
        return db.tx(c -> Sql.first(c, EVENT + " WHERE tenant = ? AND event_id = ?", JdbcTenantStore::event, tenant, id));
    }

    private static Event event(ResultSet rs) throws SQLException {
        return new Event(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5), rs.getLong(6),
                rs.getString(7), rs.getString(8), Sql.getLong(rs, 9), rs.getLong(10), rs.getString(11), rs.getLong(12),
                Sql.getLong(rs, 13), Sql.getLong(rs, 14));
    }

    @Override
    public String eventsSignature(String tenant) {
        return db.tx(c -> Sql.list(c, "SELECT COUNT(*), MAX(updated_at), SUM(updated_at) FROM events WHERE tenant = ?",
                rs -> rs.getLong(1) + "/" + rs.getLong(2) + "/" + rs.getLong(3), tenant).get(0));
    }
}
