package dev.ferry.core.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.ferry.core.TestFleets;
import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.MaintenanceDurations;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.Policy;
import dev.ferry.core.model.Tenant;
import dev.ferry.core.planner.LowerBound;
import dev.ferry.core.planner.Move;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanSummary;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.core.planner.Step;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The plan's expected duration with rescheduling tenants, against figures worked out by hand. Hosts
 * a1 and a2; i-1 and i-2 on a1, both relocated in one step at 3,600 s (the notice is an hour) that
 * ends at 4,500 s. A rescheduled event holds its step back: the step runs whole after the time it
 * was moved to.
 */
class ExpectedDurationTest {
    private static final long HOUR_MS = 3_600_000L;
    private static final long END = 4_500;

    private static PlanningProblem problem() {
        Fleet f = TestFleets.builder().host("a1", "az1", "r1", true).host("a2", "az1", "r2", true).fleet();
        List<Instance> instances = List.of(new Instance("i-1", "t1", "a1", 2, 2048, OnHostMaintenance.RESTART, null, 0),
                new Instance("i-2", "t2", "a1", 2, 2048, OnHostMaintenance.RESTART, null, 0));
        Fleet fleet = new Fleet(f.hosts(), instances, List.of(), List.of(new Tenant("t1", null), new Tenant("t2", null)));
        Advisory advisory = new Advisory("XSA-TEST", "test", TestFleets.ADVISORY.affects(), "new", true,
                TestFleets.START.plus(Duration.ofDays(10)));
        Policy policy = new Policy(20, 5, 1, 0, Duration.ZERO, Duration.ofHours(1), LiveMigrationPolicy.DEFAULTS, 3,
                MaintenanceDurations.DEFAULTS);
        return new PlanningProblem(fleet, advisory, policy, TestFleets.START);
    }

    /** The one step, i-2 moved as {@code second}, with the plan's slack as given. */
    private static Plan plan(MoveKind second, long slackSeconds) {
        return plan(List.of(new Step("a1", "az1", 3_600, END, List.of(new Move("i-1", "a1", "b1", MoveKind.RELOCATE, false, null),
                new Move("i-2", "a1", "b1", second, false, null)), false)), slackSeconds);
    }

    private static Plan plan(List<Step> steps, long slackSeconds) {
        long end = steps.get(steps.size() - 1).end();
        return new Plan("XSA-TEST", "ferry", true, List.of(), List.of("a1", "a2"), steps, List.of(),
                new PlanSummary(end, end, 0, 2, 0, 0, 1, 1, slackSeconds), new LowerBound(end, List.of()));
    }

    private static long expected(Plan plan, double share, long minMs, long maxMs) {
        return ExpectedDuration.makespanSeconds(problem(), plan, new ExpectedDuration.Tenants(share, minMs, maxMs));
    }

    @Test
    void withoutReschedulingTenantsItIsThePlansOwnPrediction() {
        assertThat(expected(plan(MoveKind.RELOCATE, 86_400), 0, HOUR_MS, 48 * HOUR_MS)).isEqualTo(END);
    }

    @Test
    void everyTenantReschedulingByTwoHoursEndsTheHostTwoHoursAndItsRestartLater() {
        // moved from 3,600 s to 10,800 s, then restarted, patched and rebooted: 11,700 s
        assertThat(expected(plan(MoveKind.RELOCATE, 86_400), 1, 2 * HOUR_MS, 2 * HOUR_MS)).isCloseTo(11_700L, within(2L));
    }

    @Test
    void noTenantReschedulesPastTheEventsDeadline() {
        // two hours of slack: the deadline is half of it past the planned time, 7,200 s
        assertThat(expected(plan(MoveKind.RELOCATE, 7_200), 1, 2 * HOUR_MS, 48 * HOUR_MS)).isCloseTo(8_100L, within(2L));
    }

