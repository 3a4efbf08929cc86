package dev.ferry.store.jdbc;

import dev.ferry.core.model.Host;
import dev.ferry.core.model.HostState;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.WireName;
import dev.ferry.store.Audit;
import dev.ferry.store.Database;
import dev.ferry.store.InventoryChanges;
import dev.ferry.store.InventoryStore;
import dev.ferry.store.OperationStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** {@link InventoryStore} over the inventory, inventory_changes, hosts and instances tables. */
final class JdbcInventoryStore implements InventoryStore {
    private static final int ATTEMPTS = 5;

    private final Database db;

    JdbcInventoryStore(Database db) {
        this.db = db;
    }

    @Override
    public Stored load() {
        return db.tx(c -> {
            Optional<Object[]> last = Sql.first(c, "SELECT version, document FROM inventory ORDER BY version DESC"
                    + " FETCH FIRST 1 ROWS ONLY", rs -> new Object[] {rs.getLong(1), rs.getString(2)});
            long base = last.map(r -> (Long) r[0]).orElse(0L);
            String document = last.map(r -> (String) r[1]).orElse(null);
            List<Change> changes = Sql.list(c, "SELECT kind, target, change_value FROM inventory_changes WHERE version > ?"
                    + " ORDER BY version", rs -> new Change(rs.getString(1), rs.getString(2), rs.getString(3)), base);
            return new Stored(base, document, changes, InventoryRows.storedVersion(c));
        });
    }

    @Override
    public long version() {
        return db.tx(InventoryRows::storedVersion);
    }

    @Override
    public List<Change> changesAfter(long version) {
        return db.tx(c -> InventoryRows.changesAfter(c, version));
    }

    @Override
    public Imported importFleet(String document, List<Host> hosts, List<Instance> instances, Audit audit) {
        return db.tx(c -> {
            long next = InventoryRows.lockAndNext(c);
            String running = InventoryRows.running(c);
            if (running != null) {
                return new Imported(0, running);
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO inventory VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setLong(1, next);
                ps.setLong(2, audit.at());
                ps.setString(3, audit.actor());
                ps.setString(4, audit.requestId());
                ps.setInt(5, hosts.size());
                ps.setInt(6, instances.size());
                ps.setString(7, document);
                ps.executeUpdate();
            }
            Sql.update(c, "DELETE FROM instances");
            Sql.update(c, "DELETE FROM hosts");
            InventoryRows.insertHosts(c, hosts);
            InventoryRows.insertInstances(c, instances);
            InventoryRows.recomputeLedger(c);
            InventoryRows.supersedeAndAudit(c, next, audit);
            return new Imported(next, null);
        });
    }

    @Override
    public long cordon(String host, boolean cordon, String reason, Audit audit) {
        String state = cordon ? HostState.CORDONED.wireName() : HostState.ACTIVE.wireName();
        return db.tx(c -> {
            long v = InventoryRows.record(c, List.of(new Change("host-state", host, state)), audit);
            try (PreparedStatement ps = c.prepareStatement("UPDATE hosts SET state = ?, reason = ? WHERE id = ?")) {
                ps.setString(1, state);
                ps.setString(2, Sql.cut(reason, 1000));
                ps.setString(3, host);
                ps.executeUpdate();
            }
            return v;
        });
    }

    @Override
    public long hypervisor(String host, String hypervisor, Audit audit) {
        return db.tx(c -> {
            InventoryRows.lock(c);
            if (InventoryRows.running(c) != null) {
                return -1L; // decided under the lock an approval takes: no change slips under a campaign that starts
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE hosts SET hypervisor = ? WHERE id = ? AND hypervisor <> ?")) {
                ps.setString(1, hypervisor);
                ps.setString(2, host);
                ps.setString(3, hypervisor);
                if (ps.executeUpdate() != 1) {
                    return -1L;
                }
            }
            return InventoryRows.record(c, List.of(new Change("hypervisor", host, hypervisor)), audit);
        });
    }

