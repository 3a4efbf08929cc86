package dev.ferry.core.campaign;

import dev.ferry.core.campaign.state.LiveFleet;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PrimitiveIterator;
import java.util.stream.IntStream;

/**
 * Where things may go on the live fleet, for the campaign runtime: destinations for its moves (the
 * standard filter chain over a zone's candidates), the last-resort rescue onto a failed host that
 * is up, and instances placed outside the plan while the campaign runs. It decides; it reserves
 * nothing (reservations are facts). Its one memory is where each zone's last search succeeded (a
 * host that had room then likely has room now), a search hint that is not campaign state. Owned
 * by the runtime's thread; not thread-safe.
 */
final class Destinations {
    /** Candidates scanned per placement, at most. */
    static final int SCAN_LIMIT = 256;

    private static final Scheduler RESCUE = new Scheduler(List.of(new SameZoneFilter(), new CapacityFilter(),
            new AntiAffinityFilter()), HostScorer.SPREAD);

    private final Fleet fleet;
    private final LiveFleet live;
    private final Scheduler scheduler = Scheduler.standard(HostScorer.SPREAD);
    private final int[] cursor;

    Destinations(Fleet fleet, LiveFleet live) {
        this.fleet = fleet;
        this.live = live;
        this.cursor = new int[fleet.zones().size()];
    }

    /** Why {@code host} is not acceptable now, or null. */
    Veto veto(PlacementView view, PlacementRequest req, int host) {
        return scheduler.veto(view, req, host);
    }

    /** A destination on the live fleet, avoiding {@code exclude}; -1 when none is acceptable now. */
    int place(PlacementRequest req, int exclude) {
        return place(live, req, exclude);
    }

    /** A destination as {@code view} sees the fleet (the live fleet with a step's tentative reservations), avoiding {@code exclude}. */
    int place(PlacementView view, PlacementRequest req, int exclude) {
        int zone = fleet.zoneOf(req.sourceHost());
        List<Integer> hosts = live.zoneHosts(zone);
        int n = Math.min(SCAN_LIMIT, hosts.size());
        int start = cursor[zone];
        PrimitiveIterator.OfInt candidates = IntStream.range(0, n).map(k -> hosts.get((start + k) % hosts.size()))
                .filter(c -> c != exclude).iterator();
        Placement p = scheduler.firstAcceptable(view, req, candidates, SCAN_LIMIT);
        if (p.found()) {
            cursor[zone] = live.zonePosition(p.host());
            return p.host();
        }
        cursor[zone] = hosts.isEmpty() ? 0 : (cursor[zone] + SCAN_LIMIT) % hosts.size();
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
     * the moves in flight; the group's anti-affinity). {@code withIt} is the campaign's fleet with
     * the instance appended as its last instance.
     */
    Placement outside(Fleet withIt) {
        int index = withIt.instances().size() - 1;
        return bestInWindows(new WithInstance(live, withIt), new PlacementRequest(index, -1, false, false));
    }

    /** Where the last window of {@link #bestInWindows} ended: the next search goes on from there. */
    private int anywhereCursor;

    /**
     * The best host for a placement anywhere in the fleet, scoring at most {@link #SCAN_LIMIT} hosts
     * at a time from where the last search ended (every host when the fleet is that small), and a
     * few windows more when one has none: a tenant's launch or start costs the same on a fleet of a
     * million hosts as on one of a thousand.
     */
    private Placement bestInWindows(PlacementView view, PlacementRequest req) {
        int n = fleet.hosts().size();
        if (n <= SCAN_LIMIT) {
            return scheduler.best(view, req, IntStream.range(0, n).iterator());
        }
        Placement p = null;
        for (int w = 0; w < 4; w++) {
            int start = anywhereCursor;
            anywhereCursor = (anywhereCursor + SCAN_LIMIT) % n;
            p = scheduler.best(view, req, IntStream.range(0, SCAN_LIMIT).map(k -> (start + k) % n).iterator());
            if (p.found()) {
                return p;
            }
        }
        return p;
    }

    /**
     * Where a stopped instance of the campaign starts when its tenant starts it: the standard filters
     * over every host of the live fleet, seen with the instance running nowhere; -1 when none can.
     */
    int start(int instance) {
        Placement p = bestInWindows(new Stopped(live, instance), new PlacementRequest(instance, -1, false, false));
        return p.found() ? p.host() : -1;
    }

    /** The live fleet as the scheduler's filters see it; subclasses see a little more. */
    private abstract static class Over implements PlacementView {
        final LiveFleet live;

        Over(LiveFleet live) {
            this.live = live;
        }

        @Override
        public Fleet fleet() {
            return live.fleet();
        }

        @Override
        public int currentHost(int instance) {
            return live.currentHost(instance);
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

    /**
     * The live fleet with the reservations a step makes while it decides whether it can start: if
     * it starts, they become facts; if not, they are forgotten.
     */
    static final class Trial extends Over {
        private final Map<Integer, long[]> taken = new HashMap<>();

        Trial(LiveFleet live) {
            super(live);
        }

        void reserve(int instance, int host) {
            Instance inst = live.fleet().instance(instance);
            long[] t = taken.computeIfAbsent(host, h -> new long[2]);
            t[0] += inst.milliCpus();
            t[1] += inst.memoryMiB();
        }

        @Override
        public long freeMilliCpu(int host) {
            long[] t = taken.get(host);
            return live.freeMilliCpu(host) - (t == null ? 0 : t[0]);
        }

        @Override
        public long freeMemoryMiB(int host) {
            long[] t = taken.get(host);
            return live.freeMemoryMiB(host) - (t == null ? 0 : t[1]);
        }
    }

    /** The live fleet seen with one stopped instance running nowhere (its last host is not its source). */
    private static final class Stopped extends Over {
        private final int instance;

        Stopped(LiveFleet live, int instance) {
            super(live);
            this.instance = instance;
        }

        @Override
        public int currentHost(int i) {
            return i == instance ? -1 : live.currentHost(i);
        }
    }

    /** The live fleet seen with one more instance, which runs nowhere yet. */
    private static final class WithInstance extends Over {
        private final Fleet withIt;

        WithInstance(LiveFleet live, Fleet withIt) {
            super(live);
            this.withIt = withIt;
        }

        @Override
        public Fleet fleet() {
            return withIt;
        }

        @Override
        public int currentHost(int instance) {
            return instance < live.fleet().instances().size() ? live.currentHost(instance) : -1;
        }
    }
}
