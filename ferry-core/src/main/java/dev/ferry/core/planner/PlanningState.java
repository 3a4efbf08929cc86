package dev.ferry.core.planner;

import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.Instance;
import dev.ferry.core.scheduler.PlacementView;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.PrimitiveIterator;

/**
 * A planner's working copy of the fleet at the planned instant: where each instance is, free
 * capacity counting reservations, which hosts are in maintenance or patched. Destinations are
 * indexed in two sets, those that are safe (unaffected or patched) and those still vulnerable, so a
 * normal placement never scans vulnerable hosts. Local to one planning run; not thread-safe.
 */
final class PlanningState implements PlacementView {
    private final Fleet fleet;
    private final Classification cls;
    private final int[] instanceHost;
    private final long[] freeCpu;
    private final long[] freeMem;
    private final boolean[] inMaintenance;
    private final boolean[] patched;
    private final boolean[] retired;
    private final int[] liveModel;
    private final CandidateIndex safe = new CandidateIndex();
    private final CandidateIndex vulnerableIndex = new CandidateIndex();
    /** Instances that arrived on a host after the snapshot, per host; only bootstrap and naive moves create them. */
    private final Map<Integer, int[]> arrivals = new HashMap<>();

    private final boolean separateVulnerable;

    /**
     * @param separateVulnerable index vulnerable hosts apart (Ferry); false puts every host in one
     *                           index, for the naive strategy that does not care
     */
    PlanningState(Fleet fleet, Classification cls, boolean separateVulnerable) {
        this.fleet = fleet;
        this.separateVulnerable = separateVulnerable;
        this.cls = cls;
        int hosts = fleet.hosts().size();
        CandidateIndex.checkSize(hosts);
        instanceHost = new int[fleet.instances().size()];
        freeCpu = new long[hosts];
        freeMem = new long[hosts];
        inMaintenance = new boolean[hosts];
        patched = new boolean[hosts];
        retired = new boolean[hosts];
        liveModel = new int[hosts];
        Map<String, Integer> models = new HashMap<>();
        for (int h = 0; h < hosts; h++) {
            Host host = fleet.host(h);
            freeCpu[h] = host.milliCpuCapacity() - fleet.usedMilliCpu(h);
            freeMem[h] = host.memoryMiB() - fleet.usedMemoryMiB(h);
            liveModel[h] = host.liveMigration() ? models.computeIfAbsent(host.cpuModel(), m -> models.size()) : -1;
        }
        for (int i = 0; i < instanceHost.length; i++) {
            instanceHost[i] = fleet.hostOf(i);
        }
        for (int h = 0; h < hosts; h++) {
            index(h);
        }
    }

    @Override
    public Fleet fleet() {
        return fleet;
    }

    @Override
    public int currentHost(int instance) {
        return instanceHost[instance];
    }

    @Override
    public boolean cordoned(int host) {
        return fleet.host(host).cordoned();
    }

    @Override
    public boolean inMaintenance(int host) {
        return inMaintenance[host];
    }

    @Override
    public boolean vulnerable(int host) {
        return cls.affected(host) && !patched[host];
    }

    @Override
    public long freeMilliCpu(int host) {
        return freeCpu[host];
    }

    @Override
    public long freeMemoryMiB(int host) {
        return freeMem[host];
    }

    int liveModel(int host) {
        return liveModel[host];
    }

    /**
     * Destinations with enough free memory: safe ones, or the vulnerable ones when {@code vulnerableOnes};
     * emptiest first when {@code mostFreeFirst}, else tightest first.
     */
    PrimitiveIterator.OfInt candidates(int zone, int liveModelOrAny, long minFreeMemoryMiB, boolean vulnerableOnes,
                                       boolean mostFreeFirst) {
        return (vulnerableOnes ? vulnerableIndex : safe).candidates(zone, liveModelOrAny, minFreeMemoryMiB, mostFreeFirst);
    }

    /** Moves an instance now; its destination's capacity is taken, its source's is given back. */
    void move(int instance, int to) {
        int from = instanceHost[instance];
        Instance inst = fleet.instance(instance);
        unindex(from);
        unindex(to);
        freeCpu[from] += inst.milliCpus();
        freeMem[from] += inst.memoryMiB();
        freeCpu[to] -= inst.milliCpus();
        freeMem[to] -= inst.memoryMiB();
        instanceHost[instance] = to;
        index(from);
        index(to);
        if (to != fleet.hostOf(instance) && !arrived(to, instance)) {
            int[] list = arrivals.get(to);
            if (list == null) {
                list = new int[] {0, 0, 0, 0};
                arrivals.put(to, list);
            } else if (list[0] + 1 >= list.length) {
                list = Arrays.copyOf(list, list.length * 2);
                arrivals.put(to, list);
            }
            list[++list[0]] = instance;
        }
    }

    private boolean arrived(int host, int instance) {
        int[] list = arrivals.get(host);
        if (list != null) {
            for (int k = 1; k <= list[0]; k++) {
                if (list[k] == instance) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Instances on {@code host} now: those of the snapshot that are still there, then arrivals. */
    int[] occupants(int host) {
        int n = fleet.instanceCountOn(host);
        int[] arrived = arrivals.get(host);
        int extra = arrived == null ? 0 : arrived[0];
        int[] out = new int[n + extra];
        int c = 0;
        for (int k = 0; k < n; k++) {
            int i = fleet.instanceOn(host, k);
            if (instanceHost[i] == host) {
                out[c++] = i;
            }
        }
        for (int k = 1; k <= extra; k++) {
            int i = arrived[k];
            if (instanceHost[i] == host) {
                out[c++] = i;
            }
        }
        return c == out.length ? out : Arrays.copyOf(out, c);
    }

    void enterMaintenance(int host) {
        unindex(host);
        inMaintenance[host] = true;
    }

    /** Undoes {@link #enterMaintenance} when a step could not start after all. */
    void abortMaintenance(int host) {
        inMaintenance[host] = false;
        index(host);
    }

    void leaveMaintenance(int host, boolean nowPatched) {
        inMaintenance[host] = false;
        patched[host] = nowPatched;
        index(host);
    }

    boolean patched(int host) {
        return patched[host];
    }

    /**
     * Takes a host that will never be patched (skipped) out of every index for good: it must not
     * receive bootstrap moves, since it would keep them on a vulnerable host.
     */
    void retire(int host) {
        unindex(host);
        retired[host] = true;
    }

    private boolean indexed(int host) {
        return !inMaintenance[host] && !retired[host] && !fleet.host(host).cordoned();
    }

    private void index(int host) {
        if (!indexed(host)) {
            return;
        }
        int zone = fleet.zoneOf(host);
        indexOf(host).add(host, zone, liveModel[host], freeMem[host]);
    }

    private CandidateIndex indexOf(int host) {
        return separateVulnerable && vulnerable(host) ? vulnerableIndex : safe;
    }

    private void unindex(int host) {
        if (!indexed(host)) {
            return;
        }
        int zone = fleet.zoneOf(host);
        indexOf(host).remove(host, zone, liveModel[host], freeMem[host]);
    }
}