    @Override
    public long onHostMaintenance(String tenant, String instance, String value, Audit audit) {
        return onHostMaintenanceAll(List.of(new MaintenanceSetting(tenant, instance, value, audit)))[0];
    }

    @Override
    public long[] onHostMaintenanceAll(List<MaintenanceSetting> settings) {
        return db.tx(c -> {
            long[] out = new long[settings.size()];
            List<Change> changes = new java.util.ArrayList<>();
            List<Audit> audits = new java.util.ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("UPDATE instances SET on_host_maintenance = ? WHERE id = ? AND tenant = ?")) {
                for (int k = 0; k < settings.size(); k++) {
                    MaintenanceSetting m = settings.get(k);
                    ps.setString(1, m.value());
                    ps.setString(2, m.instance());
                    ps.setString(3, m.tenant());
                    out[k] = ps.executeUpdate() == 1 ? 0 : -1;
                    if (out[k] == 0) {
                        changes.add(new Change("on-host-maintenance", m.instance(), m.value()));
                        audits.add(m.audit());
                    }
                }
            }
            if (!changes.isEmpty()) {
                long v = InventoryRows.recordEach(c, changes, audits);
                for (int k = 0; k < out.length; k++) {
                    out[k] = out[k] < 0 ? -1 : v++;
                }
            }
            return out;
        });
    }

    @Override
    public Optional<InstanceRow> instance(String tenant, String id) {
        return db.tx(c -> Sql.first(c, "SELECT id, tenant, host, cpus, memory_mib, on_host_maintenance, grp, dirty_rate, state"
                + " FROM instances WHERE id = ? AND tenant = ?", rs -> new InstanceRow(new Instance(rs.getString(1), rs.getString(2),
                rs.getString(3), rs.getInt(4), rs.getLong(5), WireName.parse(OnHostMaintenance.class, rs.getString(6)), rs.getString(7),
                rs.getDouble(8)), rs.getString(9)), id, tenant));
    }

    @Override
    public Placed place(Instance wanted, boolean launch, Function<Map<String, long[]>, Choice> choose, String how, Audit audit,
                        Function<String, OperationStore.Operation> dispatch) {
        try {
            return placeOnce(wanted, launch, choose, how, audit, dispatch);
        } catch (Changed e) {
            return new Placed(null, INSTANCE_CHANGED, true, 0);
        }
    }

    private Placed placeOnce(Instance wanted, boolean launch, Function<Map<String, long[]>, Choice> choose, String how, Audit audit,
                             Function<String, OperationStore.Operation> dispatch) {
        return db.tx(c -> {
            InventoryRows.lock(c);
            if (InventoryRows.running(c) != null) {
                return new Placed(null, CAMPAIGN_STARTED, true, 0);
            }
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                Choice choice = choose.apply(freeRoom(c));
                if (choice.host() == null) {
                    return new Placed(null, choice.whyNot(), false, 0);
                }
                if (reserve(c, choice.host(), wanted)) {
                    Instance placed = at(wanted, choice.host());
                    long v = recordPlaced(c, placed, launch, how, audit);
                    OperationStore.Operation o = dispatch == null ? null : dispatch.apply(choice.host());
                    if (o != null) {
                        JdbcOperationStore.insert(c, o, audit.at());
                    }
                    return new Placed(choice.host(), null, false, v);
                }
            }
            return new Placed(null, "the chosen hosts filled up meanwhile; try again", true, 0);
        });
    }

    @Override
    public long placedByCampaign(Instance placed, boolean launch, String how, Audit audit, OperationStore.Operation dispatch) {
        try {
            return db.tx(c -> {
                InventoryRows.lock(c);
                InventoryRows.ledger(c, placed, 1);
                long v = recordPlaced(c, placed, launch, how, audit);
                if (dispatch != null) {
                    JdbcOperationStore.insert(c, dispatch, audit.at());
                }
                return v;
            });
        } catch (Changed e) {
            return -3L;
        }
    }

    @Override
    public void reboot(Audit audit, OperationStore.Operation dispatch) {
        db.tx(c -> {
            Sql.audit(c, audit, true);
            if (dispatch != null) {
                JdbcOperationStore.insert(c, dispatch, audit.at());
            }
            return null;
        });
    }

    @Override
    public long release(Instance i, boolean running, boolean terminate, boolean outsideCampaigns, Audit audit,
                        OperationStore.Operation dispatch) {
        return db.tx(c -> {
            InventoryRows.lock(c);
            if (outsideCampaigns && InventoryRows.running(c) != null) {
                return -2L;
            }
            // only the row as the caller read it: running or stopped, on that host
            int changed = Sql.update(c, (terminate ? "DELETE FROM instances" : "UPDATE instances SET state = 'stopped'")
                    + " WHERE id = ? AND host = ? AND state = ?", i.id(), i.host(), running ? "running" : "stopped");
            if (changed != 1) {
                return -3L;
            }
            if (dispatch != null && running) {
                JdbcOperationStore.insert(c, dispatch, audit.at());
            }
            if (running) {
                InventoryRows.ledger(c, i, -1);
            }
            if (running) {
                return InventoryRows.record(c, List.of(new Change("remove", i.id(), "")), audit.detail("gave back " + i.cpus()
                        + " vCPU, " + i.memoryMiB() + " MiB on " + i.host()));
            }
            Sql.audit(c, audit.detail("was stopped"), true);
            return InventoryRows.storedVersion(c);
        });
    }

    /** The instance's row is not what the caller read; the transaction is rolled back. */
    private static final class Changed extends RuntimeException {
        Changed() {
            super(INSTANCE_CHANGED, null, false, false);
        }
    }

    private static Instance at(Instance i, String host) {
        return new Instance(i.id(), i.tenant(), host, i.cpus(), i.memoryMiB(), i.onHostMaintenance(), i.group(), i.dirtyRateMiBps());
    }

    private static long recordPlaced(Connection c, Instance i, boolean launch, String how, Audit audit) throws SQLException {
        if (launch) {
            InventoryRows.insertInstances(c, List.of(i));
        } else {
            try (PreparedStatement ps = c.prepareStatement("UPDATE instances SET state = 'running', host = ? WHERE id = ?"
                    + " AND state = 'stopped'")) {
                ps.setString(1, i.host());
                ps.setString(2, i.id());
                if (ps.executeUpdate() != 1) {
                    throw new Changed(); // started (or deleted) by another request: roll back the room too
                }
            }
        }
        return InventoryRows.record(c, List.of(InventoryChanges.add(i)), audit.detail(i.cpus() + " vCPU, " + i.memoryMiB()
                + " MiB on " + i.host() + " (" + how + ")"));
    }

    /** Each host's free room (milli-cpu, MiB) as the ledger has it. */
    private static Map<String, long[]> freeRoom(Connection c) throws SQLException {
        Map<String, long[]> out = new HashMap<>();
        Sql.list(c, "SELECT id, capacity_milli_cpu - used_milli_cpu, memory_mib - used_memory_mib FROM hosts",
                rs -> out.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)}));
        return out;
    }

    /** The capacity check and the reservation in one conditional update: false when the room is gone. */
    private static boolean reserve(Connection c, String host, Instance i) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE hosts SET used_milli_cpu = used_milli_cpu + ?,"
                + " used_memory_mib = used_memory_mib + ? WHERE id = ? AND state = 'active'"
                + " AND used_milli_cpu + ? <= capacity_milli_cpu AND used_memory_mib + ? <= memory_mib")) {
            ps.setLong(1, i.milliCpus());
            ps.setLong(2, i.memoryMiB());
            ps.setString(3, host);
            ps.setLong(4, i.milliCpus());
            ps.setLong(5, i.memoryMiB());
            return ps.executeUpdate() == 1;
        }
    }
}
