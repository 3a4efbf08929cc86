package dev.ferry.core.planner;

import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.Policy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Computes a lower bound on the makespan from the problem and the classification alone — it never
 * looks at a plan. Each component is a necessary condition of every valid plan that handles each
 * instance as classified; the bound is their maximum. Derivations: docs/lower-bound.md. Pure.
 */
public final class LowerBounds {
    private LowerBounds() {
    }

    /** What one affected host contributes: its shortest possible maintenance and the capacity it takes away. */
    private record HostWork(int host, int zone, long seconds, boolean needsNotice, double displacedCpu,
                            double displacedMem) {
    }

    public static LowerBound compute(PlanningProblem problem, Classification cls) {
        return compute(problem, cls, java.util.Set.of());
    }

    /**
     * @param skipped affected hosts the plan leaves alone (a budget that can never be met, a zone
     *                where nothing can move); they are not counted
     */
    public static LowerBound compute(PlanningProblem problem, Classification cls, java.util.Set<String> skipped) {
        Fleet fleet = problem.fleet();
        Policy policy = problem.policy();
        int zones = fleet.zones().size();
        long notice = policy.notice().toSeconds();

        double[] spareCpu = new double[zones];
        double[] spareMem = new double[zones];
        List<HostWork> work = new ArrayList<>();
        for (int h = 0; h < fleet.hosts().size(); h++) {
            Host host = fleet.host(h);
            int z = fleet.zoneOf(h);
            if (!host.cordoned()) {
                spareCpu[z] += host.milliCpuCapacity() - fleet.usedMilliCpu(h);
                spareMem[z] += host.memoryMiB() - fleet.usedMemoryMiB(h);
            }
            if (cls.affected(h) && !skipped.contains(host.id())) {
                work.add(hostWork(problem, cls, h, fleet.usedMilliCpu(h), fleet.usedMemoryMiB(h)));
            }
        }
        List<LowerBound.Component> parts = new ArrayList<>();
        if (work.isEmpty()) {
            return new LowerBound(0, parts);
        }

        HostWork longest = null;
        long perHost = 0;
        for (HostWork w : work) {
            long end = (w.needsNotice() ? notice : 0) + w.seconds();
            if (end > perHost) {
                perHost = end;
                longest = w;
            }
        }
        parts.add(new LowerBound.Component("per-host", perHost, "host " + fleet.host(longest.host()).id()
                + " takes at least " + longest.seconds() + " s"
                + (longest.needsNotice() ? " and cannot start before the " + notice + " s notice" : "")));

        for (int z = 0; z < zones; z++) {
            if (cls.hasStrandedArrivals(z)) {
                spareCpu[z] = 0; // no capacity bound: see Classification#markStrandedArrival
                spareMem[z] = 0;
            }
        }
        pool(fleet, policy, work, spareCpu, spareMem, 0, "", parts);
        List<HostWork> noticed = work.stream().filter(HostWork::needsNotice).toList();
        if (notice > 0 && !noticed.isEmpty()) {
            List<LowerBound.Component> afterNotice = new ArrayList<>();
            pool(fleet, policy, noticed, spareCpu, spareMem, notice, "", afterNotice);
            LowerBound.Component best = afterNotice.stream()
                    .max(java.util.Comparator.comparingLong(LowerBound.Component::seconds)).orElseThrow();
            parts.add(new LowerBound.Component("notice", best.seconds(), noticed.size()
                    + " hosts need notice; after the " + notice + " s notice: " + best.rule() + " (" + best.explanation() + ")"));
        }

        int k = Math.min(policy.canaryHosts(), work.size());
        if (k > 0) {
            long[] sorted = work.stream().mapToLong(HostWork::seconds).sorted().toArray();
            long canary = 0;
            for (int i = 0; i < k; i++) {
                canary += sorted[i];
            }
            if (sorted.length > k) {
                canary += policy.soak().toSeconds() + sorted[k];
            }
            parts.add(new LowerBound.Component("canary", canary, k + " canary host(s) one at a time, then the "
                    + policy.soak().toSeconds() + " s soak, then at least one more host"));
        }
        long max = parts.stream().mapToLong(LowerBound.Component::seconds).max().orElse(0);
        return new LowerBound(max, parts);
    }

