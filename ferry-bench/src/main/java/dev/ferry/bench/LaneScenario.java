package dev.ferry.bench;

import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.AffectRule;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Glob;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.HostState;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.MaintenanceDurations;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.OnTimeout;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.sim.FaultSpec;
import dev.ferry.sim.Simulation;
import dev.ferry.sim.SimulationResult;
import dev.ferry.sim.TenantModel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The scenario shared with the CloudSim Plus comparison: H loaded hosts (64 cores, 512 GiB,
 * 25 Gbit/s) with 4 VMs of 8 vCPU / 64 GiB each, H/10 empty spares, one migration at a time per
 * host, 600 s patch, migration time = RAM ÷ (0.5 × bandwidth) = 64 GiB ÷ 12.5 Gbit/s = 41.94 s.
 * H/10 hosts are worked at once (one "lane" per spare), so the closed form is
 * 10 × (4 × 41.94 + 600) = 7,678 s.
 */
public final class LaneScenario {
    /** 64 GiB over half of 25 Gbit/s, in MiB/s: 65,536 MiB ÷ 41.943 s. */
    static final double BANDWIDTH_MIBPS = 65536.0 / (65536.0 * 8 / 12_500);

    private LaneScenario() {
    }

    public static double closedFormSeconds() {
        return 10 * (4 * 65536.0 * 8 / 12_500 + 600);
    }

    public static PlanningProblem problem(int loaded) {
        int spares = loaded / 10;
        List<Host> hosts = new ArrayList<>(loaded + spares);
        List<Instance> instances = new ArrayList<>(loaded * 4);
        for (int h = 0; h < loaded; h++) {
            hosts.add(new Host(String.format("L-%07d", h), "z1", null, 64, 524_288, 1.0, "old", "m", true, HostState.ACTIVE, null));
            for (int v = 0; v < 4; v++) {
                instances.add(new Instance(String.format("vm-%08d", h * 4 + v), "t", hosts.get(h).id(), 8, 65_536,
                        OnHostMaintenance.MIGRATE, null, 0));
            }
        }
        for (int s = 0; s < spares; s++) {
            hosts.add(new Host(String.format("S-%07d", s), "z1", null, 64, 524_288, 1.0, "new", "m", true, HostState.ACTIVE, null));
        }
        Policy policy = new Policy(spares, spares, 1, 0, Duration.ZERO, Duration.ZERO,
                new LiveMigrationPolicy(Duration.ofMillis(300), BANDWIDTH_MIBPS, 1, Duration.ofSeconds(3600), OnTimeout.ABORT),
                3, new MaintenanceDurations(Duration.ofMinutes(10), Duration.ZERO, Duration.ZERO));
        Advisory advisory = new Advisory("LANES", "lane scenario", List.of(new AffectRule(Glob.of("old"), Glob.of("*"))),
                "new", true, null);
        return new PlanningProblem(new Fleet(hosts, instances, List.of(), List.of()), advisory, policy,
                Instant.parse("2014-09-26T12:00:00Z"));
    }

    /** Plans and simulates the scenario with Ferry (exact timing, no faults, no tenants); prints one table row. */
    public static void main(String[] args) {
        int loaded = Integer.parseInt(args[0]);
        boolean check = args.length < 2 || !args[1].equals("nocheck");
        long t0 = System.nanoTime();
        PlanningProblem problem = problem(loaded);
        long t1 = System.nanoTime();
        Plan plan = new FerryStrategy().plan(problem);
        long t2 = System.nanoTime();
        PlannerBenchmark.resetPeaks();
        SimulationResult r = Simulation.run(problem, plan, new Simulation.Options(1, FaultSpec.NONE, TenantModel.PASSIVE,
                false, check, null, null, true));
        long t3 = System.nanoTime();
        double seconds = (t3 - t0) / 1e9;
        System.err.printf(Locale.ROOT, "fleet %.2f s, plan %.2f s, simulate %.2f s%n", (t1 - t0) / 1e9, (t2 - t1) / 1e9,
                (t3 - t2) / 1e9);
        System.out.printf(Locale.ROOT, "| Ferry | %,d | %.2f | %,d | %,d | %,d | %s |%n", loaded, seconds,
                PlannerBenchmark.peakHeapMiB(), r.makespanSeconds(), plan.summary().makespanSeconds(),
                r.invariantViolations().isEmpty() ? r.result() : r.invariantViolations().size() + " violations");
    }
}
