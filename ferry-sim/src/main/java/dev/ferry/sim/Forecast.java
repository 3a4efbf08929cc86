package dev.ferry.sim;

import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanStrategy;
import dev.ferry.core.planner.PlanningProblem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How long a plan's campaign is likely to take: {@code runs} seeded simulations of it with the tenant
 * behaviour model, the fault rates and the simulator's duration noise, on every core, summed up as
 * percentiles of the makespan and the share of runs that met the disclosure deadline. Run {@code k}
 * uses seed {@code seed + k}, so a forecast is a function of its settings. With {@code whatIf}, a few
 * neighbouring policies (twice the hosts at once, another zone at once, half the notice) are planned
 * and forecast on the same seeds, to say which change raises the probability most.
 */
public final class Forecast {
    /**
     * @param runs    simulations of the plan (at least 1)
     * @param seed    the first run's seed; run k uses seed + k
     * @param whatIf  also forecast the neighbouring policies ({@link #neighbours}), each with a quarter of the runs (at least 10)
     * @param threads simulations at once (0: one per core)
     * @param model   what finished campaigns measured ({@link LearnedModel#EMPTY}: nothing): its durations, migration
     *                throughput and tenant shares replace the policy's and {@code tenants} where it has measurements
     */
    public record Settings(int runs, long seed, FaultSpec faults, TenantModel tenants, ChurnModel churn, boolean whatIf, int threads,
                           LearnedModel model) {
        public Settings {
            if (runs < 1 || runs > 100_000) {
                throw new IllegalArgumentException("a forecast runs 1 to 100000 simulations");
            }
        }

        Settings withRuns(int n) {
            return new Settings(n, seed, faults, tenants, churn, whatIf, threads, model);
        }
    }

    /**
     * One policy's forecast. Percentiles are nearest-rank over every run's makespan (a halted run's
     * counts at the time it halted); P10 to P99 is the band a campaign is expected in;
     * {@code probabilityMeetsDeadline}: the share of runs that completed by the deadline (null
     * without a disclosure time).
     */
    public record Outcome(int runs, long p10Seconds, long p50Seconds, long p90Seconds, long p99Seconds, Double probabilityMeetsDeadline,
                          int halted) {
    }

    /** A neighbouring policy and its forecast; {@code change} says what differs, {@code feasible} whether its plan meets the deadline. */
    public record WhatIf(String change, Policy policy, long plannedSeconds, boolean feasible, Outcome outcome) {
    }

    /**
     * @param predictedSeconds the plan's own prediction (no noise, tenants as planned)
     * @param expectedSeconds  the plan's expected duration with the forecast's tenants ({@link Expected}; no noise)
     * @param deadlineSeconds  seconds from the start to the disclosure, null without one
     * @param best             the neighbour that raises the probability of meeting the deadline most (or, without a
     *                         deadline, lowers the P90 most); null when none does better than the plan
     */
    public record Result(Outcome outcome, long predictedSeconds, long expectedSeconds, Long deadlineSeconds, List<WhatIf> whatIf,
                         WhatIf best) {
    }

    /** Told after each run: (runs done, runs in all), including the neighbours' runs. */
    public interface Progress {
        void update(int done, int total);
    }

    private Forecast() {
    }

