package dev.ferry.store.jdbc;

import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.Instance;
import dev.ferry.store.Audit;
import dev.ferry.store.InventoryStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * The inventory's rows, shared by the inventory's and the campaigns' stores (a finished campaign's
 * placements become the next inventory in its final transaction): versions under the inventory
 * lock, changes, the supersession of proposals, the capacity ledger.
 */
final class InventoryRows {
    private InventoryRows() {
    }

    /** Takes the inventory lock row until the transaction ends: changes, placements and proposals are serialized by it. */
    static void lock(Connection c) throws SQLException {
        Sql.lock(c, "inventory-lock");
    }

    /** The newest version stored (an import or a change). */
    static long storedVersion(Connection c) throws SQLException {
        return Sql.one(c, "SELECT GREATEST((SELECT COALESCE(MAX(version), 0) FROM inventory),"
                + " (SELECT COALESCE(MAX(version), 0) FROM inventory_changes))");
    }

    /** The next version, under the inventory lock. */
    static long lockAndNext(Connection c) throws SQLException {
        lock(c);
        return storedVersion(c) + 1;
    }

    /**
     * Records changes inside the caller's transaction: the next versions under the inventory lock,
     * supersession of proposals, the audit line. Returns the last version.
     */
    static long record(Connection c, List<InventoryStore.Change> changes, Audit audit) throws SQLException {
        long next = insert(c, changes, audit);
        long last = next + changes.size() - 1;
        Sql.audit(c, audit.detail(audit.detail() + "; inventory version " + last), true);
        return last;
    }

    /**
     * As {@link #record}, for changes of several requests (a group commit): change k gets version
     * first + k and its own audit line. Returns the first version.
     */
    static long recordEach(Connection c, List<InventoryStore.Change> changes, List<Audit> audits) throws SQLException {
        long first = lockAndNext(c);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO inventory_changes VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            for (int k = 0; k < changes.size(); k++) {
                bind(ps, first + k, audits.get(k), changes.get(k));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        for (int k = 0; k < changes.size(); k++) {
            Audit a = audits.get(k);
            Sql.audit(c, a.detail(a.detail() + "; inventory version " + (first + k)), true);
        }
        return first;
    }

    private static void bind(PreparedStatement ps, long version, Audit audit, InventoryStore.Change ch) throws SQLException {
        ps.setLong(1, version);
        ps.setLong(2, audit.at());
        ps.setString(3, audit.actor());
        ps.setString(4, audit.requestId());
        ps.setString(5, ch.kind());
        ps.setString(6, ch.target());
        ps.setString(7, ch.value());
    }

    /** Inserts the changes from the next version on, all with {@code audit}'s time and actor; returns the first version. */
    private static long insert(Connection c, List<InventoryStore.Change> changes, Audit audit) throws SQLException {
        long next = lockAndNext(c);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO inventory_changes VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            long v = next;
            for (InventoryStore.Change ch : changes) {
                bind(ps, v++, audit, ch);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        return next;
    }

    /**
     * A newly imported inventory supersedes every proposal (proposed → superseded, the one transition
     * the life cycle allows from proposed besides approval and abort): its plan was made for an
     * inventory that no longer exists. The audit line says so.
     */
    private static final String SUPERSEDE = Sql.transition("end_reason = ?", CampaignState.PROPOSED, CampaignState.SUPERSEDED);

    static void supersedeAndAudit(Connection c, long version, Audit audit) throws SQLException {
        int superseded;
        try (PreparedStatement ps = c.prepareStatement(SUPERSEDE)) {
            ps.setString(1, "the inventory changed (version " + version + ") before approval");
            superseded = ps.executeUpdate();
        }
        Sql.audit(c, audit.detail(audit.detail() + "; inventory version " + version
                + (superseded > 0 ? "; " + superseded + " proposal(s) superseded" : "")), true);
    }

    /** Rewrites every host's capacity ledger from the instances that run (after an import or a campaign). */
    static void recomputeLedger(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE hosts SET used_milli_cpu = COALESCE((SELECT SUM(i.cpus) * 1000"
                + " FROM instances i WHERE i.host = hosts.id AND i.state = 'running'), 0), used_memory_mib = COALESCE((SELECT"
                + " SUM(i.memory_mib) FROM instances i WHERE i.host = hosts.id AND i.state = 'running'), 0)")) {
            ps.executeUpdate();
        }
    }

    /** The changes recorded after {@code version}, in order. */
    static List<InventoryStore.Change> changesAfter(Connection c, long version) throws SQLException {
        return Sql.list(c, "SELECT kind, target, change_value FROM inventory_changes WHERE version > ? ORDER BY version",
                rs -> new InventoryStore.Change(rs.getString(1), rs.getString(2), rs.getString(3)), version);
    }

    /** The first running campaign, or null. */
    static String running(Connection c) throws SQLException {
        return Sql.first(c, "SELECT id FROM campaigns WHERE state IN ('running', 'paused')", rs -> rs.getString(1)).orElse(null);
    }

    static void insertHosts(Connection c, List<Host> hosts) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO hosts (id, zone, rack, hypervisor, cpus, memory_mib, state,"
                + " reason, capacity_milli_cpu) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            int n = 0;
            for (Host h : hosts) {
                ps.setString(1, h.id());
                ps.setString(2, h.zone());
                ps.setString(3, h.rack());
                ps.setString(4, h.hypervisor());
                ps.setInt(5, h.cpus());
                ps.setLong(6, h.memoryMiB());
                ps.setString(7, h.state().wireName());
                ps.setString(8, null);
                ps.setLong(9, h.milliCpuCapacity());
                ps.addBatch();
                if (++n % 1000 == 0) {
                    ps.executeBatch();
                }
            }
            ps.executeBatch();
        }
    }

    /** Inserts running instances (an import, or one launch). */
    static void insertInstances(Connection c, List<Instance> instances) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO instances (id, tenant, host, grp, cpus, memory_mib,"
                + " on_host_maintenance, state, dirty_rate) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?)")) {
            int n = 0;
            for (Instance i : instances) {
                ps.setString(1, i.id());
                ps.setString(2, i.tenant());
                ps.setString(3, i.host());
                ps.setString(4, i.group());
                ps.setInt(5, i.cpus());
                ps.setLong(6, i.memoryMiB());
                ps.setString(7, i.onHostMaintenance().wireName());
                ps.setDouble(8, i.dirtyRateMiBps());
                ps.addBatch();
                if (++n % 1000 == 0) {
                    ps.executeBatch();
                }
            }
            ps.executeBatch();
        }
    }

    /** Moves the room an instance takes on its host ({@code sign} 1: takes it, −1: gives it back). */
    static void ledger(Connection c, Instance i, int sign) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE hosts SET used_milli_cpu = used_milli_cpu + ?,"
                + " used_memory_mib = used_memory_mib + ? WHERE id = ?")) {
            ps.setLong(1, sign * i.milliCpus());
            ps.setLong(2, sign * i.memoryMiB());
            ps.setString(3, i.host());
            ps.executeUpdate();
        }
    }
}
