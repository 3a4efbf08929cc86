package dev.ferry.cli;

import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.NaiveStrategy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.sim.Simulation;
import dev.ferry.sim.SimulationResult;
import java.io.PrintWriter;
import java.util.Locale;

/** Shared by {@code simulate} and {@code demo}: the naive comparison run and a progress bar. */
final class Simulations {
    private Simulations() {
    }

    /** The naive baseline as people run it: its plan, one host at a time. */
    static SimulationResult naive(PlanningProblem problem, Simulation.Options options) {
        Policy p = problem.policy();
        Policy serial = p.withCaps(1, 1, 1);
        PlanningProblem serialProblem = new PlanningProblem(problem.fleet(), problem.advisory(), serial, problem.start());
        Plan plan = new NaiveStrategy().plan(serialProblem);
        return Simulation.run(serialProblem, plan, options);
    }

    /** A progress bar on standard error: redrawn in place on a terminal, a line per quarter otherwise. */
    static Simulation.Progress bar(PrintWriter err, String label) {
        boolean tty = System.console() != null;
        int[] lastQuarter = {-1};
        return (virtualMs, done, planned) -> {
            int pct = planned == 0 ? 100 : (int) (100L * done / planned);
            if (tty) {
                int filled = pct / 4;
                err.printf(Locale.ROOT, "\r  %-6s [%s%s] %3d%% hosts, %s simulated ", label, "#".repeat(filled),
                        " ".repeat(25 - filled), pct, Durations.human(virtualMs / 1000));
                if (pct == 100) {
                    err.println();
                }
            } else if (pct / 25 > lastQuarter[0]) {
                lastQuarter[0] = pct / 25;
                err.printf(Locale.ROOT, "  %-6s %3d%% hosts, %s simulated%n", label, pct, Durations.human(virtualMs / 1000));
            }
            err.flush();
        };
    }
}