    private static HostWork hostWork(PlanningProblem problem, Classification cls, int h, long loadCpu, long loadMem) {
        Fleet fleet = problem.fleet();
        Host host = fleet.host(h);
        double sumLive = 0;
        double maxLive = 0;
        boolean relocate = false;
        boolean rip = false;
        long ripCpu = 0;
        long ripMem = 0;
        for (int k = 0; k < fleet.instanceCountOn(h); k++) {
            int i = fleet.instanceOn(h, k);
            switch (cls.kind(i)) {
                case LIVE_MIGRATE -> {
                    sumLive += cls.liveSeconds(i);
                    maxLive = Math.max(maxLive, cls.liveSeconds(i));
                }
                case RELOCATE -> relocate = true;
                case REBOOT_IN_PLACE -> {
                    rip = true;
                    ripCpu += fleet.instance(i).milliCpus();
                    ripMem += fleet.instance(i).memoryMiB();
                }
            }
        }
        long seconds = DurationModel.stepLowerBoundSeconds(problem.policy(), problem.advisory(), sumLive, maxLive,
                relocate, rip);
        boolean reboot = problem.advisory().requiresReboot();
        // While in maintenance a usable host takes its whole capacity away, minus what stays on it;
        // a cordoned host only the load that must move.
        double cpu = !reboot ? 0 : host.cordoned() ? loadCpu - ripCpu : host.milliCpuCapacity() - ripCpu;
        double mem = !reboot ? 0 : host.cordoned() ? loadMem - ripMem : host.memoryMiB() - ripMem;
        return new HostWork(h, fleet.zoneOf(h), seconds, reboot && (relocate || rip), cpu, mem);
    }

    /**
     * Bounds for a set of hosts that can only start after {@code offset}: fleet-wide concurrency,
     * per zone (longest host, maxHostsPerZone, capacity) and zones at once.
     */
    private static void pool(Fleet fleet, Policy policy, List<HostWork> work, double[] spareCpu, double[] spareMem,
                             long offset, String prefix, List<LowerBound.Component> parts) {
        int zones = fleet.zones().size();
        long total = 0;
        long[] sum = new long[zones];
        long[] longest = new long[zones];
        double[] weightedCpu = new double[zones];
        double[] weightedMem = new double[zones];
        for (HostWork w : work) {
            total += w.seconds();
            sum[w.zone()] += w.seconds();
            longest[w.zone()] = Math.max(longest[w.zone()], w.seconds());
            weightedCpu[w.zone()] += w.seconds() * w.displacedCpu();
            weightedMem[w.zone()] += w.seconds() * w.displacedMem();
        }
        parts.add(new LowerBound.Component(prefix + "maxHostsInMaintenance",
                offset + ceilDiv(total, policy.maxHostsInMaintenance()),
                "Σ host maintenance " + total + " s / maxHostsInMaintenance " + policy.maxHostsInMaintenance()));
        long[] zoneBound = new long[zones];
        int zonesWithWork = 0;
        for (int z = 0; z < zones; z++) {
            if (sum[z] == 0) {
                continue;
            }
            zonesWithWork++;
            String name = fleet.zones().get(z);
            zoneBound[z] = longest[z];
            String why = "the longest host in " + name;
            long conc = ceilDiv(sum[z], policy.maxHostsPerZone());
            if (conc > zoneBound[z]) {
                zoneBound[z] = conc;
                why = "Σ host maintenance in " + name + " " + sum[z] + " s / maxHostsPerZone " + policy.maxHostsPerZone();
            }
            long capacity = Math.max(capacityBound(weightedCpu[z], spareCpu[z]), capacityBound(weightedMem[z], spareMem[z]));
            if (capacity > zoneBound[z]) {
                zoneBound[z] = capacity;
                why = "capacity in " + name + ": Σ (host time × capacity it takes away) / the zone's spare capacity";
            }
            parts.add(new LowerBound.Component(prefix + "zone " + name, offset + zoneBound[z], why));
        }
        if (zonesWithWork > policy.zonesAtOnce()) {
            long all = Arrays.stream(zoneBound).sum();
            parts.add(new LowerBound.Component(prefix + "zonesAtOnce", offset + ceilDiv(all, policy.zonesAtOnce()),
                    "zones are worked " + policy.zonesAtOnce() + " at a time: Σ zone bounds " + all + " s / "
                            + policy.zonesAtOnce()));
        }
    }

    private static long capacityBound(double weighted, double spare) {
        if (weighted <= 0 || spare <= 0) {
            return 0; // without spare room a zone needs bootstrap or reboot-in-place; no finite bound from capacity
        }
        return (long) Math.ceil(weighted / spare - 1e-9);
    }

    private static long ceilDiv(long a, long b) {
        return Math.floorDiv(a + b - 1, b);
    }
}
