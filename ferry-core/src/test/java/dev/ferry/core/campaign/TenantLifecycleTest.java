package dev.ferry.core.campaign;

import dev.ferry.core.history.RefusalReason;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.TestFleets;
import dev.ferry.core.history.EventCause;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.MaintenanceDurations;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.core.verify.InvariantChecker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tenants keep using their instances during a campaign: the runtime's decisions for a stop, a
 * start, a reboot and a terminate, driven by hand and read from its facts and effects.
 */
class TenantLifecycleTest {
    private static final long HOUR = 3_600_000;
    // a1, a2 affected (one at a time); s1, s2 safe. Instances 0, 1 (i-1, i-2) on a1 and 2 (i-3) on a2 restart (they get
    // events); 3 (i-4) on a2 migrates.
    private final PlanningProblem problem = TestFleets.builder()
            .host("a1", "az1", "r1", true).host("a2", "az1", "r2", true).host("s1", "az1", "r3", false).host("s2", "az1", "r4", false)
            .instance("a1", 2, 2048, OnHostMaintenance.RESTART, null).instance("a1", 2, 2048, OnHostMaintenance.RESTART, null)
            .instance("a2", 2, 2048, OnHostMaintenance.RESTART, null).instance("a2", 2, 2048)
            .problem(new Policy(1, 1, 1, 0, Duration.ZERO, Duration.ofHours(1), LiveMigrationPolicy.DEFAULTS, 3,
                    MaintenanceDurations.DEFAULTS));
    private final Plan plan = new FerryStrategy().plan(problem);
    private final CampaignRuntime runtime = new CampaignRuntime(problem, plan, "c");
    private final List<HistoryRecord> history = new ArrayList<>();
    private final List<Fact> facts = new ArrayList<>();

    private List<Effect> call(Result r) {
        history.addAll(r.facts());
        facts.clear();
        r.facts().forEach(h -> facts.add(h.fact()));
        return r.effects();
    }

    private <T extends Fact> List<T> facts(Class<T> type) {
        return facts.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static <T extends Effect> List<T> effects(List<Effect> effects, Class<T> type) {
        return effects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private int host(String id) {
        return problem.fleet().hostIndex(id);
    }

    private EventState event(int instance) {
        return runtime.view().events().get(instance).state();
    }

    @Test
    void aStopCancelsTheEventAndAStartLandsOnASafeHost() {
        call(runtime.approve(0));
        assertThat(event(0)).isEqualTo(EventState.SCHEDULED);
        List<Effect> stop = call(runtime.on(new Input.TenantStop(0, false), HOUR / 2));
        assertThat(facts(Fact.TenantStopped.class)).containsExactly(new Fact.TenantStopped("i-1", "a1", false));
        assertThat(facts(Fact.EventChanged.class)).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(EventState.CANCELLED);
            assertThat(e.cause()).isEqualTo(EventCause.STOPPED_BY_TENANT);
        });
        assertThat(effects(stop, Effect.StopInstance.class)).containsExactly(new Effect.StopInstance(
                effects(stop, Effect.StopInstance.class).get(0).key(), 0, host("a1"), false));
        long freeBefore = runtime.view().live().freeMilliCpu(host("a1"));
        call(runtime.on(new Input.InstanceStopped(0, host("a1")), HOUR / 2 + 1));
        assertThat(runtime.view().live().freeMilliCpu(host("a1"))).as("room given back once stopped").isEqualTo(freeBefore + 2000);

        List<Effect> start = call(runtime.on(new Input.TenantStart(0), HOUR / 2 + 2));
        Effect.StartInstance s = effects(start, Effect.StartInstance.class).get(0);
        assertThat(problem.fleet().host(s.host()).id()).isIn("s1", "s2");
        assertThat(s.epoch()).isEqualTo(2);
        // while it comes up, it cannot be stopped or rebooted: its start is in flight
        call(runtime.on(new Input.TenantReboot(0), HOUR / 2 + 3));
        assertThat(facts(Fact.Refused.class)).singleElement().extracting(Fact.Refused::reason).isEqualTo(RefusalReason.STARTING);
        call(runtime.on(new Input.InstanceStarted(0, s.host(), 2), HOUR / 2 + 4));
        assertThat(facts(Fact.DisruptionEnded.class)).singleElement().extracting(Fact.DisruptionEnded::end)
                .isEqualTo(Fact.DisruptionEnd.STARTED);
        assertThat(runtime.currentHost(0)).isEqualTo(s.host());
        assertThat(runtime.stats().tenantStarts()).isEqualTo(1);
    }

    @Test
    void aRebootStaysOnItsHostAndLeavesTheEventScheduled() {
        call(runtime.approve(0));
        List<Effect> reboot = call(runtime.on(new Input.TenantReboot(1), 10));
        assertThat(facts(Fact.TenantRebooted.class)).containsExactly(new Fact.TenantRebooted("i-2", "a1"));
        assertThat(effects(reboot, Effect.RebootInstance.class)).singleElement().satisfies(r -> {
            assertThat(r.instance()).isEqualTo(1);
            assertThat(r.host()).isEqualTo(host("a1"));
        });
        assertThat(event(1)).isEqualTo(EventState.SCHEDULED);
        assertThat(runtime.currentHost(1)).isEqualTo(host("a1"));
    }

    @Test
    void onlyAnInstanceWithAMoveInFlightIsRefused() {
        call(runtime.approve(0));
        // the notice has run out: the first host's moves start
        List<Effect> started = call(runtime.on(new Input.Wakeup(HOUR, WakeupReason.ready()), HOUR));
        Effect.StartMove m = effects(started, Effect.StartMove.class).get(0);
        call(runtime.on(new Input.TenantStop(m.instance(), false), HOUR + 1));
        assertThat(facts(Fact.Refused.class)).singleElement().extracting(Fact.Refused::reason)
                .isEqualTo(RefusalReason.MOVE_IN_FLIGHT);
        call(runtime.on(new Input.TenantReboot(m.instance()), HOUR + 2));
        assertThat(facts(Fact.Refused.class)).singleElement().extracting(Fact.Refused::reason)
                .isEqualTo(RefusalReason.MOVE_IN_FLIGHT);
        // an instance on a host whose step has not started is not refused
        int other = m.from() == host("a1") ? 2 : 0;
        call(runtime.on(new Input.TenantReboot(other), HOUR + 3));
        assertThat(facts(Fact.Refused.class)).isEmpty();
        // once the move is done, the instance is the tenant's again
        call(runtime.on(new Input.MoveCompleted(m.moveId(), 5), HOUR + 4));
        call(runtime.on(new Input.TenantReboot(m.instance()), HOUR + 5));
        assertThat(facts(Fact.TenantRebooted.class)).hasSize(1);
    }

    @Test
    void aTerminateCancelsTheEventAndTheCampaignGoesOnWithoutIt() {
        call(runtime.approve(0));
        call(runtime.on(new Input.TenantStop(2, true), 10));
        assertThat(facts(Fact.EventChanged.class)).singleElement().extracting(Fact.EventChanged::cause)
                .isEqualTo(EventCause.TERMINATED_BY_TENANT);
        call(runtime.on(new Input.InstanceStopped(2, host("a2")), 11));
        call(runtime.on(new Input.TenantStart(2), 12));
        assertThat(facts(Fact.Refused.class)).singleElement().extracting(Fact.Refused::reason).isEqualTo(RefusalReason.TERMINATED);
        InvariantChecker checker = new InvariantChecker(problem, plan);
        history.forEach(checker::accept);
        assertThat(checker.violations()).isEmpty();
    }
}
