package dev.ferry.core.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.TestFleets;
import dev.ferry.core.model.AntiAffinity;
import dev.ferry.core.model.HostState;
import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.MaintenanceDurations;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.LowerBound;
import dev.ferry.core.planner.Move;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanSummary;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.core.planner.Step;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * One broken plan per rule P1..P12: the verifier names exactly the rule that is broken (a verifier
 * that cannot fail proves nothing, and one that blames the wrong rule misleads the reviewer).
 */
class PlanVerifierTest {
    /** patch 8 min + reboot 5 min. */
    private static final long STEP = 780;

    // az1: h1, h3 affected; h2 safe; h5 safe but icelake; h6 safe and nearly full. az2: h4 safe.
    // i-1 (migrate) and i-2 (restart) on h1, both in group g (one per host, at most one disrupted);
    // i-3 fills 14 of h6's 16 cpus.
    private static TestFleets fleet(AntiAffinity antiAffinity) {
        return TestFleets.builder()
                .host("h1", "az1", "r1", true).host("h2", "az1", "r2", false).host("h3", "az1", "r3", true)
                .host("h4", "az2", "r4", false)
                .host("h5", "az1", "r5", false, 16, 65536, "icelake", true, HostState.ACTIVE)
                .host("h6", "az1", "r6", false)
                .group("g", antiAffinity, 1)
                .instance("h1", 4, 8192, OnHostMaintenance.MIGRATE, "g")
                .instance("h1", 4, 8192, OnHostMaintenance.RESTART, "g")
                .instance("h6", 14, 8192);
    }

    private static final PlanningProblem PROBLEM = fleet(AntiAffinity.HOST).problem(TestFleets.simplePolicy());

    private static Move live(String instance, String to) {
        return new Move(instance, "h1", to, MoveKind.LIVE_MIGRATE, false, "test");
    }

    private static Move relocate(String instance, String to) {
        return new Move(instance, "h1", to, MoveKind.RELOCATE, false, "test");
    }

    private static Step h1(long start, Move... moves) {
        return new Step("h1", "az1", start, start + STEP, List.of(moves), false);
    }

    private static Step h3(long start, long end) {
        return new Step("h3", "az1", start, end, List.of(), false);
    }

    /** A plan whose summary agrees with its steps, so only the rule under test can break. */
    private static Plan plan(Step... steps) {
        List<Step> list = List.of(steps);
        long makespan = list.stream().mapToLong(Step::end).max().orElse(0);
        List<Move> moves = list.stream().flatMap(s -> s.moves().stream()).toList();
        PlanSummary summary = new PlanSummary(makespan, 0, count(moves, MoveKind.LIVE_MIGRATE), count(moves, MoveKind.RELOCATE),
                count(moves, MoveKind.REBOOT_IN_PLACE), (int) moves.stream().filter(Move::bootstrap).count(), 1, 1.0, null);
        return new Plan("XSA-TEST", "test", true, List.of(), List.of("h1", "h3"), list, List.of(), summary,
                new LowerBound(0, List.of()));
    }

    private static int count(List<Move> moves, MoveKind kind) {
        return (int) moves.stream().filter(m -> m.kind() == kind).count();
    }

    private static Plan valid() {
        return plan(h1(0, live("i-1", "h2"), relocate("i-2", "h5")), h3(STEP, 2 * STEP));
    }

    private static Policy policy(int maxHosts, int canaries, Duration soak, Duration notice) {
        return new Policy(maxHosts, 5, 1, canaries, soak, notice, LiveMigrationPolicy.DEFAULTS, 3, MaintenanceDurations.DEFAULTS);
    }

    private static PlanningProblem with(Policy policy) {
        return new PlanningProblem(PROBLEM.fleet(), PROBLEM.advisory(), policy, PROBLEM.start());
    }

    /** The ids of the rules the violations name; each violation must start with a rule's label. */
    private static Set<String> rulesBroken(PlanningProblem problem, Plan plan) {
        List<String> violations = PlanVerifier.verify(problem, plan);
        return violations.stream().map(v -> Arrays.stream(PlanRule.values()).filter(r -> v.startsWith(r.label() + ": "))
                .findFirst().map(PlanRule::id).orElse("unlabelled: " + v)).collect(Collectors.toSet());
    }

    @Test
    void theValidPlanPasses() {
        assertThat(PlanVerifier.verify(PROBLEM, valid())).isEmpty();
    }

    @Test
    void p1AnAffectedHostNeitherPlannedNorSkipped() {
        Plan missing = plan(h1(0, live("i-1", "h2"), relocate("i-2", "h5")));
        assertThat(rulesBroken(PROBLEM, missing)).containsExactly("P1");
        assertThat(PlanVerifier.verify(PROBLEM, missing)).anyMatch(v -> v.contains("h3 is neither planned nor skipped"));
    }

    @Test
    void p2AnInstanceLeftBehind() {
        Plan plan = plan(h1(0, live("i-1", "h2")), h3(STEP, 2 * STEP));
        assertThat(rulesBroken(PROBLEM, plan)).containsExactly("P2");
    }

