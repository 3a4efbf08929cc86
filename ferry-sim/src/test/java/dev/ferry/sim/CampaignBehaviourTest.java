package dev.ferry.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.formats.FleetCollector;
import dev.ferry.formats.FleetGenerator;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the runtime does when things go wrong, seen through whole simulated campaigns. */
class CampaignBehaviourTest {

    private static PlanningProblem problem(int hosts, double nonLive, Policy policy) {
        FleetGenerator.Options d = FleetGenerator.Options.defaults(hosts, 11);
        FleetGenerator.Options o = new FleetGenerator.Options(hosts, 11, d.zones(), d.racksPerZone(), 10, 0.3, nonLive,
                d.groupShare(), 0.5, d.tenants());
        return new PlanningProblem(FleetCollector.generate(o), SimulationSmokeTest.XSA, policy, Scenarios.START);
    }

    private static Policy policy(int haltAfterFailures) {
        Policy p = Policy.DEFAULTS;
        return new Policy(p.maxHostsInMaintenance(), p.maxHostsPerZone(), p.zonesAtOnce(), 0, Duration.ZERO,
                Duration.ofHours(1), p.liveMigration(), haltAfterFailures, p.durations());
    }

    private static SimulationResult run(PlanningProblem p, FaultSpec faults, TenantModel tenants) {
        Plan plan = new FerryStrategy().plan(p);
        return Simulation.run(p, plan, new Simulation.Options(7, faults, tenants, true, true, null, null));
    }

    @Test
    void hostsThatComeBackUnpatchedStayCordonedAndHaltTheCampaign() {
        SimulationResult r = run(problem(60, 0.1, policy(2)), FaultSpec.parse("host-unpatched=1"), TenantModel.PASSIVE);
        assertThat(r.invariantViolations()).isEmpty();
        assertThat(r.result()).isEqualTo("halted");
        assertThat(r.reason()).contains("2 hosts failed (haltAfterFailures 2)").contains("came back unpatched");
        assertThat(r.hostsPatched()).isZero();
        // After the halt no new host enters maintenance.
        List<HistoryRecord> h = r.history();
        long haltedAt = h.stream().filter(x -> x.fact() instanceof Fact.CampaignChanged c && c.to() == CampaignState.HALTED)
                .findFirst().orElseThrow().timeMs();
        List<String> before = h.stream().filter(x -> x.fact() instanceof Fact.MaintenanceBegan && x.timeMs() <= haltedAt)
                .map(x -> x.fact().subject()).toList();
        assertThat(h.stream().filter(x -> x.fact() instanceof Fact.MaintenanceBegan && x.timeMs() > haltedAt)
                .map(x -> x.fact().subject())).allMatch(before::contains);
    }

    /** Two canaries, a soak, and (unless the policy says otherwise) a failed canary halts the rollout. */
    private static Policy canaries(dev.ferry.core.model.OnCanaryFailure onCanaryFailure) {
        Policy p = Policy.DEFAULTS;
        return new Policy(p.maxHostsInMaintenance(), p.maxHostsPerZone(), p.zonesAtOnce(), 2, Duration.ofMinutes(10),
                Duration.ofHours(1), p.liveMigration(), 100, p.durations()).withOnCanaryFailure(onCanaryFailure);
    }

    @Test
    void aFailedCanaryHaltsTheRolloutUnlessThePolicySaysContinue() {
        SimulationResult halted = run(problem(60, 0.1, canaries(dev.ferry.core.model.OnCanaryFailure.HALT)),
                FaultSpec.parse("host-unpatched=1"), TenantModel.PASSIVE);
        assertThat(halted.invariantViolations()).isEmpty();
        assertThat(halted.result()).isEqualTo("halted");
        assertThat(halted.reason()).startsWith("canary ").contains("came back unpatched").endsWith("(onCanaryFailure: halt)");
        assertThat(halted.hostsFailed()).isEqualTo(1); // the first canary; nothing began after it
        assertThat(halted.history().stream().filter(x -> x.fact() instanceof Fact.MaintenanceBegan)).hasSize(1);

        SimulationResult goesOn = run(problem(60, 0.1, canaries(dev.ferry.core.model.OnCanaryFailure.CONTINUE)),
                FaultSpec.parse("host-unpatched=1"), TenantModel.PASSIVE);
        assertThat(goesOn.invariantViolations()).isEmpty();
        assertThat(goesOn.result()).isEqualTo("completed");
        assertThat(goesOn.hostsFailed()).isEqualTo(goesOn.hostsAffected() - goesOn.hostsSkipped());
    }

