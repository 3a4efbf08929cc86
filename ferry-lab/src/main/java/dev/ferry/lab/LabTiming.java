package dev.ferry.lab;

import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.MaintenanceDurations;
import dev.ferry.core.model.OnTimeout;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/** The lab's campaign time against the simulator's prediction for the same plan, calibrated from ./bench/migration. */
final class LabTiming {
    private LabTiming() {
    }

    /**
     * The simulator's timing for the lab, from ./bench/migration's steps through the agents and the
     * driver (docs/benchmarks.md), rows of {other guests running, hosts moving at once, per-host
     * migration bandwidth in MiB/s (2 × 64 MiB ÷ a round of two live migrations per host: the simulator
     * shares a host's bandwidth among its moves in flight), a round of relocations in ms (the
     * simulator's restart time)}. The lab's hosts share this machine's two cores, which real hosts do
     * not: three hosts moving at once are three times slower each, so the row for the lab's
     * concurrency after its canary is used, interpolated in the number of other guests.
     */
    static final double[][] CALIBRATION = {{0, 1, 821, 92}, {10, 1, 688, 120}, {30, 1, 449, 183}, {30, 3, 166, 588}};
    /** ./bench/migration: a host's patch-and-reboot through the agent (its 1 s reboot), effect to answer, median. */
    static final Duration CALIBRATED_REBOOT = Duration.ofMillis(1245);
    /** Prints the campaign's time against the calibrated simulator's; returns the prediction. */
    static long timing(Lab.Options o, PlanningProblem problem, Plan plan, long measuredMs, PrintWriter out) {
        int atOnce = Math.max(1, o.affected() - 1); // after the canary, the other affected hosts together
        double mibps = calibrated(o.vms() - 2, atOnce, 2);
        long predictedMs = predictMs(problem, plan, mibps, Duration.ofMillis(Math.round(calibrated(o.vms() - 2, atOnce, 3))));
        out.printf(Locale.ROOT, "  campaign time: measured %.1f s; the simulator, calibrated (%.0f MiB/s per host), predicted %.1f s"
                + " (%+.0f%%); the plan said %d s%n", measuredMs / 1000.0, mibps, predictedMs / 1000.0,
                100.0 * (predictedMs - measuredMs) / Math.max(1, measuredMs), plan.summary().makespanSeconds());
        return predictedMs;
    }

    /**
     * Column {@code column} of the calibration for this many other guests running and hosts moving at
     * once: the rows measured with the nearest number of hosts at once, linear in the other guests
     * between them (the nearest row outside them).
     */
    static double calibrated(int others, int atOnce, int column) {
        double hosts = java.util.Arrays.stream(CALIBRATION).mapToDouble(r -> r[1])
                .reduce((a, b) -> Math.abs(b - atOnce) < Math.abs(a - atOnce) ? b : a).orElseThrow();
        double[][] c = java.util.Arrays.stream(CALIBRATION).filter(r -> r[1] == hosts).toArray(double[][]::new);
        if (others <= c[0][0] || c.length == 1) {
            return c[0][column];
        }
        for (int k = 1; k < c.length; k++) {
            if (others <= c[k][0]) {
                double f = (others - c[k - 1][0]) / (c[k][0] - c[k - 1][0]);
                return c[k - 1][column] + f * (c[k][column] - c[k - 1][column]);
            }
        }
        return c[c.length - 1][column];
    }

    /**
     * The simulator on the same fleet and plan, exact timing, no faults, tenants who wait; the lab's
     * step times; its campaign time in ms (the time of its last record).
     */
    static long predictMs(PlanningProblem problem, Plan plan, double mibps, Duration restart) {
        Policy p = problem.policy();
        LiveMigrationPolicy lm = p.liveMigration();
        Policy calibrated = p.with(new LiveMigrationPolicy(lm.maxDowntime(), mibps, lm.perHost(), lm.timeoutPerGiB(),
                OnTimeout.ABORT), new MaintenanceDurations(Duration.ZERO, CALIBRATED_REBOOT, restart));
        PlanningProblem c = new PlanningProblem(problem.fleet(), problem.advisory(), calibrated, problem.start());
        var history = dev.ferry.sim.Simulation.run(c, plan, new dev.ferry.sim.Simulation.Options(1, dev.ferry.sim.FaultSpec.NONE,
                new dev.ferry.sim.TenantModel(0, 0), true, true, null, null, true)).history();
        return history.isEmpty() ? 0 : history.get(history.size() - 1).timeMs();
    }
}
