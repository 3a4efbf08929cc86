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
 * The fleet as the controller knows it. An import stores the whole fleet/v1 document; smaller
 * changes (a cordon, a tenant's onHostMaintenance) are rows after it, so that a change costs a row,
 * not a document. Every change has a version, actor and request id, is written in one transaction
 * with the query rows and the audit line, and supersedes every campaign still only proposed (its
 * plan was made for an inventory that no longer exists). The current fleet is materialized lazily.
 * Changes are serialized (in this process by a lock, across processes by the inventory lock row);
 * reads are lock-free.
 */
public final class Inventory {
    /** An inventory version and its fleet. */
    public record Current(long version, Fleet fleet) {
    }

    /**
     * A change after the last imported document: {@code host-state} (active|cordoned),
     * {@code hypervisor} (the version a host runs), {@code on-host-maintenance}, {@code move} (an
     * instance's host), {@code add} (an instance, as JSON), {@code remove} (an instance).
     */
    public record Change(String kind, String target, String value) {
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private final Database db;
    private final InstantSource clock;
    private final long maxBytes;
    private volatile Current current = new Current(0, new Fleet(List.of(), List.of(), List.of(), List.of()));
    /** Changes not yet applied to {@link #current} (applied when the fleet is next asked for). */
    private final List<Change> pending = new ArrayList<>();
    /** Not guarded by this object's lock: a campaign's final commit records changes while an HTTP thread may hold that lock. */
    private final java.util.concurrent.atomic.AtomicLong version = new java.util.concurrent.atomic.AtomicLong();

    public Inventory(Database db, InstantSource clock, long maxBytes) {
        this.db = db;
        this.clock = clock;
        this.maxBytes = maxBytes;
    }

    /** Reads the newest imported document and the changes after it (at start). */
    public synchronized void load() {
        String[] doc = new String[1];
        List<Change> changes = new ArrayList<>();
        long[] versions = db.tx(c -> {
            long base = 0;
            try (ResultSet rs = c.prepareStatement("SELECT version, document FROM inventory ORDER BY version DESC FETCH FIRST 1 ROWS ONLY")
                    .executeQuery()) {
                if (rs.next()) {
                    base = rs.getLong(1);
                    doc[0] = rs.getString(2);
                }
            }
            long last = base;
            try (PreparedStatement ps = c.prepareStatement("SELECT version, kind, target, change_value FROM inventory_changes"
                    + " WHERE version > ? ORDER BY version")) {
                ps.setLong(1, base);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        last = rs.getLong(1);
                        changes.add(new Change(rs.getString(2), rs.getString(3), rs.getString(4)));
                    }
                }
            }
            return new long[] {base, last};
        });
        if (versions[0] > 0) {
            current = new Current(versions[0], parse(doc[0].getBytes(StandardCharsets.UTF_8), "stored inventory " + versions[0]));
        }
        pending.clear();
        pending.addAll(changes);
        version.set(versions[1]);
    }

    /** The current version number, without materializing the fleet. */
    public long version() {
        return version.get();
    }

    /** The current fleet (every change applied). */
    public synchronized Current current() {
        if (!pending.isEmpty()) {
            Fleet f = current.fleet();
            List<Host> hosts = new ArrayList<>(f.hosts());
            java.util.LinkedHashMap<String, Instance> instances = new java.util.LinkedHashMap<>();
            for (Instance i : f.instances()) {
                instances.put(i.id(), i);
            }
            for (Change ch : pending) {
                apply(f, hosts, instances, ch);
            }
            pending.clear();
            current = new Current(version.get(), new Fleet(hosts, new ArrayList<>(instances.values()), f.groups(), f.tenants()));
        }
        return current;
    }

    private static void apply(Fleet f, List<Host> hosts, java.util.Map<String, Instance> instances, Change ch) {
        switch (ch.kind()) {
            case "host-state", "hypervisor" -> {
                int h = f.hostIndex(ch.target());
                Host o = hosts.get(h);
                boolean state = ch.kind().equals("host-state");
                hosts.set(h, new Host(o.id(), o.zone(), o.rack(), o.cpus(), o.memoryMiB(), o.cpuAllocationRatio(),
                        state ? o.hypervisor() : ch.value(), o.cpuModel(), o.liveMigration(),
                        !state ? o.state() : ch.value().equals("cordoned") ? HostState.CORDONED : HostState.ACTIVE, o.agent()));
            }
            case "on-host-maintenance" -> instances.computeIfPresent(ch.target(), (k, o) -> new Instance(o.id(), o.tenant(),
                    o.host(), o.cpus(), o.memoryMiB(), onHostMaintenance(ch.value()), o.group(), o.dirtyRateMiBps()));
            case "move" -> instances.computeIfPresent(ch.target(), (k, o) -> new Instance(o.id(), o.tenant(), ch.value(),
                    o.cpus(), o.memoryMiB(), o.onHostMaintenance(), o.group(), o.dirtyRateMiBps()));
            case "add" -> {
                Instance i = fromJson(ch.value());
                instances.put(i.id(), i);
            }
            case "remove" -> instances.remove(ch.target());
            default -> throw new IllegalStateException("unknown inventory change " + ch.kind());
        }
    }

    /** An instance as the value of an {@code add} change. */
    public static String toJson(Instance i) {
        var n = JSON.createObjectNode();
        n.put("id", i.id());
        n.put("tenant", i.tenant());
        n.put("host", i.host());
        n.put("cpus", i.cpus());
        n.put("memoryMiB", i.memoryMiB());
        n.put("onHostMaintenance", i.onHostMaintenance().wireName());
        n.put("group", i.group());
        n.put("dirtyRateMiBps", i.dirtyRateMiBps());
        return n.toString();
    }

    private static Instance fromJson(String json) {
        try {
            var n = JSON.readTree(json);
            return new Instance(n.get("id").asText(), n.get("tenant").asText(), n.get("host").asText(), n.get("cpus").asInt(),
                    n.get("memoryMiB").asLong(), onHostMaintenance(n.get("onHostMaintenance").asText()),
                    n.get("group").isNull() ? null : n.get("group").asText(), n.get("dirtyRateMiBps").asDouble());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("stored inventory change is not an instance: " + json, e);
        }
    }

    static OnHostMaintenance onHostMaintenance(String wire) {
        for (OnHostMaintenance o : OnHostMaintenance.values()) {
            if (o.wireName().equals(wire)) {
                return o;
            }
        }
        throw new IllegalArgumentException(wire);
    }

    private Fleet parse(byte[] body, String name) {
        return Uploads.read(body, name, new FleetReader(maxBytes)::read);
    }

    /** Parses a stored fleet document (a campaign's). */
    public Fleet parseStored(String document, String name) {
        return parse(document.getBytes(StandardCharsets.UTF_8), name);
    }

    /** Replaces the inventory with a fleet/v1 document (YAML or JSON). */
    public synchronized Current importFleet(byte[] body, Principal who, String requestId) {
        Fleet fleet = parse(body, "request body");
        String document = Uploads.json(fleet);
        long v = commit(who, requestId, "inventory.import", "inventory",
                fleet.hosts().size() + " hosts, " + fleet.instances().size() + " instances", (c, next) -> {
            try (ResultSet rs = c.prepareStatement("SELECT id FROM campaigns WHERE state IN ('running', 'paused')").executeQuery()) {
                if (rs.next()) {
                    throw ApiException.conflict("campaign " + rs.getString(1) + " is running on the current inventory;"
                            + " import after it ends (or abort it)");
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO inventory VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setLong(1, next);
                ps.setLong(2, clock.millis());
                ps.setString(3, who.actor());
                ps.setString(4, requestId);
                ps.setInt(5, fleet.hosts().size());
                ps.setInt(6, fleet.instances().size());
                ps.setString(7, document);
                ps.executeUpdate();
            }
            c.prepareStatement("DELETE FROM instances").executeUpdate();
            c.prepareStatement("DELETE FROM hosts").executeUpdate();
            insertHosts(c, fleet.hosts());
            insertInstances(c, fleet.instances());
            recomputeLedger(c);
        });
        pending.clear();
        current = new Current(v, fleet);
        return current;
    }

    /** Cordons or uncordons a host by hand, with a reason. */
    public synchronized Current cordon(String hostId, boolean cordon, String reason, Principal who, String requestId) {
        if (current().fleet().hostIndex(hostId) < 0) {
            throw ApiException.notFound("host");
        }
        if (reason == null || reason.isBlank()) {
            throw ApiException.badRequest("a reason is required (it goes into the audit log)");
        }
        String state = cordon ? HostState.CORDONED.wireName() : HostState.ACTIVE.wireName();
        change(new Change("host-state", hostId, state), who, requestId, cordon ? "host.cordon" : "host.uncordon", reason, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE hosts SET state = ?, reason = ? WHERE id = ?")) {
                ps.setString(1, state);
                ps.setString(2, AuditLog.cut(reason, 1000));
                ps.setString(3, hostId);
                ps.executeUpdate();
            }
        });
        return current();
    }

    /** A tenant sets what happens to its instance in host maintenance (applies to campaigns proposed from now on). */
    public synchronized void onHostMaintenance(String tenant, String instanceId, OnHostMaintenance value, Principal who,
                                               String requestId) {
        change(new Change("on-host-maintenance", instanceId, value.wireName()), who, requestId, "instance.on-host-maintenance",
                value.wireName(), c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE instances SET on_host_maintenance = ? WHERE id = ? AND tenant = ?")) {
                ps.setString(1, value.wireName());
                ps.setString(2, instanceId);
                ps.setString(3, tenant);
                if (ps.executeUpdate() != 1) {
                    throw ApiException.notFound("instance");
                }
            }
        });
    }

    private interface Rows {
        void write(Connection c) throws SQLException;
    }

    private interface VersionedRows {
        void write(Connection c, long version) throws SQLException;
    }

    private void change(Change ch, Principal who, String requestId, String action, String detail, Rows rows) {
        db.tx(c -> {
            record(c, List.of(ch), who, requestId, action, ch.target(), detail);
            rows.write(c);
            return null;
        });
        applied(List.of(ch));
    }

    /** After the transaction that recorded {@code changes} committed: the in-memory fleet follows. */
    public synchronized void applied(List<Change> changes) {
        pending.addAll(changes);
    }

    /**
     * Records changes inside the caller's transaction: the next versions under the inventory lock,
     * supersession of proposals, the audit line. Returns the last version. The caller calls
     * {@link #applied} once the transaction has committed.
     */
    public long record(Connection c, List<Change> changes, Principal who, String requestId, String action, String target,
                       String detail) throws SQLException {
        long next = lockAndNext(c);
        long now = clock.millis();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO inventory_changes VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            long v = next;
            for (Change ch : changes) {
                ps.setLong(1, v++);
                ps.setLong(2, now);
                ps.setString(3, who.actor());
                ps.setString(4, requestId);
                ps.setString(5, ch.kind());
                ps.setString(6, ch.target());
                ps.setString(7, ch.value());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        long last = next + changes.size() - 1;
        supersedeAndAudit(c, last, now, who, requestId, action, target, detail);
        setVersion(last);
        return last;
    }

    private void setVersion(long v) {
        version.accumulateAndGet(v, Math::max);
    }

    private static long lockAndNext(Connection c) throws SQLException {
        lock(c);
        return storedVersion(c) + 1;
    }

    /** Takes the inventory lock row until the transaction ends: changes, launches and proposals are serialized by it. */
    public static void lock(Connection c) throws SQLException {
        Database.lock(c, "inventory-lock");
    }

    /** The newest version stored (an import or a change). */
    public static long storedVersion(Connection c) throws SQLException {
        try (ResultSet rs = c.prepareStatement("SELECT GREATEST((SELECT COALESCE(MAX(version), 0) FROM inventory),"
                + " (SELECT COALESCE(MAX(version), 0) FROM inventory_changes))").executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void supersedeAndAudit(Connection c, long version, long now, Principal who, String requestId, String action,
                                          String target, String detail) throws SQLException {
        int superseded;
        try (PreparedStatement ps = c.prepareStatement("UPDATE campaigns SET state = 'superseded', end_reason = ?,"
                + " row_version = row_version + 1 WHERE state = 'proposed'")) {
            ps.setString(1, "the inventory changed (version " + version + ") before approval");
            superseded = ps.executeUpdate();
        }
        AuditLog.write(c, now, who.actor(), requestId, action, target, true,
                detail + "; inventory version " + version + (superseded > 0 ? "; " + superseded + " proposal(s) superseded" : ""));
    }

    /** The import: a whole document, under the inventory lock. */
    private long commit(Principal who, String requestId, String action, String target, String detail, VersionedRows rows) {
        long now = clock.millis();
        long v = db.tx(c -> {
            long next = lockAndNext(c);
            rows.write(c, next);
            supersedeAndAudit(c, next, now, who, requestId, action, target, detail);
            return next;
        });
        setVersion(v);
        return v;
    }

    /** Rewrites every host's capacity ledger from the instances that run (after an import or a campaign). */
    public static void recomputeLedger(Connection c) throws SQLException {
        c.prepareStatement("UPDATE hosts SET used_milli_cpu = COALESCE((SELECT SUM(i.cpus) * 1000 FROM instances i"
                + " WHERE i.host = hosts.id AND i.state = 'running'), 0), used_memory_mib = COALESCE((SELECT SUM(i.memory_mib)"
                + " FROM instances i WHERE i.host = hosts.id AND i.state = 'running'), 0)").executeUpdate();
    }

    private static void insertHosts(Connection c, List<Host> hosts) throws SQLException {
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
}
