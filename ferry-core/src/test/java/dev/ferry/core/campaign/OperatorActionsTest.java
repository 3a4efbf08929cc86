package dev.ferry.core.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.TestFleets;
import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.MaintenanceDurations;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pause, resume and abort, driven by hand: the runtime's answers are effects, so they are checked directly. */
class OperatorActionsTest {
    // Four affected hosts, one at a time (maxHostsInMaintenance 1), two safe hosts with room.
    private final PlanningProblem problem = TestFleets.builder()
            .host("a1", "az1", "r1", true).host("a2", "az1", "r2", true).host("a3", "az1", "r3", true)
            .host("a4", "az1", "r4", true).host("s1", "az1", "r5", false).host("s2", "az1", "r6", false)
            .instance("a1", 2, 2048).instance("a2", 2, 2048).instance("a3", 2, 2048).instance("a4", 2, 2048)
            .problem(new Policy(1, 1, 1, 0, Duration.ZERO, Duration.ZERO, LiveMigrationPolicy.DEFAULTS, 3,
                    MaintenanceDurations.DEFAULTS));
    private final Plan plan = new FerryStrategy().plan(problem);
    private final List<HistoryRecord> facts = new ArrayList<>();
    private final CampaignRuntime runtime = new CampaignRuntime(problem, plan, "c", facts::add);

    private static long cordons(List<Effect> effects) {
        return effects.stream().filter(e -> e instanceof Effect.Cordon).count();
    }

    private static Effect.StartMove move(List<Effect> effects) {
        return effects.stream().filter(e -> e instanceof Effect.StartMove).map(e -> (Effect.StartMove) e).findFirst()
                .orElseThrow();
    }

    /** Runs one host through patch, reboot and verification; returns the effects of its return. */
    private List<Effect> finishHost(Effect.StartMove m, long t) {
        runtime.on(new Input.MoveCompleted(m.moveId(), 10), t);
        runtime.on(new Input.HostPatched(m.from()), t + 1);
        runtime.on(new Input.HostRebooted(m.from(), "new"), t + 2);
        return runtime.on(new Input.HostVerified(m.from(), "new"), t + 3);
    }

    @Test
    void pausedCampaignsStartNothingNewAndResumeWhereTheyStopped() {
        List<Effect> first = runtime.approve(0);
        assertThat(cordons(first)).isEqualTo(1);
        Effect.StartMove m = move(first);
        runtime.pause(5);
        assertThat(runtime.state()).isEqualTo(CampaignState.PAUSED);
        List<Effect> afterReturn = finishHost(m, 10);
        assertThat(cordons(afterReturn)).as("no host starts while paused").isZero();
        List<Effect> resumed = runtime.resume(20);
        assertThat(runtime.state()).isEqualTo(CampaignState.RUNNING);
        assertThat(cordons(resumed)).as("the next host starts on resume").isEqualTo(1);
    }

    @Test
    void abortFinishesWhatIsInFlightAndEndsWithTheReason() {
        Effect.StartMove m = move(runtime.approve(0));
        runtime.abort(5, "operator saw a bad canary");
        assertThat(runtime.state()).isEqualTo(CampaignState.ABORTED);
        assertThat(runtime.settled()).as("a move is still in flight").isFalse();
        List<Effect> afterReturn = finishHost(m, 10);
        assertThat(cordons(afterReturn)).isZero();
        assertThat(runtime.settled()).isTrue();
        assertThat(runtime.stats().hostsPatched).isEqualTo(1);
        assertThat(facts).anyMatch(f -> f.operation().equals("campaign") && f.outcome().contains("operator saw a bad canary"));
    }

    @Test
    void illegalOperatorActionsAreRefused() {
        assertThatThrownBy(() -> runtime.resume(0)).isInstanceOf(Lifecycle.IllegalTransitionException.class);
        runtime.approve(0);
        runtime.abort(1, "stop");
        assertThatThrownBy(() -> runtime.pause(2)).isInstanceOf(Lifecycle.IllegalTransitionException.class);
    }

    @Test
    void aLateOrDuplicatedAnswerChangesNothing() {
        Effect.StartMove m = move(runtime.approve(0));
        runtime.on(new Input.MoveCompleted(m.moveId(), 10), 1);
        int before = facts.size();
        List<Effect> again = runtime.on(new Input.MoveCompleted(m.moveId(), 10), 2);
        assertThat(again.stream().filter(e -> !(e instanceof Effect.Wakeup))).isEmpty();
        assertThat(facts.subList(before, facts.size())).allMatch(f -> f.outcome().equals("ignored duplicate or late answer"));
    }
}
