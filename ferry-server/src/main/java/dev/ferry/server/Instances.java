package dev.ferry.server;

import dev.ferry.core.history.Fact;
import dev.ferry.core.history.RefusalReason;
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
import dev.ferry.server.engine.CampaignEngine;
import dev.ferry.server.engine.Command;
import dev.ferry.store.Audit;
import dev.ferry.store.InventoryChanges;
import dev.ferry.store.InventoryStore;
import dev.ferry.store.OperationStore;
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
 * campaign's own moves, and logged and replayed like any outside input). The campaign's own
 * instances stay usable: their stop, start, reboot and terminate are the loop's inputs (a stop
 * cancels the event, a start lands on a safe host, a reboot resets the guest where it is), refused
 * only while a move of the instance is in flight. Thread-safe.
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
        Command.Outcome o = throughCampaign(who, r, Command.TenantLifecycle.Op.START, requestId);
        if (o != null) {
            Instance i = at(r.instance(), o.value());
            long v = store.placedByCampaign(i, false, "placed by the campaign that runs",
                    new Audit(clock.millis(), who.actor(), requestId, "instance.start", id, ""), null); // its driver starts it
            if (v == -3) {
                throw Refused.conflict(InventoryStore.INSTANCE_CHANGED, 1);
            }
            inventory.changed(List.of(InventoryChanges.add(i)), v);
        } else {
            place(who, r.instance(), requestId, "instance.start", false);
        }
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

    /**
     * A reboot stays on its host: nothing moves, nothing is reserved. During a campaign that has the
     * instance, its loop records it and has the hypervisor reset the guest; its event stays as it was.
     */
    public TenantData.InstanceView reboot(Principal who, String id, String requestId) {
        InventoryStore.InstanceRow r = row(who, id);
        if (!r.state().equals("running")) {
            throw Refused.conflict("instance " + id + " is " + r.state() + "; only a running instance can be rebooted");
        }
        Command.Outcome o = throughCampaign(who, r, Command.TenantLifecycle.Op.REBOOT, requestId);
        Audit line = new Audit(clock.millis(), who.actor(), requestId, "instance.reboot", id, o != null ? "rebooted on its host (reset by"
                + " the campaign that runs)" : "rebooted on its host");
        store.reboot(line, o != null ? null : operation(r.instance(), r.instance().host(), OperationStore.Op.RESET));
        return tenants.instance(who.tenant(), id);
    }

    private InventoryStore.InstanceRow row(Principal who, String id) {
        return store.instance(who.tenant(), id).orElseThrow(() -> Refused.notFound("instance"));
    }

    /**
     * The campaign that runs and has the instance in its fleet, or null. A campaign approved a
     * moment ago may not have its loop yet: it is waited for, so that no request slips past the
     * campaign between its approval and the start of its loop.
     */
    private String owner(String instance) {
        Campaigns.Row running = campaigns.running();
        if (running != null && campaigns.engine(running.id()) == null) {
            try {
                campaigns.awaitEngine(running.id(), 10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Refused.unavailable("interrupted", null);
            }
        }
        return campaigns.owning(instance);
    }

    /**
     * A tenant's operation on an instance of the campaign that runs is the campaign's to decide
     * (docs/server.md, "The tenant's view of a campaign"): null when no campaign has the instance
     * (or the one that had it has just ended), else the loop's outcome (for a start, the host).
     * Refused (409) only while a move of the instance is in flight or it is down with its host,
     * with Retry-After.
     */
    private Command.Outcome throughCampaign(Principal who, InventoryStore.InstanceRow r, Command.TenantLifecycle.Op op,
                                            String requestId) {
        String campaign = owner(r.instance().id());
        if (campaign == null) {
            return null;
        }
        Command.Outcome o = campaigns.command(campaign, new Command.TenantLifecycle(r.instance().id(), op, who.actor(), requestId));
        if (o.accepted()) {
            return o;
        }
        if (o.reason() == null && !campaigns.live(campaign)) {
            return null; // it ended meanwhile: the inventory is its own again
        }
        String why = o.reason() == null ? o.message() : o.reason().message();
        throw Refused.byCampaign("instance " + r.instance().id() + " cannot be " + PAST.get(op) + " now: " + why + " (campaign "
                + campaign + ")", o.reason() == null ? null : RETRY_AFTER_SECONDS.get(o.reason()), o.reason());
    }

    /** Refusals that pass by themselves (the same request succeeds later), and when to ask again. */
    private static final Map<RefusalReason, Long> RETRY_AFTER_SECONDS = Map.of(RefusalReason.STARTING, 2L,
            RefusalReason.STOPPING, 2L, RefusalReason.MOVE_IN_FLIGHT, 30L, RefusalReason.NO_ROOM, 60L,
            RefusalReason.REBOOTS_WITH_HOST, 60L, RefusalReason.HOST_IN_MAINTENANCE, 60L, RefusalReason.HOST_DOWN, 30L);
    private static final Map<Command.TenantLifecycle.Op, String> PAST = Map.of(Command.TenantLifecycle.Op.STOP, "stopped",
            Command.TenantLifecycle.Op.START, "started", Command.TenantLifecycle.Op.REBOOT, "rebooted",
            Command.TenantLifecycle.Op.TERMINATE, "terminated");

    /** Places {@code wanted} (a launch, or a start of a stopped instance) and reserves its room, in one transaction. */
    private void place(Principal who, Instance wanted, String requestId, String action, boolean launch) {
        for (int attempt = 0; !tryPlace(who, wanted, requestId, action, launch); attempt++) {
            if (attempt == 3) {
                throw Refused.unavailable("campaigns keep starting; try again", 1L);
            }
        }
    }

    /** False when a campaign started between the decision and the commit (nothing was written: decide again). */
    private boolean tryPlace(Principal who, Instance wanted, String requestId, String action, boolean launch) {
        // never wait for the campaign's loop while holding the inventory's lock: its final commit takes it
        Campaigns.Row running = campaigns.running();
        if (running != null) {
            placeThroughCampaign(who, wanted, requestId, action, launch, running);
            return true;
        }
        synchronized (inventory.writes()) {
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
            }, "placed by the scheduler", new Audit(clock.millis(), who.actor(), requestId, action, wanted.id(), ""),
                    host -> operation(wanted, host, OperationStore.Op.START));
            if (placed.host() == null && InventoryStore.CAMPAIGN_STARTED.equals(placed.whyNot())) {
                return false;
            }
            if (placed.host() == null) {
                throw placed.raced() ? Refused.conflict(placed.whyNot(), 1)
                        : Refused.conflict("no host can take the instance now: " + placed.whyNot());
            }
            inventory.changed(List.of(InventoryChanges.add(at(wanted, placed.host()))), placed.version());
        }
        return true;
    }

    /** While a campaign runs its loop chooses the host and holds the room; then the instance is recorded. */
    private void placeThroughCampaign(Principal who, Instance wanted, String requestId, String action, boolean launch,
                                      Campaigns.Row campaign) {
        CampaignEngine engine = campaigns.engine(campaign.id());
        Fleet campaignFleet = engine != null ? engine.fleet() : campaigns.load(campaign.id()).problem().fleet();
        String group = wanted.group() != null && campaignFleet.groupIndex(wanted.group()) >= 0 ? wanted.group() : null;
        Command.Outcome o = campaigns.command(campaign.id(), new Command.PlaceOutside(wanted.id(), wanted.tenant(),
                wanted.cpus(), wanted.memoryMiB(), group, who.actor(), requestId));
        if (!o.accepted()) {
            throw Refused.conflict("no host can take the instance now (campaign " + campaign.id()
                    + " places instances while it runs): " + o.message());
        }
        Instance i = at(wanted, o.value());
        long v = store.placedByCampaign(i, launch, "placed by campaign " + campaign.id(),
                new Audit(clock.millis(), who.actor(), requestId, action, i.id(), ""), operation(i, i.host(), OperationStore.Op.START));
        if (v == -3) {
            // another request started it meanwhile: give back the room the campaign held for this one
            campaigns.command(campaign.id(), new Command.ReleaseOutside(i.id(), i.host(), i.cpus(), i.memoryMiB(), who.actor(),
                    requestId));
            throw Refused.conflict(InventoryStore.INSTANCE_CHANGED, 1);
        }
        inventory.changed(List.of(InventoryChanges.add(i)), v);
    }

    /**
     * Stop (keeps the row) or terminate (deletes it): a running instance gives its room back. An
     * instance of the campaign that runs is stopped by its loop (which drops its move and cancels
     * its event); one placed while the campaign ran gives back the room the campaign held for it.
     */
    private void release(Principal who, InventoryStore.InstanceRow first, String requestId, String action, boolean terminate) {
        InventoryStore.InstanceRow r = first;
        for (int attempt = 0; !tryRelease(who, r, requestId, action, terminate); attempt++) {
            if (attempt == 3) {
                throw Refused.conflict(InventoryStore.INSTANCE_CHANGED, 1);
            }
            r = row(who, r.instance().id()); // read again: a campaign started or ended, or another request changed it
            if (!r.state().equals(first.state()) && !terminate) {
                throw Refused.conflict("instance " + r.instance().id() + " is " + r.state() + " now");
            }
        }
    }

    /**
     * False when a campaign started, or another request changed the row, between the decision and
     * the commit (nothing was written: decide again). The room a running campaign held for an
     * instance placed outside its plan is given back only once the row says it stopped.
     */
    private boolean tryRelease(Principal who, InventoryStore.InstanceRow r, String requestId, String action, boolean terminate) {
        Instance i = r.instance();
        boolean running = r.state().equals("running");
        Command.Outcome own = throughCampaign(who, r, terminate ? Command.TenantLifecycle.Op.TERMINATE
                : Command.TenantLifecycle.Op.STOP, requestId);
        Campaigns.Row campaign = own != null ? null : campaigns.running();
        Audit line = new Audit(clock.millis(), who.actor(), requestId, action, i.id(), "");
        synchronized (inventory.writes()) {
            long v = store.release(i, running, terminate, own == null && campaign == null, line,
                    own != null ? null : operation(i, i.host(), OperationStore.Op.STOP)); // the campaign's driver stops its own
            if ((v == -2 || v == -3) && own == null) {
                return false;
            }
            if (v == -3) {
                // the campaign's loop has stopped it already: the row follows, as it is now
                InventoryStore.InstanceRow now = row(who, i.id());
                running = now.state().equals("running");
                v = store.release(now.instance(), running, terminate, false, line, null);
                i = now.instance();
            }
            if (running && v >= 0) {
                inventory.changed(List.of(new InventoryStore.Change("remove", i.id(), "")), v);
            }
        }
        if (campaign != null && running) {
            campaigns.command(campaign.id(), new Command.ReleaseOutside(i.id(), i.host(), i.cpus(), i.memoryMiB(), who.actor(),
                    requestId));
        }
        return true;
    }

    /**
     * What the agent of {@code host} is to do for the instance (sent after the commit by
     * {@link InstanceDispatcher}), or null when the host has no agent (the inventory's rows are all
     * there is).
     */
    private OperationStore.Operation operation(Instance i, String host, OperationStore.Op op) {
        Fleet fleet = inventory.current().fleet();
        int h = fleet.hostIndex(host);
        String agent = h < 0 ? null : fleet.host(h).agent();
        return agent == null ? null : new OperationStore.Operation(i.id(), host, agent, op, i.memoryMiB(),
                (int) Math.round(i.dirtyRateMiBps()));
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
