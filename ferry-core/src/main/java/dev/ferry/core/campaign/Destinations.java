package dev.ferry.core.campaign;

import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Instance;
import dev.ferry.core.scheduler.HostScorer;
import dev.ferry.core.scheduler.Placement;
import dev.ferry.core.scheduler.PlacementRequest;
import dev.ferry.core.scheduler.PlacementView;
import dev.ferry.core.scheduler.Scheduler;
import dev.ferry.core.scheduler.Veto;
import dev.ferry.core.scheduler.filters.AntiAffinityFilter;
import dev.ferry.core.scheduler.filters.CapacityFilter;
import dev.ferry.core.scheduler.filters.SameZoneFilter;
import java.util.List;
import java.util.PrimitiveIterator;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Where things may go on the live fleet, for the campaign runtime: destinations for its moves
 * (the standard filter chain over a zone's candidates), the last-resort rescue onto a failed host
 * that is up, and instances placed outside the plan while the campaign runs, whose room it holds.
 * Owned by the runtime's thread; not thread-safe.
 */
final class Destinations {
    /** Candidates scanned per placement, at most. */
    static final int SCAN_LIMIT = 256;

    private static final Scheduler RESCUE = new Scheduler(List.of(new SameZoneFilter(), new CapacityFilter(),
            new AntiAffinityFilter()), HostScorer.SPREAD);

    private final Fleet fleet;
    private final LiveFleet live;
    private final Scheduler scheduler = Scheduler.standard(HostScorer.SPREAD);
    private final Consumer<HistoryRecord> facts;

    Destinations(Fleet fleet, LiveFleet live, Consumer<HistoryRecord> facts) {
        this.fleet = fleet;
        this.live = live;
        this.facts = facts;
    }

    /** Why {@code host} is not acceptable now, or null. */
    Veto veto(PlacementRequest req, int host) {
        return scheduler.veto(live, req, host);
    }

    /** A destination on the live fleet, avoiding {@code exclude}; -1 when none is acceptable now. */
    int place(PlacementRequest req, int exclude) {
        int zone = fleet.zoneOf(req.sourceHost());
        var candidates = live.zoneCandidates(zone, SCAN_LIMIT);
        PrimitiveIterator.OfInt filtered = new PrimitiveIterator.OfInt() {
            private int next = advance();

            private int advance() {
                while (candidates.hasNext()) {
                    int c = candidates.nextInt();
                    if (c != exclude) {
                        return c;
                    }
                }
                return -1;
            }

            @Override
            public boolean hasNext() {
                return next >= 0;
            }

            @Override
            public int nextInt() {
                int c = next;
                next = advance();
                return c;
            }
        };
        Placement p = scheduler.firstAcceptable(live, req, filtered, SCAN_LIMIT);
        if (p.found()) {
            live.found(p.host());
            return p.host();
        }
        live.notFound(zone, SCAN_LIMIT);
        return -1;
    }

    /**
     * The last resort for an instance whose host was lost: a host that failed but is up (it came
     * back unpatched). Running on a cordoned, vulnerable host beats not running at all.
     */
    Placement rescueOnto(PlacementRequest req, PrimitiveIterator.OfInt upButFailed) {
        return RESCUE.firstAcceptable(live, req, upButFailed, SCAN_LIMIT);
    }

    /**
     * A tenant's instance launched or started while the campaign runs: the standard filters over the
     * live fleet (never a cordoned host, one in maintenance or one still vulnerable; room counting
     * the moves in flight; the group's anti-affinity); the room is held out of the campaign's own
     * moves. {@code withIt} is the campaign's fleet with the instance appended as its last instance.
     */
    Placement outside(Fleet withIt, long now) {
        int index = withIt.instances().size() - 1;
        Instance inst = withIt.instance(index);
        Placement placement = scheduler.best(new WithInstance(withIt), new PlacementRequest(index, -1, false, false),
                IntStream.range(0, fleet.hosts().size()).iterator());
        if (placement.found()) {
            live.hold(placement.host(), inst.milliCpus(), inst.memoryMiB());
            facts.accept(new HistoryRecord(now, "ferry", HistoryRecord.Op.HOLD, inst.id(),
                    fleet.host(placement.host()).id() + " " + inst.milliCpus() + " " + inst.memoryMiB(), 0));
        }
        return placement;
    }

    /** The room an instance placed outside the plan held is given back. */
    void releaseOutside(String instanceId, int host, long milliCpu, long memoryMiB, long now) {
        live.hold(host, -milliCpu, -memoryMiB);
        facts.accept(new HistoryRecord(now, "ferry", HistoryRecord.Op.UNHOLD, instanceId,
                fleet.host(host).id() + " " + milliCpu + " " + memoryMiB, 0));
    }

    /** The live fleet seen with one more instance, which runs nowhere yet. */
    private final class WithInstance implements PlacementView {
        private final Fleet withIt;

        WithInstance(Fleet withIt) {
            this.withIt = withIt;
        }

        @Override
        public Fleet fleet() {
            return withIt;
        }

        @Override
        public int currentHost(int instance) {
            return instance < fleet.instances().size() ? live.currentHost(instance) : -1;
        }

        @Override
        public boolean cordoned(int host) {
            return live.cordoned(host);
        }

        @Override
        public boolean inMaintenance(int host) {
            return live.inMaintenance(host);
        }

        @Override
        public boolean vulnerable(int host) {
            return live.vulnerable(host);
        }

        @Override
        public long freeMilliCpu(int host) {
            return live.freeMilliCpu(host);
        }

        @Override
        public long freeMemoryMiB(int host) {
            return live.freeMemoryMiB(host);
        }
    }
}