    @Test
    void instancesOfAHostThatNeverComesBackAreRestartedElsewhere() {
        SimulationResult r = run(problem(60, 0.6, policy(100)), FaultSpec.parse("host-lost=0.3"), TenantModel.PASSIVE);
        assertThat(r.invariantViolations()).isEmpty();
        assertThat(r.lostInstances()).isZero();
        assertThat(r.hostsFailed()).isPositive();
        assertThat(r.rescued()).isPositive();
    }

    @Test
    void instancesOfAHostThatGoesDownRestartElsewhereOnlyOnceItIsFenced() {
        SimulationResult r = run(problem(60, 0.6, policy(100)), FaultSpec.parse("host-down=0.15"), TenantModel.PASSIVE);
        assertThat(r.invariantViolations()).isEmpty();
        assertThat(r.lostInstances()).isZero();
        assertThat(r.rescued()).isPositive();
        List<HistoryRecord> h = r.history();
        java.util.Map<String, Long> downAt = new java.util.HashMap<>();
        java.util.Map<String, Long> fencedAt = new java.util.HashMap<>();
        for (HistoryRecord x : h) {
            if (x.fact() instanceof Fact.HostDown d) {
                downAt.putIfAbsent(d.host(), x.timeMs());
            } else if (x.fact() instanceof Fact.HostFenced f) {
                assertThat(downAt).containsKey(f.host());
                fencedAt.putIfAbsent(f.host(), x.timeMs());
            } else if (x.fact() instanceof Fact.RescueNeeded n && downAt.containsKey(n.lostHost())) {
                assertThat(fencedAt).as("rescue of %s before %s is fenced", n.instance(), n.lostHost()).containsKey(n.lostHost());
            } else if (x.fact() instanceof Fact.Reserved res && downAt.containsKey(res.host())) {
                throw new AssertionError("reserved on " + res.host() + " after it went down: " + x);
            }
        }
        assertThat(downAt).isNotEmpty();
        assertThat(fencedAt.keySet()).isEqualTo(downAt.keySet());
        // a host of the campaign that went down before it was done fails with its reason
        assertThat(h).anyMatch(x -> x.fact() instanceof Fact.HostFailed f && f.why() == Fact.HostFailure.WENT_DOWN);
        assertThat(r.result()).isIn("completed", "halted");
    }

    @Test
    void hostsJoinAndLeaveTheCampaignAsTheAdvisoryChanges() {
        SimulationResult r = run(problem(60, 0.3, policy(100)), FaultSpec.parse("advisory-change=0.3"), TenantModel.PASSIVE);
        assertThat(r.invariantViolations()).isEmpty();
        assertThat(r.lostInstances()).isZero();
        assertThat(r.result()).isEqualTo("completed");
        List<HistoryRecord> h = r.history();
        List<String> joined = h.stream().filter(x -> x.fact() instanceof Fact.StepAdded).map(x -> x.fact().subject()).toList();
        List<String> dropped = h.stream().filter(x -> x.fact() instanceof Fact.HostDropped).map(x -> x.fact().subject()).toList();
        assertThat(joined).isNotEmpty();
        assertThat(dropped).isNotEmpty();
        // a host that joined is patched like the plan's, to the version it was given; one that left is not touched
        for (String host : joined) {
            assertThat(h).anyMatch(x -> x.fact() instanceof Fact.PhaseChanged p && p.host().equals(host)
                    && p.phase() == HostPhase.RETURNED || x.fact() instanceof Fact.HostFailed f && f.host().equals(host));
        }
        for (String host : dropped) {
            assertThat(h).noneMatch(x -> x.fact() instanceof Fact.MaintenanceBegan b && b.host().equals(host));
        }
        assertThat(h).anyMatch(x -> x.fact() instanceof Fact.EventChanged e && e.cause() == dev.ferry.core.history.EventCause.HOST_FIXED);
        assertThat(r.hostsPatched() + r.hostsFailed()).isEqualTo(r.hostsAffected() - r.hostsSkipped() + joined.size() - dropped.size());
    }