    public static Result run(PlanningProblem problem, Plan plan, PlanStrategy planner, Settings s, Progress progress) {
        int threads = s.threads() > 0 ? s.threads() : Runtime.getRuntime().availableProcessors();
        List<Neighbour> neighbours = s.whatIf() ? neighbours(problem) : List.of();
        int whatIfRuns = Math.min(s.runs(), Math.max(10, s.runs() / 4));
        int total = s.runs() + neighbours.size() * whatIfRuns;
        AtomicInteger done = new AtomicInteger();
        Progress p = progress == null ? (d, t) -> {
        } : progress;
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "forecast");
            t.setDaemon(true);
            return t;
        });
        try {
            Outcome base = outcome(problem, plan, s, pool, done, total, p);
            List<WhatIf> whatIf = new ArrayList<>();
            for (Neighbour n : neighbours) {
                PlanningProblem other = new PlanningProblem(problem.fleet(), problem.advisory(), n.policy(), problem.start());
                Plan otherPlan = planner.plan(other);
                whatIf.add(new WhatIf(n.change(), n.policy(), otherPlan.summary().makespanSeconds(), otherPlan.feasible(),
                        outcome(other, otherPlan, s.withRuns(whatIfRuns), pool, done, total, p)));
            }
            long expected = Expected.of(problem, plan, s.model().tenants(s.tenants())).makespanSeconds();
            return new Result(base, plan.summary().makespanSeconds(), expected, problem.secondsToDeadline(), whatIf, best(base, whatIf));
        } finally {
            pool.shutdownNow();
        }
    }

    /** The neighbour that does best against the plan's own forecast, or null when none is better. */
    static WhatIf best(Outcome base, List<WhatIf> whatIf) {
        Comparator<Outcome> better = Comparator.comparing((Outcome o) -> o.probabilityMeetsDeadline() == null ? 0
                : o.probabilityMeetsDeadline()).thenComparing(Comparator.comparingLong(Outcome::p90Seconds).reversed());
        WhatIf best = null;
        for (WhatIf w : whatIf) {
            if (better.compare(w.outcome(), base) > 0 && (best == null || better.compare(w.outcome(), best.outcome()) > 0)) {
                best = w;
            }
        }
        return best;
    }

    private static Outcome outcome(PlanningProblem planned, Plan plan, Settings s, ExecutorService pool, AtomicInteger done, int total,
                                   Progress p) {
        // the plan as made, its campaign timed as the fleet measured it
        PlanningProblem problem = new PlanningProblem(planned.fleet(), planned.advisory(),
                s.model().applyTo(planned.policy(), planned.fleet()), planned.start());
        TenantModel tenants = s.model().tenants(s.tenants());
        List<Future<SimulationResult>> runs = new ArrayList<>();
        for (int k = 0; k < s.runs(); k++) {
            Simulation.Options o = new Simulation.Options(s.seed() + k, s.faults(), tenants, false, false, null, null)
                    .withChurn(s.churn());
            // a model that saw campaigns go at different paces: each run is one such campaign, z deviations from the usual
            PlanningProblem run = !s.model().spreads() ? problem : new PlanningProblem(planned.fleet(), planned.advisory(),
                    s.model().applyTo(planned.policy(), planned.fleet(), new SplittableRandom(~(s.seed() + k)).nextGaussian()),
                    planned.start());
            runs.add(pool.submit(() -> {
                SimulationResult r = Simulation.run(run, plan, o);
                p.update(done.incrementAndGet(), total);
                return r;
            }));
        }
        List<SimulationResult> results = new ArrayList<>();
        try {
            for (Future<SimulationResult> f : runs) {
                results.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("the forecast was interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
        return summarize(results, problem.secondsToDeadline());
    }

    /** Percentiles and the probability of meeting the deadline over simulated campaigns. */
    public static Outcome summarize(List<SimulationResult> results, Long deadlineSeconds) {
        long[] makespans = results.stream().mapToLong(SimulationResult::makespanSeconds).sorted().toArray();
        int met = 0;
        int halted = 0;
        for (SimulationResult r : results) {
            boolean completed = r.result().equals("completed");
            halted += completed ? 0 : 1;
            met += completed && deadlineSeconds != null && r.makespanSeconds() <= deadlineSeconds ? 1 : 0;
        }
        return new Outcome(makespans.length, percentile(makespans, 0.10), percentile(makespans, 0.50), percentile(makespans, 0.90), percentile(makespans, 0.99),
                deadlineSeconds == null ? null : met / (double) makespans.length, halted);
    }

    /** Nearest rank: the smallest value with at least {@code q} of the values at or below it. */
    static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    record Neighbour(String change, Policy policy) {
    }

    /** The policies next to the problem's: twice the hosts at once, one more zone at once (if there is one), half the notice. */
    static List<Neighbour> neighbours(PlanningProblem problem) {
        Policy p = problem.policy();
        List<Neighbour> out = new ArrayList<>();
        out.add(new Neighbour("twice the hosts at once (maxHostsInMaintenance " + 2 * p.maxHostsInMaintenance() + ", maxHostsPerZone "
                + 2 * p.maxHostsPerZone() + ")", p.withCaps(2 * p.maxHostsInMaintenance(), 2 * p.maxHostsPerZone(), p.zonesAtOnce())));
        if (problem.fleet().zones().size() > p.zonesAtOnce()) {
            out.add(new Neighbour("another zone at once (zonesAtOnce " + (p.zonesAtOnce() + 1) + ")",
                    p.withCaps(p.maxHostsInMaintenance(), p.maxHostsPerZone(), p.zonesAtOnce() + 1)));
        }
        if (!p.notice().isZero()) {
            Duration half = p.notice().dividedBy(2);
            out.add(new Neighbour("half the notice (noticeHours " + trim(half.toMinutes() / 60.0) + ")", p.withNotice(half)));
        }
        return out;
    }

    private static String trim(double hours) {
        return hours == Math.rint(hours) ? Long.toString((long) hours) : Double.toString(hours);
    }
}
