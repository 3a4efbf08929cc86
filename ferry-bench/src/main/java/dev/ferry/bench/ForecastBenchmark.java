package dev.ferry.bench;

import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.sim.ChurnModel;
import dev.ferry.sim.Expected;
import dev.ferry.sim.FaultSpec;
import dev.ferry.sim.Forecast;
import dev.ferry.sim.TenantModel;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Forecast benchmark: the wall time of an N-run forecast ({@code ferry plan --forecast N}) of a
 * generated fleet on every core, without and with the what-if neighbours, and the forecast itself
 * (P50/P90/P99, probability of meeting a deadline 5 days after the start). Fleets as the simulator
 * benchmark makes them (~19 instances per host, 10% affected), default tenants, no faults; each case
 * in its own JVM with -Xmx8g.
 *
 * <p>Usage: {@code ./bench/forecast [--hosts 10000] [--runs 100]}.
 */
public final class ForecastBenchmark {
    public static void main(String[] args) throws Exception {
        int hosts = 10_000;
        int runs = 100;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--hosts" -> hosts = Integer.parseInt(args[i + 1]);
                case "--runs" -> runs = Integer.parseInt(args[i + 1]);
                case "--case" -> {
                    runCase(Integer.parseInt(args[i + 1]), Integer.parseInt(args[i + 2]), args[i + 3].equals("what-if"));
                    return;
                }
                default -> throw new IllegalArgumentException("usage: ./bench/forecast [--hosts N] [--runs N]");
            }
        }
        System.out.println("Machine: " + Runtime.getRuntime().availableProcessors() + " cores, JDK "
                + System.getProperty("java.version") + ", case JVMs -Xmx8g -XX:+UseParallelGC");
        System.out.println();
        System.out.println("| hosts | instances | affected | runs | what-if | plan s | forecast s | s per run per core | P50 | P90 | P99 "
                + "| predicted | expected (ms to compute) | P(meets 5-day deadline) | best change |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (String whatIf : List.of("none", "what-if")) {
            Forks.run(ForecastBenchmark.class, List.of("--case", Integer.toString(hosts), Integer.toString(runs), whatIf), true,
                    System.out);
        }
    }

    private static void runCase(int hosts, int runs, boolean whatIf) {
        PlanningProblem problem = SimulatorBenchmark.problem(hosts, Duration.ofDays(5)); // the simulator benchmark's fleets
        long t0 = System.nanoTime();
        Plan plan = new FerryStrategy().plan(problem);
        double planSeconds = (System.nanoTime() - t0) / 1e9;
        int cores = Runtime.getRuntime().availableProcessors();
        long t2 = System.nanoTime();
        long expected = Expected.of(problem, plan, TenantModel.DEFAULT).makespanSeconds();
        long expectedMs = (System.nanoTime() - t2) / 1_000_000;
        long t1 = System.nanoTime();
        Forecast.Result r = Forecast.run(problem, plan, new FerryStrategy(),
                new Forecast.Settings(runs, 1, FaultSpec.NONE, TenantModel.DEFAULT, ChurnModel.NONE, whatIf, 0, dev.ferry.sim.LearnedModel.EMPTY), null);
        double seconds = (System.nanoTime() - t1) / 1e9;
        int total = runs + r.whatIf().stream().mapToInt(w -> w.outcome().runs()).sum();
        Forecast.Outcome f = r.outcome();
        System.out.printf(Locale.ROOT, "| %,d | %,d | %,d | %d | %s | %.1f | %.1f | %.2f | %s | %s | %s | %s | %s (%d ms) | %s | %s |%n", hosts,
                problem.fleet().instances().size(), plan.affectedHosts().size(), runs, whatIf ? r.whatIf().size() + " neighbours, "
                + (total - runs) + " runs" : "none", planSeconds, seconds, seconds * cores / total, hours(f.p50Seconds()),
                hours(f.p90Seconds()), hours(f.p99Seconds()), hours(r.predictedSeconds()), hours(expected), expectedMs,
                f.probabilityMeetsDeadline() == null ? "—" : String.format(Locale.ROOT, "%.0f%%", 100 * f.probabilityMeetsDeadline()),
                !whatIf ? "—" : r.best() == null ? "none better" : r.best().change());
    }

    private static String hours(long seconds) {
        return String.format(Locale.ROOT, "%.1f h", seconds / 3600.0);
    }
}