    @Test
    void failedMigrationsAreRetriedAndTheSourceKeepsRunning() {
        SimulationResult r = run(problem(60, 0.0, policy(100)), FaultSpec.parse("migration-fail=0.3,agent-crash=0.1"),
                TenantModel.PASSIVE);
        assertThat(r.invariantViolations()).isEmpty();
        assertThat(r.failedMigrations()).isPositive();
        assertThat(r.result()).isEqualTo("completed");
        assertThat(r.hostsPatched()).isEqualTo(r.hostsAffected() - r.hostsSkipped());
    }

    @Test
    void aCampaignWhoseMovesMostlyFailHaltsAtItsHealthGateUnlessTheGateIsOff() {
        FaultSpec failing = FaultSpec.parse("migration-fail=0.8");
        SimulationResult r = run(problem(60, 0.0, policy(100)), failing, TenantModel.PASSIVE);
        assertThat(r.invariantViolations()).isEmpty();
        assertThat(r.result()).isEqualTo("halted");
        assertThat(r.reason()).contains("moves failed within 60 min (haltOnFailedMoves: 50% of at least 10)");
        List<HistoryRecord> h = r.history();
        long haltedAt = h.stream().filter(x -> x.fact() instanceof Fact.CampaignChanged c && c.to() == CampaignState.HALTED)
                .findFirst().orElseThrow().timeMs();
        // the gate's figures are the history's: at least 10 of Ferry's moves ended in the hour before, half of them failed
        long ended = h.stream().filter(x -> x.timeMs() > haltedAt - 3_600_000 && x.timeMs() <= haltedAt
                && (x.fact() instanceof Fact.SwitchedOver || x.fact() instanceof Fact.RolledBack)).count();
        long failed = h.stream().filter(x -> x.timeMs() > haltedAt - 3_600_000 && x.timeMs() <= haltedAt
                && x.fact() instanceof Fact.RolledBack b && !b.notConverging()).count();
        assertThat(ended).isGreaterThanOrEqualTo(10);
        assertThat(2 * failed).isGreaterThanOrEqualTo(ended);
        assertThat(r.reason()).startsWith(failed + " of the last " + ended + " moves failed");

        SimulationResult off = run(problem(60, 0.0, policy(100).withHaltOnFailedMoves(null)), failing, TenantModel.PASSIVE);
        assertThat(off.invariantViolations()).isEmpty();
        assertThat(off.failedMigrations()).isGreaterThan(r.failedMigrations());
        assertThat(off.reason()).doesNotContain("haltOnFailedMoves");
    }

    @Test
    void duplicatedAndLateAnswersAreIgnored() {
        SimulationResult r = run(problem(40, 0.2, policy(100)), FaultSpec.parse("duplicate=1,delay=0.5"), TenantModel.PASSIVE);
        assertThat(r.invariantViolations()).isEmpty();
        assertThat(r.history()).anyMatch(x -> x.fact() instanceof Fact.AnswerIgnored);
        assertThat(r.result()).isEqualTo("completed");
    }

    @Test
    void tenantsWhoActEarlyAreMovedAtOnceWithoutWaitingForNotice() {
        SimulationResult early = run(problem(60, 0.4, policy(100)), FaultSpec.NONE, new TenantModel(1.0, 0));
        SimulationResult passive = run(problem(60, 0.4, policy(100)), FaultSpec.NONE, TenantModel.PASSIVE);
        assertThat(early.invariantViolations()).isEmpty();
        assertThat(early.events().tenantInitiated()).isPositive();
        assertThat(passive.events().tenantInitiated()).isZero();
        assertThat(early.events().forced()).isLessThan(passive.events().forced());
    }

    @Test
    void reschedulingTenantsAreHonouredWithinTheDeadline() {
        SimulationResult r = run(problem(60, 0.4, policy(100)), FaultSpec.NONE, new TenantModel(0, 1.0));
        assertThat(r.invariantViolations()).isEmpty();
        assertThat(r.events().rescheduled()).isPositive();
        assertThat(r.result()).isEqualTo("completed");
    }
}
