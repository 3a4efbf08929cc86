package dev.ferry.server;

import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.HostState;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.formats.FleetReader;
import dev.ferry.store.Database;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/**
 * The fleet as the controller knows it: versioned fleet/v1 documents (every change is a new
 * version, with actor and request id) and host/instance rows for queries, written in one
 * transaction with the audit line. A change supersedes every campaign still only proposed: its plan
 * was made for an inventory that no longer exists. Changes are serialized; reads are lock-free.
 */
public final class Inventory {
    /** An inventory version and its fleet. */
    public record Current(long version, Fleet fleet) {
    }

    private final Database db;
    private final Uploads uploads;
    private final InstantSource clock;
    private final long maxBytes;
    private volatile Current current = new Current(0, new Fleet(List.of(), List.of(), List.of(), List.of()));

    public Inventory(Database db, Uploads uploads, InstantSource clock, long maxBytes) {
        this.db = db;
        this.uploads = uploads;
        this.clock = clock;
        this.maxBytes = maxBytes;
    }

    /** Reads the newest stored version (at start). */
    public synchronized void load() {
        String[] doc = new String[1];
        long version = db.tx(c -> {
            try (ResultSet rs = c.prepareStatement("SELECT version, document FROM inventory ORDER BY version DESC FETCH FIRST 1 ROWS ONLY")
                    .executeQuery()) {
                if (!rs.next()) {
                    return 0L;
                }
                doc[0] = rs.getString(2);
                return rs.getLong(1);
            }
        });
        if (version > 0) {
            current = new Current(version, parse(doc[0].getBytes(StandardCharsets.UTF_8), "stored inventory " + version));
        }
    }

    public Current current() {
        return current;
    }

    /** The fleet of an earlier version (a campaign's). */
    public Fleet version(long version) {
        Current now = current;
        if (now.version() == version) {
            return now.fleet();
        }
        String doc = db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT document FROM inventory WHERE version = ?")) {
                ps.setLong(1, version);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
        if (doc == null) {
            throw new IllegalStateException("inventory version " + version + " is not stored");
        }
        return parse(doc.getBytes(StandardCharsets.UTF_8), "stored inventory " + version);
    }

    private Fleet parse(byte[] body, String name) {
        return uploads.read(body, name, (file, n) -> new FleetReader(maxBytes).read(file, n));
    }

    /** Replaces the inventory with a fleet/v1 document (YAML or JSON). */
    public synchronized Current importFleet(byte[] body, Principal who, String requestId) {
        Fleet fleet = parse(body, "request body");
        return commit(fleet, who, requestId, "inventory.import", "inventory", fleet.hosts().size() + " hosts, "
                + fleet.instances().size() + " instances", c -> {
            c.prepareStatement("DELETE FROM instances").executeUpdate();
            c.prepareStatement("DELETE FROM hosts").executeUpdate();
            insertHosts(c, fleet.hosts());
            insertInstances(c, fleet.instances());
        });
    }

