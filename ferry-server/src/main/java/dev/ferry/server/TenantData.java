package dev.ferry.server;

import dev.ferry.store.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a tenant reads goes through here, and every query is filtered by the caller's tenant:
 * another tenant's object is not found, exactly like an object that does not exist. Thread-safe.
 */
public final class TenantData {
    /** An instance as its tenant sees it: the host is a per-tenant opaque id. */
    public record InstanceView(String id, String state, String group, int cpus, long memoryMiB, String onHostMaintenance,
                               String host) {
    }

    /** A maintenance event as its tenant sees it. Times are wall-clock milliseconds. */
    public record EventView(String id, String campaign, String instance, String state, long notBefore, long deadline,
                            String detail, String newHost, Long downtimeMs, long updatedAt) {
    }

    private final Database db;
    private final OpaqueHosts hosts;

    public TenantData(Database db, OpaqueHosts hosts) {
        this.db = db;
        this.hosts = hosts;
    }

    public Page<InstanceView> instances(String tenant, String after, int limit) {
        return db.tx(c -> {
            List<InstanceView> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, grp, cpus, memory_mib, on_host_maintenance, host, state FROM instances"
                    + " WHERE tenant = ? AND id > ? ORDER BY id FETCH FIRST " + (limit + 1) + " ROWS ONLY")) {
                ps.setString(1, tenant);
                ps.setString(2, after == null ? "" : after);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(instance(tenant, rs));
                    }
                }
            }
            return Page.of(out, limit, InstanceView::id);
        });
    }

    public InstanceView instance(String tenant, String id) {
        InstanceView v = db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, grp, cpus, memory_mib, on_host_maintenance, host, state FROM instances"
                    + " WHERE tenant = ? AND id = ?")) {
                ps.setString(1, tenant);
                ps.setString(2, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? instance(tenant, rs) : null;
                }
            }
        });
        if (v == null) {
            throw ApiException.notFound("instance");
        }
        return v;
    }

    private InstanceView instance(String tenant, ResultSet rs) throws SQLException {
        return new InstanceView(rs.getString(1), rs.getString(7), rs.getString(2), rs.getInt(3), rs.getLong(4), rs.getString(5),
                hosts.of(tenant, rs.getString(6)));
    }

    public Page<EventView> events(String tenant, String state, String after, int limit) {
        return db.tx(c -> {
            List<EventView> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(EVENT + " WHERE tenant = ? AND event_id > ?"
                    + (state == null ? "" : " AND state = ?") + " ORDER BY event_id FETCH FIRST " + (limit + 1) + " ROWS ONLY")) {
                ps.setString(1, tenant);
                ps.setString(2, after == null ? "" : after);
                if (state != null) {
                    ps.setString(3, state);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(event(rs));
                    }
                }
            }
            return Page.of(out, limit, EventView::id);
        });
    }

    /** Changes whenever one of the tenant's events is added or changes (count, latest and sum of update times). */
    public String eventsSignature(String tenant) {
        return db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*), MAX(updated_at), SUM(updated_at) FROM events WHERE tenant = ?")) {
                ps.setString(1, tenant);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1) + "/" + rs.getLong(2) + "/" + rs.getLong(3);
                }
            }
        });
    }

    public EventView event(String tenant, String id) {
        EventView v = db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement(EVENT + " WHERE tenant = ? AND event_id = ?")) {
                ps.setString(1, tenant);
                ps.setString(2, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? event(rs) : null;
                }
            }
        });
        if (v == null) {
            throw ApiException.notFound("event");
        }
        return v;
    }

    private static final String EVENT = "SELECT event_id, campaign, instance, state, not_before, deadline, detail, new_host,"
            + " downtime_ms, updated_at FROM events";

    private static EventView event(ResultSet rs) throws SQLException {
        long d = rs.getLong(9);
        Long downtime = rs.wasNull() ? null : d;
        return new EventView(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5), rs.getLong(6),
                rs.getString(7), rs.getString(8), downtime, rs.getLong(10));
    }
}
