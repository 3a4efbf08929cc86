package dev.ferry.bench;

import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.AffectRule;
import dev.ferry.core.model.Glob;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.formats.FleetCollector;
import dev.ferry.formats.FleetGenerator;
import dev.ferry.sim.FaultSpec;
import dev.ferry.sim.Simulation;
import dev.ferry.sim.SimulationResult;
import dev.ferry.sim.TenantModel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Simulator benchmark: wall time, events per second and peak heap of whole simulated campaigns at
 * 10k, 100k and 1M hosts (fleets generated in memory, ~19 instances per host, 10% affected, default
 * policy, default tenants, no faults, the invariant checker on), and the plan's predicted makespan
 * next to the simulated one. Each case runs in its own JVM with -Xmx8g.
 *
 * <p>Usage: {@code ./bench/simulator [hosts[:nocheck] ...]}.
 */
public final class SimulatorBenchmark {
    static final Instant START = Instant.parse("2014-09-26T12:00:00Z");

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--case")) {
            runCase(Integer.parseInt(args[1]), args[2].equals("check"));
            return;
        }
        List<String[]> cases = new ArrayList<>();
        if (args.length == 0) {
            cases.add(new String[] {"10000", "check"});
            cases.add(new String[] {"100000", "check"});
            cases.add(new String[] {"1000000", "check"});
        } else {
            for (String a : args) {
                // "1000000:nocheck" runs without the invariant checker (it keeps per-instance state)
                String[] parts = a.split(":");
                cases.add(new String[] {parts[0], parts.length > 1 ? parts[1] : "check"});
            }
        }
        System.out.println("Machine: " + Runtime.getRuntime().availableProcessors() + " cores, JDK "
                + System.getProperty("java.version") + ", case JVMs -Xmx8g -XX:+UseParallelGC");
        System.out.println();
        System.out.println("| hosts | instances | affected | plan s | simulate s | events | events/s | history records "
                + "| peak heap MiB | predicted makespan | simulated makespan | result | violations |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (String[] c : cases) {
            Forks.run(SimulatorBenchmark.class, List.of("--case", c[0], c[1]), true, System.out);
        }
    }

    /**
     * The benchmarks' campaign on {@code hosts} generated hosts (~19 instances per host, 10% affected),
     * starting at {@link #START}, with a disclosure that long after it (null: none).
     */
    static PlanningProblem problem(int hosts, java.time.Duration disclosure) {
        FleetGenerator.Options d = FleetGenerator.Options.defaults(hosts, 1);
        FleetGenerator.Options o = new FleetGenerator.Options(hosts, 1, d.zones(), d.racksPerZone(), 24, 0.1,
                d.nonLiveShare(), d.groupShare(), 0.8, d.tenants());
        Advisory advisory = new Advisory("XSA-108", "bench", List.of(new AffectRule(Glob.of("xen-4.[0-4].*"), Glob.of("*"))),
                "xen-4.4.1", true, disclosure == null ? null : START.plus(disclosure));
        // Enough room for a fleet of this size to finish: more hosts at once than the default.
        Policy p = Policy.DEFAULTS;
        Policy policy = p.withCaps(Math.max(20, hosts / 500), Math.max(5, hosts / 2000), p.zonesAtOnce());
        return new PlanningProblem(FleetCollector.generate(o), advisory, policy, START);
    }

    private static void runCase(int hosts, boolean check) {
        PlanningProblem problem = problem(hosts, null);
        long t0 = System.nanoTime();
        Plan plan = new FerryStrategy().plan(problem);
        double planSeconds = (System.nanoTime() - t0) / 1e9;
        System.gc();
        PlannerBenchmark.resetPeaks();
        long t1 = System.nanoTime();
        SimulationResult r = Simulation.run(problem, plan, new Simulation.Options(1, FaultSpec.NONE, TenantModel.DEFAULT,
                false, check, null, null));
        double simSeconds = (System.nanoTime() - t1) / 1e9;
        System.out.printf(Locale.ROOT, "| %,d | %,d | %,d | %.1f | %.1f | %,d | %,.0f | %,d | %,d | %s | %s | %s | %d |%n",
                hosts, problem.fleet().instances().size(), plan.affectedHosts().size(), planSeconds, simSeconds,
                r.simulatedEvents(), r.simulatedEvents() / simSeconds, r.historyRecords(), PlannerBenchmark.peakHeapMiB(),
                human(r.predictedMakespanSeconds()), human(r.makespanSeconds()), r.result(), r.invariantViolations().size());
    }

    private static String human(long s) {
        return String.format(Locale.ROOT, "%dd %02dh %02dm", s / 86400, s % 86400 / 3600, s % 3600 / 60);
    }
}
