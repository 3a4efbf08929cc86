package dev.ferry.sim;

import dev.ferry.core.campaign.CampaignRunner;
import dev.ferry.core.campaign.CampaignRuntime;
import dev.ferry.core.campaign.Effect;
import dev.ferry.core.campaign.Input;
import dev.ferry.core.campaign.Ports;
import dev.ferry.core.campaign.Result;
import dev.ferry.core.campaign.state.CampaignStats;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.core.verify.CampaignRule;
import dev.ferry.core.verify.InvariantChecker;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Runs a whole campaign — the real {@link CampaignRuntime} and {@link CampaignRunner} — against
 * {@link SimulatedHypervisors} and simulated tenants in virtual time. One seed is one campaign: the
 * same inputs produce the same history, byte for byte. Invariants are checked after every event.
 * Not thread-safe; a simulation runs on the caller's thread.
 */
public final class Simulation {
    /** A campaign that has not settled after this much virtual time is ended (a bug or a stuck fleet). */
    static final long MAX_VIRTUAL_MS = 400L * 86_400_000L;

    /**
     * @param keepHistory keep every record in the result (tests, replay); off for large fleets
     * @param historyLines receives each record of the history as it is appended (a history file); may be null
     * @param progress     called now and then with (virtual ms, hosts done, hosts planned); may be null
     * @param check        run the invariant checker after every record
     * @param exactTiming  durations exactly as the models say: no noise, no long tail, no verification
     *                     time (for comparisons with closed forms and other simulators)
     * @param observer     called with the runtime after each of its calls (tests look at its state); may be null
     * @param churn        tenants' own lifecycle operations during the campaign
     */
    public record Options(long seed, FaultSpec faults, TenantModel tenants, boolean keepHistory, boolean check,
                          Consumer<HistoryRecord> historyLines, Progress progress, boolean exactTiming,
                          Consumer<CampaignRuntime> observer, ChurnModel churn) {
        public Options(long seed, FaultSpec faults, TenantModel tenants, boolean keepHistory, boolean check,
                       Consumer<HistoryRecord> historyLines, Progress progress, boolean exactTiming,
                       Consumer<CampaignRuntime> observer) {
            this(seed, faults, tenants, keepHistory, check, historyLines, progress, exactTiming, observer, ChurnModel.NONE);
        }

        public Options(long seed, FaultSpec faults, TenantModel tenants, boolean keepHistory, boolean check,
                       Consumer<HistoryRecord> historyLines, Progress progress) {
            this(seed, faults, tenants, keepHistory, check, historyLines, progress, false, null);
        }

        public Options(long seed, FaultSpec faults, TenantModel tenants, boolean keepHistory, boolean check,
                       Consumer<HistoryRecord> historyLines, Progress progress, boolean exactTiming) {
            this(seed, faults, tenants, keepHistory, check, historyLines, progress, exactTiming, null);
        }

        public static Options of(long seed, FaultSpec faults) {
            return new Options(seed, faults, TenantModel.DEFAULT, false, true, null, null);
        }

        /** The same options with tenants' lifecycle churn. */
        public Options withChurn(ChurnModel model) {
            return new Options(seed, faults, tenants, keepHistory, check, historyLines, progress, exactTiming, observer, model);
        }
    }

    public interface Progress {
        void update(long virtualMs, int hostsDone, int hostsPlanned);
    }

    private final PlanningProblem problem;
    private final Plan plan;
    private final Options options;
    private final SimKernel kernel = new SimKernel();
    private final SplittableRandom random;
    private final CampaignRuntime runtime;
    private final CampaignRunner runner;
    private final HistoryStore store;
    private final InvariantChecker checker;
    private final Set<Integer> tenantAnswered = new HashSet<>();
    private final Churn churn;
    private final SimulatedHypervisors driver;

    private Simulation(PlanningProblem problem, Plan plan, Options options) {
        this.problem = problem;
        this.plan = plan;
        this.options = options;
        this.random = new SplittableRandom(options.seed());
        this.checker = options.check() ? new InvariantChecker(problem, plan) : null;
        this.store = new HistoryStore(checker, options.keepHistory(), options.historyLines());
        this.runtime = new CampaignRuntime(problem, plan, "c-" + plan.advisory() + "-" + options.seed());
        this.driver = new SimulatedHypervisors(problem.fleet(), problem.policy(), problem.advisory(), kernel,
                random.split(), options.faults(), store, this::deliver, options.exactTiming());
        SplittableRandom tenantRandom = random.split();
        Ports.Notifier tenants = n -> tenant(n, tenantRandom);
        Ports.Timer timer = (at, reason) -> kernel.at(at, () -> deliver(new Input.Wakeup(at, reason)));
        this.runner = new CampaignRunner(driver, store, tenants, timer);
        this.churn = new Churn(options.churn(), problem, kernel, random.split(), runtime, this::apply);
    }

    public static SimulationResult run(PlanningProblem problem, Plan plan, Options options) {
        return new Simulation(problem, plan, options).run();
    }

    /** How long the campaign takes to hear that a host died: the server's health watch calls a host down after two minutes. */
    static final long HOST_DOWN_HEARD_AFTER_MS = 120_000;

