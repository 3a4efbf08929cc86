package dev.ferry.server;

import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Group;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.scheduler.HostScorer;
import dev.ferry.core.scheduler.Placement;
import dev.ferry.core.scheduler.PlacementRequest;
import dev.ferry.core.scheduler.PlacementView;
import dev.ferry.core.scheduler.Scheduler;
import dev.ferry.server.engine.Command;
import dev.ferry.store.Database;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Tenants' instance lifecycle: launch, stop, start, reboot, terminate. Launches and starts are
 * placed by the scheduler's filter chain (never on a cordoned host or on one an advisory still
 * affects; room, anti-affinity) and take their room from the host's capacity ledger with a
 * conditional update — the check and the reservation are one statement in the transaction that
 * records the instance, so two requests can never both take the last unit. A reboot stays on its
 * host; a stop gives the room back, and a start may land elsewhere. While a campaign runs, the
 * campaign owns placement: a launch or start is placed by the campaign's loop (never on a host in
 * maintenance or still vulnerable; the room is held out of the campaign's own moves, and logged and
 * replayed like any outside input), and the campaign's own instances cannot be stopped, started,
 * rebooted or terminated until it ends (their maintenance event has "now" and "reschedule").
 * Thread-safe.
 */
public final class Instances {
    /** What a tenant asks to launch. */
    public record Launch(Integer cpus, Long memoryMiB, String group, String onHostMaintenance) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Scheduler SCHEDULER = Scheduler.standard(HostScorer.SPREAD);
    private static final int ATTEMPTS = 5;

    private final Database db;
    private final Inventory inventory;
    private final Advisories advisories;
    private final Campaigns campaigns;
    private final TenantData tenants;
    private final java.time.InstantSource clock;

    public Instances(Database db, Inventory inventory, Advisories advisories, Campaigns campaigns, TenantData tenants,
                     java.time.InstantSource clock) {
        this.clock = clock;
        this.db = db;
        this.inventory = inventory;
        this.advisories = advisories;
        this.campaigns = campaigns;
        this.tenants = tenants;
    }

    public TenantData.InstanceView launch(Principal who, Launch req, String requestId) {
        if (req.cpus() == null || req.cpus() < 1 || req.cpus() > 1024) {
            throw ApiException.badRequest("cpus must be between 1 and 1024");
        }
        if (req.memoryMiB() == null || req.memoryMiB() < 1 || req.memoryMiB() > (64L << 20)) {
            throw ApiException.badRequest("memoryMiB must be between 1 and 67108864");
        }
        OnHostMaintenance ohm = req.onHostMaintenance() == null ? OnHostMaintenance.MIGRATE : parse(req.onHostMaintenance());
        Fleet fleet = inventory.current().fleet();
        if (req.group() != null) {
            int g = fleet.groupIndex(req.group());
            Group group = g < 0 ? null : fleet.groups().get(g);
            if (group == null || !group.tenant().equals(who.tenant())) {
                throw ApiException.badRequest("group " + req.group() + " is not one of your groups");
            }
        }
        String id = "i-" + HexFormat.of().formatHex(bytes(6));
        Instance wanted = new Instance(id, who.tenant(), fleet.host(0).id(), req.cpus(), req.memoryMiB(), ohm, req.group(), 0);
        place(who, wanted, requestId, "instance.launch", true);
        return tenants.instance(who.tenant(), id);
    }

    public TenantData.InstanceView start(Principal who, String id, String requestId) {
        Row r = row(who, id);
        if (!r.state().equals("stopped")) {
            throw ApiException.conflict("instance " + id + " is " + r.state() + "; only a stopped instance can be started");
        }
        place(who, r.instance(), requestId, "instance.start", false);
        return tenants.instance(who.tenant(), id);
    }

    public TenantData.InstanceView stop(Principal who, String id, String requestId) {
        Row r = row(who, id);
        if (!r.state().equals("running")) {
            throw ApiException.conflict("instance " + id + " is " + r.state() + "; only a running instance can be stopped");
        }
        release(who, r, requestId, "instance.stop", false);
        return tenants.instance(who.tenant(), id);
    }

    public void terminate(Principal who, String id, String requestId) {
        release(who, row(who, id), requestId, "instance.terminate", true);
    }

    /** A reboot stays on its host: nothing moves, nothing is reserved; the audit line records it. */
    public TenantData.InstanceView reboot(Principal who, String id, String requestId) {
        Row r = row(who, id);
        if (!r.state().equals("running")) {
            throw ApiException.conflict("instance " + id + " is " + r.state() + "; only a running instance can be rebooted");
        }
        notInRunningCampaign(id);
        db.tx(c -> {
            AuditLog.write(c, clock.millis(), who.actor(), requestId, "instance.reboot", id, true,
                    "rebooted on its host");
            return null;
        });
        return tenants.instance(who.tenant(), id);
    }

    private record Row(Instance instance, String state) {
    }