    @Test
    void p3AHostOverCapacity() {
        // h6 has 2 cpus left; i-1 needs 4
        Plan plan = plan(h1(0, live("i-1", "h6"), relocate("i-2", "h2")), h3(STEP, 2 * STEP));
        assertThat(rulesBroken(PROBLEM, plan)).containsExactly("P3");
    }

    @Test
    void p4TwoMembersOfAHostAntiAffinityGroupOnOneHost() {
        Plan plan = plan(h1(0, live("i-1", "h2"), relocate("i-2", "h2")), h3(STEP, 2 * STEP));
        assertThat(rulesBroken(PROBLEM, plan)).containsExactly("P4");
    }

    @Test
    void p5AGroupDisruptedBeyondItsBudget() {
        PlanningProblem loose = fleet(AntiAffinity.NONE).problem(TestFleets.simplePolicy());
        Plan plan = plan(h1(0, relocate("i-1", "h2"), relocate("i-2", "h2")), h3(STEP, 2 * STEP));
        assertThat(rulesBroken(loose, plan)).containsExactly("P5");
    }

    @Test
    void p6MoreHostsInMaintenanceThanTheCap() {
        Plan plan = plan(h1(0, live("i-1", "h2"), relocate("i-2", "h5")), h3(0, STEP));
        assertThat(rulesBroken(with(policy(1, 0, Duration.ZERO, Duration.ZERO)), plan)).containsExactly("P6");
        assertThat(rulesBroken(with(policy(2, 0, Duration.ZERO, Duration.ZERO)), plan)).isEmpty();
    }

    @Test
    void p7NothingStartsBeforeTheCanarySoakEnds() {
        Step canary = new Step("h1", "az1", 0, STEP, List.of(live("i-1", "h2"), relocate("i-2", "h5")), true);
        PlanningProblem soaking = with(policy(20, 1, Duration.ofMinutes(10), Duration.ZERO));
        assertThat(rulesBroken(soaking, plan(canary, h3(STEP, 2 * STEP)))).containsExactly("P7");
        assertThat(rulesBroken(soaking, plan(canary, h3(STEP + 600, 2 * STEP + 600)))).isEmpty();
    }

    @Test
    void p8ADestinationInAnotherZone() {
        Plan plan = plan(h1(0, relocate("i-1", "h4"), live("i-2", "h2")), h3(STEP, 2 * STEP));
        // i-2 restarts rather than migrates, but a live migration of it is allowed when the hosts can
        assertThat(rulesBroken(PROBLEM, plan)).containsExactly("P8");
    }

    @Test
    void p8AVulnerableDestinationWithoutTheBootstrapMark() {
        Plan plan = plan(h3(0, STEP), h1(STEP + 1, live("i-1", "h2"), relocate("i-2", "h5")));
        assertThat(rulesBroken(PROBLEM, plan)).isEmpty();
        Plan early = plan(h1(0, live("i-1", "h3"), relocate("i-2", "h5")), h3(STEP, 2 * STEP));
        // P2 too: i-1 is then left on h3 when h3 reboots
        assertThat(rulesBroken(PROBLEM, early)).contains("P8");
        assertThat(PlanVerifier.verify(PROBLEM, early)).anyMatch(v -> v.contains("h3 which is vulnerable but bootstrap is false"));
    }

    @Test
    void p9LiveMigrationBetweenCpuModels() {
        Plan plan = plan(h1(0, live("i-1", "h5"), relocate("i-2", "h2")), h3(STEP, 2 * STEP));
        assertThat(rulesBroken(PROBLEM, plan)).containsExactly("P9");
    }

    @Test
    void p10ADisruptionBeforeTheNotice() {
        PlanningProblem hour = with(policy(20, 0, Duration.ZERO, Duration.ofHours(1)));
        assertThat(rulesBroken(hour, valid())).containsExactly("P10");
        assertThat(rulesBroken(hour, plan(h1(3600, live("i-1", "h2"), relocate("i-2", "h5")), h3(3600 + STEP, 3600 + 2 * STEP))))
                .isEmpty();
    }

    @Test
    void p11AStepShorterThanPatchAndReboot() {
        Plan plan = plan(h1(0, live("i-1", "h2"), relocate("i-2", "h5")), h3(STEP, STEP + 100));
        assertThat(rulesBroken(PROBLEM, plan)).containsExactly("P11");
    }

    @Test
    void p12ASummaryThatDisagreesWithTheSteps() {
        Plan good = valid();
        PlanSummary s = good.summary();
        Plan bad = new Plan(good.advisory(), good.strategy(), true, List.of(), good.affectedHosts(), good.steps(), List.of(),
                new PlanSummary(s.makespanSeconds() + 1, s.lowerBoundSeconds(), s.liveMigrations(), s.relocations(), s.rebootsInPlace(),
                        s.bootstrapMoves(), s.maxConcurrentHosts(), s.disruptionsPerAffectedInstance(), null),
                good.lowerBound());
        assertThat(rulesBroken(PROBLEM, bad)).containsExactly("P12");
    }
}
