package dev.ferry.server;

import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Group;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.WireName;
import dev.ferry.core.scheduler.HostScorer;
import dev.ferry.core.scheduler.Placement;
import dev.ferry.core.scheduler.PlacementRequest;
import dev.ferry.core.scheduler.PlacementView;
import dev.ferry.core.scheduler.Scheduler;
import dev.ferry.server.engine.Command;
import dev.ferry.store.Audit;
import dev.ferry.store.InventoryChanges;
import dev.ferry.store.InventoryStore;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Tenants' instance lifecycle: launch, stop, start, reboot, terminate. Launches and starts are
 * placed by the scheduler's filter chain (never on a cordoned host or on one an advisory still
 * affects; room, anti-affinity) and take their room from the host's capacity ledger with a
 * conditional update — the check and the reservation are one statement in the transaction that
 * records the instance ({@link InventoryStore#place}), so two requests can never both take the last
 * unit. A reboot stays on its host; a stop gives the room back, and a start may land elsewhere.
 * While a campaign runs, the campaign owns placement: a launch or start is placed by the
 * campaign's loop (never on a host in maintenance or still vulnerable; the room is held out of the
 * campaign's own moves, and logged and replayed like any outside input), and the campaign's own
 * instances cannot be stopped, started, rebooted or terminated until it ends (their maintenance
 * event has "now" and "reschedule"). Thread-safe.
 */
public final class Instances {
    /** What a tenant asks to launch. */
    public record Launch(Integer cpus, Long memoryMiB, String group, String onHostMaintenance) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Scheduler SCHEDULER = Scheduler.standard(HostScorer.SPREAD);

    private final InventoryStore store;
    private final AuditLog audit;
    private final Inventory inventory;
    private final Advisories advisories;
    private final Campaigns campaigns;
    private final TenantData tenants;
    private final InstantSource clock;

    public Instances(InventoryStore store, AuditLog audit, Inventory inventory, Advisories advisories, Campaigns campaigns,
                     TenantData tenants, InstantSource clock) {
        this.store = store;
        this.audit = audit;
        this.clock = clock;
        this.inventory = inventory;
        this.advisories = advisories;
        this.campaigns = campaigns;
        this.tenants = tenants;
    }

    public TenantData.InstanceView launch(Principal who, Launch req, String requestId) {
        if (req.cpus() == null || req.cpus() < 1 || req.cpus() > 1024) {
            throw Refused.invalid("cpus must be between 1 and 1024");
        }
        if (req.memoryMiB() == null || req.memoryMiB() < 1 || req.memoryMiB() > (64L << 20)) {
            throw Refused.invalid("memoryMiB must be between 1 and 67108864");
        }
        OnHostMaintenance ohm = req.onHostMaintenance() == null ? OnHostMaintenance.MIGRATE : parse(req.onHostMaintenance());
        Fleet fleet = inventory.current().fleet();
        if (req.group() != null) {
            int g = fleet.groupIndex(req.group());
            Group group = g < 0 ? null : fleet.groups().get(g);
            if (group == null || !group.tenant().equals(who.tenant())) {
                throw Refused.invalid("group " + req.group() + " is not one of your groups");
            }
        }
        String id = "i-" + HexFormat.of().formatHex(bytes(6));
        Instance wanted = new Instance(id, who.tenant(), fleet.host(0).id(), req.cpus(), req.memoryMiB(), ohm, req.group(), 0);
        place(who, wanted, requestId, "instance.launch", true);
        return tenants.instance(who.tenant(), id);
    }

    public TenantData.InstanceView start(Principal who, String id, String requestId) {
        InventoryStore.InstanceRow r = row(who, id);
        if (!r.state().equals("stopped")) {
            throw Refused.conflict("instance " + id + " is " + r.state() + "; only a stopped instance can be started");
        }
        place(who, r.instance(), requestId, "instance.start", false);
        return tenants.instance(who.tenant(), id);
    }

    public TenantData.InstanceView stop(Principal who, String id, String requestId) {
        InventoryStore.InstanceRow r = row(who, id);
        if (!r.state().equals("running")) {
            throw Refused.conflict("instance " + id + " is " + r.state() + "; only a running instance can be stopped");
        }
        release(who, r, requestId, "instance.stop", false);
        return tenants.instance(who.tenant(), id);
    }

    public void terminate(Principal who, String id, String requestId) {
        release(who, row(who, id), requestId, "instance.terminate", true);
    }

    /** A reboot stays on its host: nothing moves, nothing is reserved; the audit line records it. */
    public TenantData.InstanceView reboot(Principal who, String id, String requestId) {
        InventoryStore.InstanceRow r = row(who, id);
        if (!r.state().equals("running")) {
            throw Refused.conflict("instance " + id + " is " + r.state() + "; only a running instance can be rebooted");
        }
        notInRunningCampaign(id);
        audit.done(clock.millis(), who.actor(), requestId, "instance.reboot", id, "rebooted on its host");
        return tenants.instance(who.tenant(), id);
    }

    private InventoryStore.InstanceRow row(Principal who, String id) {
        return store.instance(who.tenant(), id).orElseThrow(() -> Refused.notFound("instance"));
    }

    /** The running campaign's own instances are its to move until it ends. */
    private Campaigns.Row notInRunningCampaign(String instance) {
        Campaigns.Row c = campaigns.running();
        if (c != null && campaigns.load(c.id()).problem().fleet().instanceIndex(instance) >= 0) {
            throw Refused.conflict("instance " + instance + " is part of campaign " + c.id() + ", which is running;"
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
            InventoryStore.Placed placed = store.place(wanted, launch, free -> {
                Placement p = SCHEDULER.best(Ledger.of(candidate, free, active), new PlacementRequest(index, -1, false, false),
                        IntStream.range(0, candidate.hosts().size()).iterator());
                return p.found() ? new InventoryStore.Choice(candidate.host(p.host()).id(), null)
                        : new InventoryStore.Choice(null, p.describe());
            }, "placed by the scheduler", new Audit(clock.millis(), who.actor(), requestId, action, wanted.id(), ""));
            if (placed.host() == null) {
                throw placed.raced() ? Refused.conflict(placed.whyNot(), 1)
                        : Refused.conflict("no host can take the instance now: " + placed.whyNot());
            }
            inventory.changed(List.of(InventoryChanges.add(at(wanted, placed.host()))), placed.version());
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
            throw Refused.conflict("no host can take the instance now (campaign " + campaign.id()
                    + " places instances while it runs): " + o.message());
        }
        Instance i = at(wanted, o.value());
        long v = store.placedByCampaign(i, launch, "placed by campaign " + campaign.id(),
                new Audit(clock.millis(), who.actor(), requestId, action, i.id(), ""));
        inventory.changed(List.of(InventoryChanges.add(i)), v);
    }

    /** Stop (keeps the row) or terminate (deletes it): a running instance gives its room back. */
    private void release(Principal who, InventoryStore.InstanceRow r, String requestId, String action, boolean terminate) {
        Instance i = r.instance();
        boolean running = r.state().equals("running");
        Campaigns.Row campaign = notInRunningCampaign(i.id());
        if (campaign != null && running) {
            Command.Outcome o = campaigns.command(campaign.id(), new Command.ReleaseOutside(i.id(), i.host(), i.cpus(),
                    i.memoryMiB(), who.actor(), requestId));
            if (!o.accepted()) {
                throw Refused.conflict(o.message());
            }
        }
        synchronized (inventory) {
            long v = store.release(i, running, terminate, new Audit(clock.millis(), who.actor(), requestId, action, i.id(), ""));
            if (running) {
                inventory.changed(List.of(new InventoryStore.Change("remove", i.id(), "")), v);
            }
        }
    }

    private static Instance at(Instance i, String host) {
        return new Instance(i.id(), i.tenant(), host, i.cpus(), i.memoryMiB(), i.onHostMaintenance(), i.group(), i.dirtyRateMiBps());
    }

    private static OnHostMaintenance parse(String wire) {
        OnHostMaintenance o = WireName.parse(OnHostMaintenance.class, wire);
        if (o == null) {
            throw Refused.invalid("onHostMaintenance must be migrate, restart or reboot-in-place");
        }
        return o;
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /** The scheduler's view for a launch: the inventory's placement, the store's capacity ledger, the advisories. */
    private record Ledger(Fleet fleet, long[] freeCpu, long[] freeMem, boolean[] vulnerable) implements PlacementView {
        static Ledger of(Fleet fleet, Map<String, long[]> free, List<Advisory> advisories) {
            int n = fleet.hosts().size();
            long[] cpu = new long[n];
            long[] mem = new long[n];
            boolean[] vulnerable = new boolean[n];
            for (int h = 0; h < n; h++) {
                long[] f = free.get(fleet.host(h).id());
                if (f != null) {
                    cpu[h] = f[0];
                    mem[h] = f[1];
                }
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