    private Row row(Principal who, String id) {
        Row r = db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, tenant, host, cpus, memory_mib, on_host_maintenance, grp,"
                    + " dirty_rate, state FROM instances WHERE id = ? AND tenant = ?")) {
                ps.setString(1, id);
                ps.setString(2, who.tenant());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    return new Row(new Instance(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getLong(5),
                            parse(rs.getString(6)), rs.getString(7), rs.getDouble(8)), rs.getString(9));
                }
            }
        });
        if (r == null) {
            throw ApiException.notFound("instance");
        }
        return r;
    }

    private Campaigns.Row runningCampaign() {
        for (Campaigns.Row c : campaigns.list()) {
            if (c.active()) {
                return c;
            }
        }
        return null;
    }

    /** The running campaign's own instances are its to move until it ends. */
    private Campaigns.Row notInRunningCampaign(String instance) {
        Campaigns.Row c = runningCampaign();
        if (c != null && campaigns.load(c.id()).problem().fleet().instanceIndex(instance) >= 0) {
            throw ApiException.conflict("instance " + instance + " is part of campaign " + c.id() + ", which is running;"
                    + " use its maintenance event's 'now' or 'reschedule', or wait until the campaign ends");
        }
        return c;
    }

    /** Places {@code wanted} (a launch, or a start of a stopped instance) and reserves its room, in one transaction. */
    private void place(Principal who, Instance wanted, String requestId, String action, boolean launch) {
        // never wait for the campaign's loop while holding the inventory's lock: its final commit takes it
        Campaigns.Row running = notInRunningCampaign(wanted.id());
        if (running != null) {
            placeThroughCampaign(who, wanted, requestId, action, launch, running);
            return;
        }
        synchronized (inventory) {
            Fleet fleet = inventory.current().fleet();
            List<Instance> withIt = new ArrayList<>(fleet.instances());
            withIt.add(wanted);
            Fleet candidate = new Fleet(fleet.hosts(), withIt, fleet.groups(), fleet.tenants());
            int index = withIt.size() - 1;
            List<Advisory> active = advisories.all();
            Instance[] placed = new Instance[1];
            db.tx(c -> {
                Inventory.lock(c);
                for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                    Ledger ledger = Ledger.read(c, candidate, active);
                    Placement p = SCHEDULER.best(ledger, new PlacementRequest(index, -1, false, false),
                            IntStream.range(0, candidate.hosts().size()).iterator());
                    if (!p.found()) {
                        throw ApiException.conflict("no host can take the instance now: " + p.describe());
                    }
                    String host = candidate.host(p.host()).id();
                    if (reserve(c, host, wanted)) {
                        placed[0] = new Instance(wanted.id(), wanted.tenant(), host, wanted.cpus(), wanted.memoryMiB(),
                                wanted.onHostMaintenance(), wanted.group(), wanted.dirtyRateMiBps());
                        break;
                    }
                }
                if (placed[0] == null) {
                    throw new ApiException(409, "Conflict", "the chosen hosts filled up meanwhile; try again", 1L);
                }
                recordPlaced(c, who, placed[0], requestId, action, launch, "placed by the scheduler");
                return null;
            });
            inventory.applied(List.of(new Inventory.Change("add", placed[0].id(), Inventory.toJson(placed[0]))));
        }
    }

    /** While a campaign runs its loop chooses the host and holds the room; then the instance is recorded. */
    private void placeThroughCampaign(Principal who, Instance wanted, String requestId, String action, boolean launch,
                                      Campaigns.Row campaign) {
        Fleet campaignFleet = campaigns.load(campaign.id()).problem().fleet();
        String group = wanted.group() != null && campaignFleet.groupIndex(wanted.group()) >= 0 ? wanted.group() : null;
        Command.Outcome o = campaigns.command(campaign.id(), new Command.PlaceOutside(wanted.id(), wanted.tenant(),
                wanted.cpus(), wanted.memoryMiB(), group, who.actor(), requestId));
        if (!o.accepted()) {
            throw ApiException.conflict("no host can take the instance now (campaign " + campaign.id()
                    + " places instances while it runs): " + o.message());
        }
        Instance i = new Instance(wanted.id(), wanted.tenant(), o.value(), wanted.cpus(), wanted.memoryMiB(),
                wanted.onHostMaintenance(), wanted.group(), wanted.dirtyRateMiBps());
        db.tx(c -> {
            Inventory.lock(c);
            try (PreparedStatement ps = c.prepareStatement("UPDATE hosts SET used_milli_cpu = used_milli_cpu + ?,"
                    + " used_memory_mib = used_memory_mib + ? WHERE id = ?")) {
                ps.setLong(1, i.milliCpus());
                ps.setLong(2, i.memoryMiB());
                ps.setString(3, i.host());
                ps.executeUpdate();
            }
            recordPlaced(c, who, i, requestId, action, launch, "placed by campaign " + campaign.id());
            return null;
        });
        inventory.applied(List.of(new Inventory.Change("add", i.id(), Inventory.toJson(i))));
    }

    private void recordPlaced(Connection c, Principal who, Instance i, String requestId, String action, boolean launch,
                              String how) throws SQLException {
        if (launch) {
            Inventory.insertInstances(c, List.of(i));
        } else {
            try (PreparedStatement ps = c.prepareStatement("UPDATE instances SET state = 'running', host = ? WHERE id = ?")) {
                ps.setString(1, i.host());
                ps.setString(2, i.id());
                ps.executeUpdate();
            }
        }
        inventory.record(c, List.of(new Inventory.Change("add", i.id(), Inventory.toJson(i))), who, requestId, action, i.id(),
                i.cpus() + " vCPU, " + i.memoryMiB() + " MiB on " + i.host() + " (" + how + ")");
    }

    /** Stop (keeps the row) or terminate (deletes it): a running instance gives its room back. */
    private void release(Principal who, Row r, String requestId, String action, boolean terminate) {
        Instance i = r.instance();
        boolean running = r.state().equals("running");
        Campaigns.Row campaign = notInRunningCampaign(i.id());
        if (campaign != null && running) {
            Command.Outcome o = campaigns.command(campaign.id(), new Command.ReleaseOutside(i.id(), i.host(), i.cpus(),
                    i.memoryMiB(), who.actor(), requestId));
            if (!o.accepted()) {
                throw ApiException.conflict(o.message());
            }
        }
        synchronized (inventory) {
            db.tx(c -> {
                Inventory.lock(c);
                if (running) {
                    try (PreparedStatement ps = c.prepareStatement("UPDATE hosts SET used_milli_cpu = used_milli_cpu - ?,"
                            + " used_memory_mib = used_memory_mib - ? WHERE id = ?")) {
                        ps.setLong(1, i.milliCpus());
                        ps.setLong(2, i.memoryMiB());
                        ps.setString(3, i.host());
                        ps.executeUpdate();
                    }
                }
                try (PreparedStatement ps = c.prepareStatement(terminate ? "DELETE FROM instances WHERE id = ?"
                        : "UPDATE instances SET state = 'stopped' WHERE id = ?")) {
                    ps.setString(1, i.id());
                    ps.executeUpdate();
                }
                if (running) {
                    inventory.record(c, List.of(new Inventory.Change("remove", i.id(), "")), who, requestId, action, i.id(),
                            "gave back " + i.cpus() + " vCPU, " + i.memoryMiB() + " MiB on " + i.host());
                } else {
                    AuditLog.write(c, clock.millis(), who.actor(), requestId, action, i.id(), true, "was stopped");
                }
                return null;
            });
            if (running) {
                inventory.applied(List.of(new Inventory.Change("remove", i.id(), "")));
            }
        }
    }

    /** The capacity check and the reservation in one conditional update: false when the room is gone. */
    static boolean reserve(Connection c, String host, Instance i) throws SQLException {
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

    private static OnHostMaintenance parse(String wire) {
        for (OnHostMaintenance o : OnHostMaintenance.values()) {
            if (o.wireName().equals(wire)) {
                return o;
            }
        }
        throw ApiException.badRequest("onHostMaintenance must be migrate, restart or reboot-in-place");
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /** The scheduler's view for a launch: the inventory's placement, the database's capacity ledger, the advisories. */
    private record Ledger(Fleet fleet, long[] freeCpu, long[] freeMem, boolean[] vulnerable) implements PlacementView {
        static Ledger read(Connection c, Fleet fleet, List<Advisory> advisories) throws SQLException {
            int n = fleet.hosts().size();
            long[] cpu = new long[n];
            long[] mem = new long[n];
            try (ResultSet rs = c.prepareStatement("SELECT id, capacity_milli_cpu - used_milli_cpu, memory_mib - used_memory_mib"
                    + " FROM hosts").executeQuery()) {
                while (rs.next()) {
                    int h = fleet.hostIndex(rs.getString(1));
                    if (h >= 0) {
                        cpu[h] = rs.getLong(2);
                        mem[h] = rs.getLong(3);
                    }
                }
            }
            boolean[] vulnerable = new boolean[n];
            for (int h = 0; h < n; h++) {
                for (Advisory a : advisories) {
                    vulnerable[h] |= a.affects(fleet.host(h));
                }
            }
            return new Ledger(fleet, cpu, mem, vulnerable);
        }

        @Override
        public int currentHost(int instance) {
            return fleet.hostOf(instance);
        }

        @Override
        public boolean cordoned(int host) {
            return fleet.host(host).cordoned();
        }

        @Override
        public boolean inMaintenance(int host) {
            return false;
        }

        @Override
        public boolean vulnerable(int host) {
            return vulnerable[host];
        }

        @Override
        public long freeMilliCpu(int host) {
            return freeCpu[host];
        }

        @Override
        public long freeMemoryMiB(int host) {
            return freeMem[host];
        }
    }
}
