package dev.ferry.core.campaign.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.TestFleets;
import dev.ferry.core.campaign.CampaignRuntime;
import dev.ferry.core.campaign.Effect;
import dev.ferry.core.campaign.Input;
import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.MaintenanceDurations;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import java.time.Duration;
import java.util.NavigableSet;
import org.junit.jupiter.api.Test;

/** The queue of steps not started: plan order, readiness in time, per zone, and steps that leave it. */
class StepQueueTest {
    // Five steps in plan order 0..4; steps 0, 2, 4 in zone 0 and steps 1, 3 in zone 1.
    private final StepQueue queue = new StepQueue(2, new int[] {0, 1, 0, 1, 0});

    @Test
    void aNewQueueHoldsEveryStepButNoneIsReadyBeforeItsTimeIsSet() {
        assertThat(queue.size()).isEqualTo(5);
        assertThat(queue.isEmpty()).isFalse();
        assertThat(queue.zones()).isEqualTo(2);
        for (int s = 0; s < 5; s++) {
            assertThat(queue.queued(s)).isTrue();
            assertThat(queue.readyAt(s)).isZero();
        }
        assertThat(queue.promote(Long.MAX_VALUE)).as("nothing was given a time").isFalse();
        assertThat(queue.ready(0)).isEmpty();
        assertThat(queue.ready(1)).isEmpty();
        assertThat(queue.nextReadyAt()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void stepsBecomeReadyInTheirOwnZoneOnceTheirTimeHasCome() {
        queue.readyAt(0, 0);
        queue.readyAt(1, 100);
        queue.readyAt(2, 50);
        queue.readyAt(3, 0);
        queue.readyAt(4, 100);
        assertThat(queue.promote(0)).isTrue();
        assertThat(queue.ready(0)).containsExactly(0);
        assertThat(queue.ready(1)).containsExactly(3);
        assertThat(queue.nextReadyAt()).isEqualTo(50);
        assertThat(queue.promote(49)).isFalse();
        assertThat(queue.promote(50)).isTrue();
        assertThat(queue.ready(0)).containsExactly(0, 2);
        assertThat(queue.nextReadyAt()).isEqualTo(100);
        assertThat(queue.promote(100)).isTrue();
        assertThat(queue.ready(0)).containsExactly(0, 2, 4);
        assertThat(queue.ready(1)).containsExactly(1, 3);
        assertThat(queue.nextReadyAt()).isEqualTo(Long.MAX_VALUE);
        assertThat(queue.size()).as("ready steps are still queued").isEqualTo(5);
    }

    @Test
    void aLatePromoteCatchesUpOnEverythingDue() {
        queue.readyAt(4, 30);
        queue.readyAt(2, 20);
        queue.readyAt(0, 10);
        assertThat(queue.promote(1_000)).isTrue();
        assertThat(queue.ready(0)).as("plan order, not the order they became ready").containsExactly(0, 2, 4);
        assertThat(queue.ready(1)).isEmpty();
    }

    @Test
    void aLaterReadyTimeTakesAReadyStepOutUntilThen() {
        queue.readyAt(2, 0);
        queue.promote(0);
        assertThat(queue.ready(0)).containsExactly(2);
        queue.readyAt(2, 500); // a tenant rescheduled its event
        assertThat(queue.ready(0)).as("at once, not at the next promote").isEmpty();
        assertThat(queue.readyAt(2)).isEqualTo(500);
        assertThat(queue.promote(499)).isFalse();
        assertThat(queue.ready(0)).isEmpty();
        assertThat(queue.promote(500)).isTrue();
        assertThat(queue.ready(0)).containsExactly(2);
    }

    @Test
    void theReadyTimeAStepWasMovedAwayFromNeverPromotesIt() {
        queue.readyAt(1, 100);
        queue.readyAt(1, 500);
        assertThat(queue.promote(100)).as("the entry for 100 is stale").isFalse();
        assertThat(queue.ready(1)).isEmpty();
        assertThat(queue.nextReadyAt()).isEqualTo(500);
        assertThat(queue.promote(500)).isTrue();
        assertThat(queue.ready(1)).containsExactly(1);
    }

    @Test
    void aRemovedStepLeavesTheQueueAndItsZonesReadySet() {
        for (int s = 0; s < 5; s++) {
            queue.readyAt(s, 0);
        }
        queue.promote(0);
        queue.remove(2); // started
        assertThat(queue.queued(2)).isFalse();
        assertThat(queue.size()).isEqualTo(4);
        assertThat(queue.ready(0)).containsExactly(0, 4);
        assertThat(queue.ready(1)).containsExactly(1, 3);
    }

    @Test
    void aStepRemovedBeforeItsTimeIsNotPromotedWhenTheTimeComes() {
        queue.readyAt(3, 100);
        queue.remove(3); // skipped
        assertThat(queue.promote(100)).isFalse();
        assertThat(queue.ready(1)).isEmpty();
        assertThat(queue.queued(3)).isFalse();
    }

    @Test
    void aRemovedStepIsNeverQueuedAgain() {
        queue.readyAt(1, 70);
        queue.remove(1);
        queue.readyAt(1, 10); // a late reschedule of an event whose step has started
        assertThat(queue.readyAt(1)).as("the time is not changed either").isEqualTo(70);
        assertThat(queue.queued(1)).isFalse();
        assertThat(queue.promote(Long.MAX_VALUE)).isFalse();
        assertThat(queue.ready(1)).isEmpty();
        assertThat(queue.size()).isEqualTo(4);
    }

    @Test
    void firstAndNextWalkTheQueuedStepsInPlanOrder() {
        queue.remove(0);
        queue.remove(3);
        assertThat(queue.first()).isEqualTo(1);
        assertThat(queue.next(1)).isEqualTo(2);
        assertThat(queue.next(2)).isEqualTo(4);
        assertThat(queue.next(4)).isEqualTo(-1);
    }

    @Test
    void firstFollowsTheQueueAsItsHeadIsRemoved() {
        assertThat(queue.first()).isZero();
        queue.remove(0);
        queue.remove(1);
        assertThat(queue.first()).isEqualTo(2);
        queue.remove(3);
        assertThat(queue.first()).as("a gap behind the head does not matter").isEqualTo(2);
        queue.remove(2);
        assertThat(queue.first()).isEqualTo(4);
    }

    @Test
    void aQueueWhoseStepsAllLeftIsEmpty() {
        for (int s = 0; s < 5; s++) {
            queue.remove(s);
        }
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.size()).isZero();
        assertThat(queue.first()).isEqualTo(-1);
    }

    /**
     * Once the queue is empty, first() keeps answering -1 (it used to keep -1 in its cursor and
     * throw IndexOutOfBoundsException from BitSet.nextSetBit(-1) on the next call).
     */
    @Test
    void firstIsMinusOneEveryTimeItIsAskedOnAnEmptyQueue() {
        for (int s = 0; s < 5; s++) {
            queue.remove(s);
        }
        assertThat(queue.first()).isEqualTo(-1);
        assertThat(queue.first()).isEqualTo(-1);
    }

    /**
     * The same through the runtime: a plan with one host, a canary. Its live migration fails
     * (not converging), the fallback relocation needs an hour's notice, so the host is parked and
     * gives its slot back. Every input that may let a step start now runs the canary start, which asks
     * the (empty) queue for its first step, again and again.
     */
    @Test
    void aParkedLoneCanarySurvivesTwoTenantRequests() {
        PlanningProblem problem = TestFleets.builder()
                .host("a1", "az1", "r1", true).host("s1", "az1", "r2", false)
                .instance("a1", 2, 2048)
                .problem(new Policy(1, 1, 1, 1, Duration.ZERO, Duration.ofHours(1), LiveMigrationPolicy.DEFAULTS, 3,
                        MaintenanceDurations.DEFAULTS));
        Plan plan = new FerryStrategy().plan(problem);
        CampaignRuntime runtime = new CampaignRuntime(problem, plan, "c");
        Effect.StartMove move = runtime.approve(0).effects().stream().filter(e -> e instanceof Effect.StartMove)
                .map(e -> (Effect.StartMove) e).findFirst().orElseThrow();
        runtime.on(new Input.MoveFailed(move.moveId(), "did not converge", true), 10);
        assertThat(runtime.view().steps().parked()).hasSize(1);
        runtime.on(new Input.TenantMoveNow(0), 100);
        runtime.on(new Input.TenantMoveNow(0), 200); // used to throw IndexOutOfBoundsException
        assertThat(runtime.view().steps().parked()).hasSize(1);
    }

    @Test
    void theReadySetIsAReadOnlyViewThatFollowsTheQueue() {
        NavigableSet<Integer> zone0 = queue.ready(0);
        assertThatThrownBy(() -> zone0.add(0)).isInstanceOf(UnsupportedOperationException.class);
        queue.readyAt(4, 5);
        queue.promote(5);
        assertThat(zone0).as("the view taken before sees the promotion").containsExactly(4);
    }

    @Test
    void describeListsEachQueuedStepWithItsReadyTime() {
        queue.readyAt(0, 0);
        queue.readyAt(1, 100);
        queue.readyAt(2, 50);
        queue.readyAt(3, 0);
        queue.readyAt(4, 100);
        queue.remove(1);
        assertThat(queue.describe()).isEqualTo("0@0 2@50 3@0 4@100 ");
    }
}
