package dev.ferry.core.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.TestFleets;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.core.lifecycle.Lifecycle;
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
    private final CampaignRuntime runtime = new CampaignRuntime(problem, plan, "c");

    /** The effects of a call; its facts are kept, as a store would. */
    private List<Effect> keep(Result r) {
        facts.addAll(r.facts());
        return r.effects();
    }

    private static long cordons(List<Effect> effects) {
        return effects.stream().filter(e -> e instanceof Effect.Cordon).count();
    }

    private static Effect.StartMove move(List<Effect> effects) {
        return effects.stream().filter(e -> e instanceof Effect.StartMove).map(e -> (Effect.StartMove) e).findFirst()
                .orElseThrow();
    }

    /** Runs one host through patch, reboot and verification; returns the effects of its return. */
    private List<Effect> finishHost(Effect.StartMove m, long t) {
        keep(runtime.on(new Input.MoveCompleted(m.moveId(), 10), t));
        keep(runtime.on(new Input.HostPatched(m.from()), t + 1));
        keep(runtime.on(new Input.HostRebooted(m.from(), "new"), t + 2));
        return keep(runtime.on(new Input.HostVerified(m.from(), "new"), t + 3));
    }

    @Test
    void pausedCampaignsStartNothingNewAndResumeWhereTheyStopped() {
        List<Effect> first = keep(runtime.approve(0));
        assertThat(cordons(first)).isEqualTo(1);
        Effect.StartMove m = move(first);
        keep(runtime.pause(5));
        assertThat(runtime.state()).isEqualTo(CampaignState.PAUSED);
        List<Effect> afterReturn = finishHost(m, 10);
        assertThat(cordons(afterReturn)).as("no host starts while paused").isZero();
        List<Effect> resumed = keep(runtime.resume(20));
        assertThat(runtime.state()).isEqualTo(CampaignState.RUNNING);
        assertThat(cordons(resumed)).as("the next host starts on resume").isEqualTo(1);
    }

    @Test
    void abortFinishesWhatIsInFlightAndEndsWithTheReason() {
        Effect.StartMove m = move(keep(runtime.approve(0)));
        keep(runtime.abort(5, "operator saw a bad canary"));
        assertThat(runtime.state()).isEqualTo(CampaignState.ABORTED);
        assertThat(runtime.settled()).as("a move is still in flight").isFalse();
        List<Effect> afterReturn = finishHost(m, 10);
        assertThat(cordons(afterReturn)).isZero();
        assertThat(runtime.settled()).isTrue();
        assertThat(runtime.stats().hostsPatched()).isEqualTo(1);
        assertThat(facts).anyMatch(f -> f.fact() instanceof Fact.CampaignChanged c && c.to() == CampaignState.ABORTED
                && c.reason().equals("operator saw a bad canary"));
        assertThat(facts).anyMatch(f -> f.fact() instanceof Fact.CampaignSettled s && s.state() == CampaignState.ABORTED);
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
        Effect.StartMove m = move(keep(runtime.approve(0)));
        keep(runtime.on(new Input.MoveCompleted(m.moveId(), 10), 1));
        int before = facts.size();
        List<Effect> again = keep(runtime.on(new Input.MoveCompleted(m.moveId(), 10), 2));
        assertThat(again.stream().filter(e -> !(e instanceof Effect.Wakeup))).isEmpty();
        assertThat(facts.subList(before, facts.size())).containsExactly(new HistoryRecord(2, dev.ferry.core.history.Actor.FERRY,
                new Fact.AnswerIgnored(m.moveId())));
    }
}
