package dev.ferry.core.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.TestFleets;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.MaintenanceDurations;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.PlanningProblem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A rescue whose target goes down before it answers starts again elsewhere with a newer placement
 * epoch than the one the fenced target was sent (a fence by superseded epochs depends on it), and a
 * late start reported by that target is not taken for the rescue.
 */
class RescueTargetTest {
    private final PlanningProblem problem = TestFleets.builder()
            .host("a1", "az1", "r1", true).host("s1", "az1", "r2", false).host("s2", "az1", "r3", false)
            .instance("a1", 2, 2048, OnHostMaintenance.RESTART, null)
            .problem(new Policy(1, 1, 1, 0, Duration.ZERO, Duration.ofHours(1), LiveMigrationPolicy.DEFAULTS, 3,
                    MaintenanceDurations.DEFAULTS));
    private final CampaignRuntime runtime = new CampaignRuntime(problem, new FerryStrategy().plan(problem), "c");
    private final List<HistoryRecord> history = new ArrayList<>();

    private List<Effect> call(Result r) {
        history.addAll(r.facts());
        return r.effects();
    }

    private Effect.StartInstance rescue(List<Effect> effects) {
        return effects.stream().filter(Effect.StartInstance.class::isInstance).map(Effect.StartInstance.class::cast).findFirst()
                .orElseThrow();
    }


    @Test
    void aRescueAfterItsTargetWasFencedCarriesANewerEpochAndTheFencedTargetsLateStartIsIgnored() {
        int a1 = problem.fleet().hostIndex("a1");
        call(runtime.approve(0));
        call(runtime.on(new Input.HostDown(a1), 1_000));
        Effect.StartInstance first = rescue(call(runtime.on(new Input.HostFenced(a1, Fact.Fence.EPOCHS_SUPERSEDED), 2_000)));
        call(runtime.on(new Input.HostDown(first.host()), 3_000));
        Effect.StartInstance second = rescue(call(runtime.on(new Input.HostFenced(first.host(), Fact.Fence.EPOCHS_SUPERSEDED), 4_000)));
        assertThat(second.host()).isNotEqualTo(first.host());
        assertThat(second.epoch()).as("newer than what the fenced target was sent").isGreaterThan(first.epoch());

        int before = history.size();
        call(runtime.on(new Input.InstanceStarted(0, first.host(), first.epoch()), 5_000));
        assertThat(history.subList(before, history.size())).noneMatch(r -> r.fact() instanceof Fact.DisruptionEnded);
        call(runtime.on(new Input.InstanceStarted(0, second.host(), second.epoch()), 6_000));
        assertThat(history).anyMatch(r -> r.fact() instanceof Fact.DisruptionEnded e && e.end() == Fact.DisruptionEnd.RESCUED
                && e.host().equals(problem.fleet().host(second.host()).id()) && e.epoch() == second.epoch());
        assertThat(runtime.currentHost(0)).isEqualTo(second.host());
    }
}