    /** Cordons or uncordons a host by hand, with a reason. */
    public synchronized Current cordon(String hostId, boolean cordon, String reason, Principal who, String requestId) {
        Fleet fleet = current.fleet();
        int h = fleet.hostIndex(hostId);
        if (h < 0) {
            throw ApiException.notFound("host");
        }
        if (reason == null || reason.isBlank()) {
            throw ApiException.badRequest("a reason is required (it goes into the audit log)");
        }
        Host old = fleet.host(h);
        Host changed = new Host(old.id(), old.zone(), old.rack(), old.cpus(), old.memoryMiB(), old.cpuAllocationRatio(),
                old.hypervisor(), old.cpuModel(), old.liveMigration(), cordon ? HostState.CORDONED : HostState.ACTIVE, old.agent());
        List<Host> hosts = new ArrayList<>(fleet.hosts());
        hosts.set(h, changed);
        Fleet next = new Fleet(hosts, fleet.instances(), fleet.groups(), fleet.tenants());
        return commit(next, who, requestId, cordon ? "host.cordon" : "host.uncordon", hostId, reason, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE hosts SET state = ?, reason = ? WHERE id = ?")) {
                ps.setString(1, changed.state().wireName());
                ps.setString(2, AuditLog.cut(reason, 1000));
                ps.setString(3, hostId);
                ps.executeUpdate();
            }
        });
    }

    /** A tenant sets what happens to its instance in host maintenance (applies to campaigns proposed from now on). */
    public synchronized Current onHostMaintenance(String tenant, String instanceId, OnHostMaintenance value, Principal who,
                                                  String requestId) {
        Fleet fleet = current.fleet();
        int i = fleet.instanceIndex(instanceId);
        if (i < 0 || !fleet.instance(i).tenant().equals(tenant)) {
            throw ApiException.notFound("instance");
        }
        Instance old = fleet.instance(i);
        Instance changed = new Instance(old.id(), old.tenant(), old.host(), old.cpus(), old.memoryMiB(), value, old.group(),
                old.dirtyRateMiBps());
        List<Instance> instances = new ArrayList<>(fleet.instances());
        instances.set(i, changed);
        Fleet next = new Fleet(fleet.hosts(), instances, fleet.groups(), fleet.tenants());
        return commit(next, who, requestId, "instance.on-host-maintenance", instanceId, value.wireName(), c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE instances SET on_host_maintenance = ? WHERE id = ?")) {
                ps.setString(1, value.wireName());
                ps.setString(2, instanceId);
                ps.executeUpdate();
            }
        });
    }

    private interface Rows {
        void write(Connection c) throws SQLException;
    }

    private Current commit(Fleet fleet, Principal who, String requestId, String action, String target, String detail, Rows rows) {
        String document = Uploads.json(fleet);
        long now = clock.millis();
        long version = db.tx(c -> {
            long v;
            try (ResultSet rs = c.prepareStatement("SELECT COALESCE(MAX(version), 0) + 1 FROM inventory").executeQuery()) {
                rs.next();
                v = rs.getLong(1);
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO inventory VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setLong(1, v);
                ps.setLong(2, now);
                ps.setString(3, who.actor());
                ps.setString(4, requestId);
                ps.setInt(5, fleet.hosts().size());
                ps.setInt(6, fleet.instances().size());
                ps.setString(7, document);
                ps.executeUpdate();
            }
            rows.write(c);
            int superseded;
            try (PreparedStatement ps = c.prepareStatement("UPDATE campaigns SET state = 'superseded', end_reason = ?,"
                    + " row_version = row_version + 1 WHERE state = 'proposed'")) {
                ps.setString(1, "the inventory changed (version " + v + ") before approval");
                superseded = ps.executeUpdate();
            }
            AuditLog.write(c, now, who.actor(), requestId, action, target, true,
                    detail + "; inventory version " + v + (superseded > 0 ? "; " + superseded + " proposal(s) superseded" : ""));
            return v;
        });
        current = new Current(version, fleet);
        return current;
    }

    private static void insertHosts(Connection c, List<Host> hosts) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO hosts VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
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
                ps.addBatch();
                if (++n % 1000 == 0) {
                    ps.executeBatch();
                }
            }
            ps.executeBatch();
        }
    }

    private static void insertInstances(Connection c, List<Instance> instances) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO instances VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            int n = 0;
            for (Instance i : instances) {
                ps.setString(1, i.id());
                ps.setString(2, i.tenant());
                ps.setString(3, i.host());
                ps.setString(4, i.group());
                ps.setInt(5, i.cpus());
                ps.setLong(6, i.memoryMiB());
                ps.setString(7, i.onHostMaintenance().wireName());
                ps.addBatch();
                if (++n % 1000 == 0) {
                    ps.executeBatch();
                }
            }
            ps.executeBatch();
        }
    }
}