    private SimulationResult run() {
        apply(runtime.approve(0));
        churn.start();
        if (options.faults().advisoryChange() > 0) {
            changeHosts(random.split(), options.faults().advisoryChange());
        }
        if (options.faults().hostDown() > 0) {
            // each host dies with this probability, at a uniform time within the plan's predicted duration
            SplittableRandom r = random.split();
            long span = Math.max(1, plan.summary().makespanSeconds() * 1000);
            for (int h = 0; h < problem.fleet().hosts().size(); h++) {
                if (r.nextDouble() < options.faults().hostDown()) {
                    int host = h;
                    kernel.at((long) (r.nextDouble() * span), () -> driver.kill(host, HOST_DOWN_HEARD_AFTER_MS));
                }
            }
        }
        long lastProgress = 0;
        while (!runtime.settled() && kernel.step()) {
            if (kernel.now() > MAX_VIRTUAL_MS && !runtime.finished()) {
                apply(runtime.abort(kernel.now(), "simulation passed " + MAX_VIRTUAL_MS / 86_400_000L + " days of virtual time"));
            }
            if (options.progress() != null && kernel.processed() - lastProgress >= 20_000) {
                lastProgress = kernel.processed();
                options.progress().update(kernel.now(), runtime.stats().hostsPatched() + runtime.stats().hostsFailed(),
                        plan.steps().size());
            }
        }
        if (options.progress() != null) {
            options.progress().update(kernel.now(), runtime.stats().hostsPatched() + runtime.stats().hostsFailed(),
                    plan.steps().size());
        }
        List<String> violations = new ArrayList<>();
        int lost = 0;
        if (checker != null) {
            violations.addAll(checker.finish());
            lost = (int) violations.stream().filter(v -> v.startsWith(CampaignRule.NONE_LOST.label())).count();
        }
        if (!runtime.settled()) {
            violations.add("the campaign did not settle, no event left: " + runtime.describeInFlight());
        }
        CampaignStats s = runtime.stats();
        Long toDeadline = problem.secondsToDeadline();
        long makespan = (s.makespanMs() + 999) / 1000;
        List<long[]> timeline = new ArrayList<>();
        for (long[] t : s.vulnerableOverTime()) {
            timeline.add(new long[] {t[0] / 1000, t[1], t[2]});
        }
        String result = runtime.state() == CampaignState.COMPLETED ? "completed"
                : runtime.state().name().toLowerCase(java.util.Locale.ROOT);
        return new SimulationResult(plan.strategy(), options.seed(), options.faults().toString(), result,
                runtime.state() == CampaignState.COMPLETED ? "every planned host handled" : runtime.endReason(), makespan,
                plan.summary().makespanSeconds(), plan.summary().lowerBoundSeconds(),
                toDeadline == null ? null : toDeadline - makespan, plan.affectedHosts().size(), s.hostsPatched(), s.hostsFailed(),
                plan.skippedHosts().size(), s.hostsJoined(), s.hostsDropped(), s.liveMigrations(), s.relocations(), s.rebootsInPlace(), s.failedMigrations(),
                s.replaced(), s.rescued(), lost, violations,
                new SimulationResult.Events(s.noticed(), s.informational(), s.rescheduled(), s.tenantInitiated(), s.forced(),
                        s.completedEvents()),
                churn.result(lost),
                new TreeMap<>(s.perTenant()), timeline, kernel.processed(), store.records(), store.kept());
    }

    /** Each host, with probability {@code p}, changes status at a uniform time within the plan's predicted duration. */
    private void changeHosts(SplittableRandom r, double p) {
        long span = Math.max(1, plan.summary().makespanSeconds() * 1000);
        var advisory = problem.advisory();
        for (int h = 0; h < problem.fleet().hosts().size(); h++) {
            if (r.nextDouble() < p) {
                var host = problem.fleet().host(h);
                int index = h;
                Input change = advisory.affects(host) ? new Input.HostLeft(h, advisory.fixedVersionFor(host))
                        : new Input.HostJoined(h, host.hypervisor() + "-fixed");
                kernel.at((long) (r.nextDouble() * span), () -> {
                    driver.changed(index, change);
                    deliver(change);
                });
            }
        }
    }

    private void deliver(Input input) {
        apply(runtime.on(input, kernel.now()));
    }

    /** The runtime's facts are stored (and checked) first, then its effects are applied. */
    private void apply(Result result) {
        result.facts().forEach(store::append);
        runner.apply(result.effects(), kernel.now());
        if (options.observer() != null) {
            options.observer().accept(runtime);
        }
    }

    /** Simulated tenants: some act early, some reschedule, most wait (a live migration's notice is for information). */
    private void tenant(Effect.Notify n, SplittableRandom r) {
        if (n.state() != EventState.SCHEDULED || n.change().kind() == dev.ferry.core.planner.MoveKind.LIVE_MIGRATE) {
            return;
        }
        int i = instanceIndex(n.instance());
        // (the notice's event state is its new one: a scheduled event is a new one)
        if (!tenantAnswered.add(i)) {
            return;
        }
        double u = r.nextDouble();
        long now = kernel.now();
        long span = Math.max(1, n.notBeforeMs() - now);
        int instance = i;
        if (u < options.tenants().actEarly()) {
            kernel.at(now + (long) (r.nextDouble() * span), () -> deliver(new Input.TenantMoveNow(instance)));
        } else if (u < options.tenants().actEarly() + options.tenants().reschedule()) {
            // in whole hours times an hour, as ever: the same seed draws the same delay to the millisecond
            long later = n.notBeforeMs() + TenantModel.RESCHEDULE_MIN_MS
                    + (long) (r.nextDouble() * ((TenantModel.RESCHEDULE_MAX_MS - TenantModel.RESCHEDULE_MIN_MS) / 3_600_000L) * 3_600_000L);
            long to = Math.min(later, n.deadlineMs());
            kernel.at(now + (long) (r.nextDouble() * span), () -> deliver(new Input.TenantReschedule(instance, to)));
        }
    }

    private int instanceIndex(String id) {
        return problem.fleet().instanceIndex(id);
    }
}
