package dev.ferry.server;

import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.HostState;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.WireName;
import dev.ferry.formats.FleetReader;
import dev.ferry.store.Audit;
import dev.ferry.store.InventoryChanges;
import dev.ferry.store.InventoryStore;
import dev.ferry.store.InventoryStore.Change;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fleet as the controller knows it. An import stores the whole fleet/v1 document; smaller
 * changes (a cordon, a tenant's onHostMaintenance, a placement, a campaign's end) are rows after
 * it ({@link InventoryStore}), so that a change costs a row, not a document; every change
 * supersedes the campaigns still only proposed. The current fleet is materialized lazily from the
 * last document and the changes after it. Changes are serialized (in this process by a lock,
 * across processes by the store's inventory lock); reads do not wait for them.
 */
public final class Inventory {
    /** An inventory version and its fleet. */
    public record Current(long version, Fleet fleet) {
    }

    private final InventoryStore store;
    private final InstantSource clock;
    private final long maxBytes;
    private volatile Current current = new Current(0, new Fleet(List.of(), List.of(), List.of(), List.of()));
    /** Changes not yet applied to {@link #current} (applied when the fleet is next asked for). */
    private final List<Change> pending = new ArrayList<>();
    /** Not guarded by this object's lock: a campaign's final commit records changes while an HTTP thread may hold that lock. */
    private final AtomicLong version = new AtomicLong();

    /** Other controllers may write the same database: the stored version is looked at before the fleet is read. */
    private final boolean shared;

    /** @param shared other controllers may change the inventory in the same database (PostgreSQL) */
    public Inventory(InventoryStore store, InstantSource clock, long maxBytes, boolean shared) {
        this.store = store;
        this.clock = clock;
        this.maxBytes = maxBytes;
        this.shared = shared;
    }

    /** Reads the newest imported document and the changes after it (at start). */
    public synchronized void load() {
        InventoryStore.Stored s = store.load();
        if (s.document() != null) {
            current = new Current(s.documentVersion(), parse(s.document().getBytes(StandardCharsets.UTF_8),
                    "stored inventory " + s.documentVersion()));
        }
        pending.clear();
        pending.addAll(s.changes());
        stale = !pending.isEmpty();
        version.set(s.version());
    }

    /** The current version number, without materializing the fleet. */
    public long version() {
        return version.get();
    }

    /**
     * On a shared database, how often a read asks the store whether another controller changed the
     * inventory (a change of this controller's own is seen at once).
     */
    static final long CATCH_UP_EVERY_NANOS = 250_000_000L;
    private volatile long caughtUpAt = System.nanoTime() - CATCH_UP_EVERY_NANOS;
    /** Changes are pending: the next read applies them. */
    private volatile boolean stale;

    /**
     * The current fleet (every change applied). On a shared database, when another controller
     * stored a change since (asked at most every {@value #CATCH_UP_EVERY_NANOS} ns), the stored
     * inventory is read again first (the whole of it). Lock-free unless there is something to apply.
     */
    public Current current() {
        if (shared) {
            catchUp();
        }
        if (!stale) {
            return current;
        }
        synchronized (this) {
            if (!pending.isEmpty()) {
                Fleet f = current.fleet();
                List<Host> hosts = new ArrayList<>(f.hosts());
                Map<String, Instance> instances = new LinkedHashMap<>();
                for (Instance i : f.instances()) {
                    instances.put(i.id(), i);
                }
                for (Change ch : pending) {
                    apply(f, hosts, instances, ch);
                }
                pending.clear();
                current = new Current(version.get(), new Fleet(hosts, new ArrayList<>(instances.values()), f.groups(), f.tenants()));
            }
            stale = false;
            return current;
        }
    }

    /**
     * Reads the stored inventory again when another controller changed it since (a full read: rare,
     * and simple to trust); the store's version is asked outside the lock, so readers do not queue
     * behind a database round trip.
     */
    private void catchUp() {
        long now = System.nanoTime();
        if (now - caughtUpAt < CATCH_UP_EVERY_NANOS && !gap) {
            return;
        }
        caughtUpAt = now;
        if (store.version() > version.get() || gap) {
            synchronized (this) {
                if (store.version() > version.get() || gap) {
                    gap = false;
                    load();
                }
            }
        }
    }

    private static void apply(Fleet f, List<Host> hosts, Map<String, Instance> instances, Change ch) {
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
                    o.host(), o.cpus(), o.memoryMiB(), WireName.parse(OnHostMaintenance.class, ch.value()), o.group(),
                    o.dirtyRateMiBps()));
            case "move" -> instances.computeIfPresent(ch.target(), (k, o) -> new Instance(o.id(), o.tenant(), ch.value(),
                    o.cpus(), o.memoryMiB(), o.onHostMaintenance(), o.group(), o.dirtyRateMiBps()));
            case "add" -> {
                Instance i = InventoryChanges.instance(ch.value());
                instances.put(i.id(), i);
            }
            case "remove" -> instances.remove(ch.target());
            default -> throw new IllegalStateException("unknown inventory change " + ch.kind());
        }
    }

    private Fleet parse(byte[] body, String name) {
        return Uploads.read(body, name, new FleetReader(maxBytes)::read);
    }

    /** Parses a stored fleet document (a campaign's). */
    public Fleet parseStored(String document, String name) {
        return parse(document.getBytes(StandardCharsets.UTF_8), name);
    }

    /** Replaces the inventory with a fleet/v1 document (YAML or JSON); refused while a campaign runs on it. */
    public Current importFleet(byte[] body, Principal who, String requestId) {
        Fleet fleet = parse(body, "request body");
        synchronized (writes) {
            InventoryStore.Imported r = store.importFleet(Uploads.json(fleet), fleet.hosts(), fleet.instances(),
                    new Audit(clock.millis(), who.actor(), requestId, "inventory.import", "inventory",
                            fleet.hosts().size() + " hosts, " + fleet.instances().size() + " instances"));
            if (r.runningCampaign() != null) {
                throw Refused.conflict("campaign " + r.runningCampaign() + " is running on the current inventory;"
                        + " import after it ends (or abort it)");
            }
            synchronized (this) {
                version.accumulateAndGet(r.version(), Math::max);
                pending.clear();
                stale = false;
                current = new Current(r.version(), fleet);
                return current;
            }
        }
    }

    /**
     * The lock that serializes this process's changes (held across their database transaction, so
     * the in-memory fleet hears them in the order they were stored). Readers never take it.
     */
    public Object writes() {
        return writes;
    }

    private final Object writes = new Object();

    private volatile LibvirtFleet libvirt;

    /** The libvirt daemons this server reads its inventory from ({@code ferry server --libvirt}); null: none. */
    public void libvirtSource(LibvirtFleet source) {
        this.libvirt = source;
    }

    public LibvirtFleet libvirtSource() {
        return libvirt;
    }

    /**
     * Reads the libvirt daemons and imports what they run, as {@link #importFleet} does (the same
     * checks, audit and refusal while a campaign runs); a daemon that does not answer or a domain
     * without a tenant refuses it (400, every problem named), the inventory unchanged.
     */
    public Current importFromLibvirt(Principal who, String requestId) {
        LibvirtFleet source = libvirt;
        if (source == null) {
            throw Refused.conflict("this server reads no libvirt daemons (ferry server --libvirt URI ...)");
        }
        LibvirtFleet.Read read = source.read(false, uri -> { }); // outside the lock: it waits on the daemons
        if (!read.problems().isEmpty()) {
            throw Refused.invalid(String.join("; ", read.problems()));
        }
        return importFleet(read.text().getBytes(StandardCharsets.UTF_8), who, requestId);
    }

    /** Cordons or uncordons a host by hand, with a reason. */
    public Current cordon(String hostId, boolean cordon, String reason, Principal who, String requestId) {
        if (current().fleet().hostIndex(hostId) < 0) {
            throw Refused.notFound("host");
        }
        if (reason == null || reason.isBlank()) {
            throw Refused.invalid("a reason is required (it goes into the audit log)");
        }
        synchronized (writes) {
            long v = store.cordon(hostId, cordon, reason, new Audit(clock.millis(), who.actor(), requestId,
                    cordon ? "host.cordon" : "host.uncordon", hostId, reason));
            changed(List.of(new Change("host-state", hostId, cordon ? HostState.CORDONED.wireName() : HostState.ACTIVE.wireName())), v);
        }
        return current();
    }

    /**
     * A tenant sets what happens to its instance in host maintenance (applies to campaigns proposed
     * from now on). Settings that arrive while another is being written are written together, in one
     * transaction, each with its own version and audit line.
     */
    public void onHostMaintenance(String tenant, String instanceId, OnHostMaintenance value, Principal who, String requestId) {
        Setting mine = new Setting(new InventoryStore.MaintenanceSetting(tenant, instanceId, value.wireName(), new Audit(clock.millis(),
                who.actor(), requestId, "instance.on-host-maintenance", instanceId, value.wireName())), new CompletableFuture<>());
        settings.add(mine);
        synchronized (writes) {
            if (!mine.version().isDone()) {
                // a group commit: every setting that queued while the last one was written goes in one transaction
                List<Setting> batch = new ArrayList<>();
                for (Setting s; (s = settings.poll()) != null; ) {
                    batch.add(s);
                }
                try {
                    long[] v = store.onHostMaintenanceAll(batch.stream().map(Setting::setting).toList());
                    for (int k = 0; k < batch.size(); k++) {
                        InventoryStore.MaintenanceSetting m = batch.get(k).setting();
                        if (v[k] >= 0) {
                            changed(List.of(new Change("on-host-maintenance", m.instance(), m.value())), v[k]);
                        }
                        batch.get(k).version().complete(v[k]);
                    }
                } catch (RuntimeException e) {
                    batch.forEach(b -> b.version().completeExceptionally(e));
                }
            }
        }
        long v;
        try {
            v = mine.version().join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        if (v < 0) {
            throw Refused.notFound("instance");
        }
    }

    /** A tenant's setting waiting for its group commit, and the version it got (−1: no such instance). */
    private record Setting(InventoryStore.MaintenanceSetting setting, CompletableFuture<Long> version) {
    }

    private final java.util.concurrent.ConcurrentLinkedQueue<Setting> settings = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** A change of ours skipped versions another controller wrote: the next read reads everything again. */
    private volatile boolean gap;

    /** Changes the store recorded (up to version {@code v}): the in-memory fleet follows. */
    public synchronized void changed(List<Change> changes, long v) {
        if (shared && v > version.get() + 1) {
            gap = true;
        }
        pending.addAll(changes);
        stale = true;
        version.accumulateAndGet(v, Math::max);
    }
}