    @Test
    void aTimeDrawnPastTheDeadlineIsMovedToIt() {
        // i-1 and i-2 alike: uniform over 4 h, cut at the deadline 2 h on: E = (2h)²/(2 * 4h) + 2h/2 = 1.5 h each, the later of
        // two: P(ended by 3,600 + x + 900) = (x / 4h)² below 2 h, 1 from there: E[max] = 2h - ∫(x/4h)² dx over [0, 2h] = 2h - 2h/12
        assertThat(expected(plan(MoveKind.RELOCATE, 14_400), 1, 0, 4 * HOUR_MS)).isCloseTo(END + 6_600, within(3L));
        // one of them (i-2 live): 1.5 h
        assertThat(expected(plan(MoveKind.LIVE_MIGRATE, 14_400), 1, 0, 4 * HOUR_MS)).isCloseTo(END + 5_400, within(3L));
    }

    @Test
    void halfTheTenantsReschedulingUniformlyAddTheExpectedLatestOfTwo() {
        // each extends the host by B*U*4h (B: reschedules, 1/2; U uniform): E[max of two] = 4h * (1 - ∫(1/2 + u/2)² du) = 6,000 s
        assertThat(expected(plan(MoveKind.RELOCATE, 864_000), 0.5, 0, 4 * HOUR_MS)).isCloseTo(END + 6_000, within(3L));
    }

    @Test
    void aRescheduledStepRunsWholeAfterIt() {
        // a step of an hour (a long live drain): moved from 3,600 s to 10,800 s, it ends an hour later
        Plan plan = plan(List.of(new Step("a1", "az1", 3_600, 7_200, List.of(new Move("i-1", "a1", "b1", MoveKind.RELOCATE, false,
                null), new Move("i-2", "a1", "b1", MoveKind.LIVE_MIGRATE, false, null)), false)), 86_400);
        assertThat(expected(plan, 1, 2 * HOUR_MS, 2 * HOUR_MS)).isCloseTo(14_400L, within(2L));
    }

    @Test
    void aRescheduledCanaryHoldsBackEveryStepAfterIt() {
        // the canary a1 moved two hours on: a2's step, which no tenant can delay (it moves nothing), goes two hours later too
        Plan plan = plan(List.of(new Step("a1", "az1", 3_600, END, List.of(new Move("i-1", "a1", "b1", MoveKind.RELOCATE, false, null),
                new Move("i-2", "a1", "b1", MoveKind.LIVE_MIGRATE, false, null)), true), new Step("a2", "az1", END, 5_400, List.of(), false)),
                86_400);
        assertThat(expected(plan, 1, 2 * HOUR_MS, 2 * HOUR_MS)).isCloseTo(5_400L + 7_200, within(2L));
        assertThat(expected(plan, 0, 2 * HOUR_MS, 2 * HOUR_MS)).isEqualTo(5_400L);
    }

    @Test
    void aLiveMigrationsTenantAddsNothing() {
        // only i-1 can be rescheduled: E = 4h * (1 - ∫(1/2 + u/2) du) = 4h / 4 = 3,600 s
        assertThat(expected(plan(MoveKind.LIVE_MIGRATE, 864_000), 0.5, 0, 4 * HOUR_MS)).isCloseTo(END + 3_600, within(3L));
    }

    @Test
    void moreReschedulingTenantsNeverMakeItShorter() {
        long before = END;
        for (double share : new double[] {0, 0.01, 0.1, 0.3, 0.6, 1}) {
            long e = expected(plan(MoveKind.REBOOT_IN_PLACE, 86_400), share, HOUR_MS, 48 * HOUR_MS);
            assertThat(e).as("share " + share).isGreaterThanOrEqualTo(before);
            before = e;
        }
    }

    @Test
    void sharesAndDelaysOutOfRangeAreRefused() {
        assertThatThrownBy(() -> new ExpectedDuration.Tenants(1.5, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ExpectedDuration.Tenants(0.1, 2, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
