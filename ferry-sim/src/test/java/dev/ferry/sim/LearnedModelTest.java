package dev.ferry.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.history.Actor;
import dev.ferry.core.history.EventCause;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.formats.FleetCollector;
import dev.ferry.formats.FleetGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a campaign measured becomes a model: patch and reboot per host model, migration time per
 * GiB, restarts, tenants' answers; campaigns add up; a forecast timed with the model reflects it.
 */
class LearnedModelTest {
    private static HistoryRecord at(long seconds, Fact f) {
        return new HistoryRecord(seconds * 1000, Actor.FERRY, f);
    }

    private static HistoryRecord ms(long ms, Fact f) {
        return new HistoryRecord(ms, Actor.FERRY, f);
    }

    private static Fact.EventChanged event(String id, EventState state, EventCause cause) {
        return new Fact.EventChanged("i-" + id, id, state, MoveKind.RELOCATE, 0, 0, 0, cause, 0, null, null, null);
    }

    @Test
    void aCampaignsHistoryIsMeasuredByHostModelAndCampaignsAddUp() {
        var fleet = FleetCollector.generate(FleetGenerator.Options.defaults(20, 3));
        String h0 = fleet.host(0).id();
        String h1 = fleet.host(1).id();
        String cpu = fleet.host(0).cpuModel();
        var inst = fleet.instance(0);
        double gib = inst.memoryMiB() / 1024.0;
        long t1 = Math.round(5_000 * gib);
        List<HistoryRecord> h = new ArrayList<>(List.of(
                at(100, new Fact.PhaseChanged(h0, HostPhase.PATCHING)),
                at(160, new Fact.PhaseChanged(h0, HostPhase.REBOOTING)), // patched in 60 s
                at(400, new Fact.PhaseChanged(h0, HostPhase.VERIFYING)), // rebooted in 240 s
                at(445, new Fact.PhaseChanged(h0, HostPhase.RETURNED)), // verified in 45 s (the simulator assumes 30 s)
                // a transfer of 5 s a GiB of the source's bandwidth: alone (300 ms more to switch over), then while
                // another migrates out of it too all along (which rolls back at the end; 500 ms more)
                at(500, new Fact.MoveStarted(1, inst.id(), MoveKind.LIVE_MIGRATE, h0, "x", 2, false, false)),
                ms(500_000 + t1 + 300, new Fact.MigrationMeasured(inst.id(), h0, "x", 10, t1, 2)),
                ms(500_000 + t1 + 300, new Fact.SwitchedOver(1, inst.id(), "x", 2, 10)),
                at(520, new Fact.MoveStarted(2, "other", MoveKind.LIVE_MIGRATE, h0, "x", 2, false, false)),
                at(520, new Fact.MoveStarted(3, inst.id(), MoveKind.LIVE_MIGRATE, h0, "y", 3, false, false)),
                ms(520_000 + 2 * t1 + 500, new Fact.RolledBack(2, "other", "test", false, 2)),
                ms(520_000 + 2 * t1 + 500, new Fact.MigrationMeasured(inst.id(), h0, "y", 10, 2 * t1, 3)),
                ms(520_000 + 2 * t1 + 500, new Fact.SwitchedOver(3, inst.id(), "y", 3, 10)),
                at(600, new Fact.DisruptionBegan("i-a", false, MoveKind.RELOCATE)),
                at(690, new Fact.DisruptionEnded("i-a", Fact.DisruptionEnd.MOVED, h0, 3)), // restarted in 90 s
                at(700, new Fact.DisruptionBegan("i-b", false, MoveKind.LIVE_MIGRATE)), // a live move is no restart
                // a host whose verification restarts a guest rebooted in place: neither a verification time nor a restart
                at(800, new Fact.StepStarted(h1, false, 0, List.of("i-c"), List.of(), 0)),
                at(802, new Fact.DisruptionBegan("i-c", false, MoveKind.REBOOT_IN_PLACE)),
                at(850, new Fact.PhaseChanged(h1, HostPhase.VERIFYING)),
                at(900, new Fact.DisruptionEnded("i-c", Fact.DisruptionEnd.REBOOTED_IN_PLACE, h1, 2)),
                at(900, new Fact.PhaseChanged(h1, HostPhase.RETURNED)),
                at(710, new Fact.DisruptionEnded("i-b", Fact.DisruptionEnd.MOVED, h0, 3)),
                at(0, event("e1", EventState.SCHEDULED, EventCause.PLANNED)),
                at(0, event("e2", EventState.SCHEDULED, EventCause.PLANNED)),
                at(0, event("e3", EventState.SCHEDULED, EventCause.PLANNED)),
                at(0, event("e4", EventState.SCHEDULED, EventCause.PLANNED)),
                at(50, event("e1", EventState.RESCHEDULED, EventCause.RESCHEDULED)),
                at(60, event("e2", EventState.STARTED, EventCause.STARTED_BY_TENANT))));
        LearnedModel m = LearnedModel.measure(h, fleet);
        assertThat(m.patchSecondsByHostModel()).containsEntry(cpu, new LearnedModel.Stat(1, 60));
        assertThat(m.rebootSecondsByHostModel()).containsEntry(cpu, new LearnedModel.Stat(1, 240));
        assertThat(m.verifySecondsByHostModel()).containsExactly(java.util.Map.entry(cpu, new LearnedModel.Stat(1, 45)));
        assertThat(m.migrationSecondsPerGiB().n()).isEqualTo(2);
        assertThat(m.migrationSecondsPerGiB().mean()).isCloseTo(5.0, org.assertj.core.data.Offset.offset(0.01));
        assertThat(m.migrationOverheadSeconds()).isEqualTo(new LearnedModel.Stat(2, 0.8));
        assertThat(m.restartSeconds()).isEqualTo(new LearnedModel.Stat(1, 90));
        assertThat(m.tenants(TenantModel.DEFAULT)).isEqualTo(new TenantModel(0.25, 0.25));
        // each quantity's campaign mean, as its log, for the spread from campaign to campaign
        assertThat(m.campaignSpread()).containsOnlyKeys(LearnedModel.QUANTITIES);
        java.util.Map<String, Double> means = java.util.Map.of("patch", 60.0, "reboot", 240.0, "verify", 45.0, "migrationPerGiB",
                m.migrationSecondsPerGiB().mean(), "migrationOverhead", 0.4, "restart", 90.0);
        means.forEach((q, mean) -> assertThat(m.campaignSpread().get(q)).as(q).satisfies(sp -> {
            assertThat(sp.n()).isEqualTo(1);
            assertThat(sp.sum()).isCloseTo(Math.log(mean), org.assertj.core.data.Offset.offset(1e-9));
        }));

        Policy p = m.applyTo(Policy.DEFAULTS, fleet);
        assertThat(p.durations().patch()).isEqualTo(Duration.ofSeconds(60));
        assertThat(p.durations().reboot()).isEqualTo(Duration.ofSeconds(240));
        assertThat(p.durations().restart()).isEqualTo(Duration.ofSeconds(90));
        assertThat(p.durations().verify()).isEqualTo(Duration.ofSeconds(45));
        assertThat(p.durations().migrationOverhead()).isEqualTo(Duration.ofMillis(400));
        assertThat(p.liveMigration().bandwidthMiBps()).isCloseTo(1024 / 5.0, org.assertj.core.data.Offset.offset(0.5));
        assertThat(LearnedModel.EMPTY.applyTo(Policy.DEFAULTS, fleet)).as("nothing measured: nothing changes").isEqualTo(Policy.DEFAULTS);
        assertThat(LearnedModel.EMPTY.tenants(TenantModel.DEFAULT)).isEqualTo(TenantModel.DEFAULT);

        LearnedModel two = m.plus(LearnedModel.measure(List.of(at(0, new Fact.PhaseChanged(h0, HostPhase.PATCHING)),
                at(100, new Fact.PhaseChanged(h0, HostPhase.REBOOTING))), fleet));
        assertThat(two.campaigns()).isEqualTo(2);
        assertThat(two.patchSecondsByHostModel().get(cpu).mean()).isEqualTo(80.0);
        assertThat(two.notices()).isEqualTo(4);
    }

    @Test
    void aMigrationThatSharedItsSourceForPartOfItsTimeIsCountedAsSharingItThatLong() {
        var fleet = FleetCollector.generate(FleetGenerator.Options.defaults(20, 3));
        String h0 = fleet.host(0).id();
        var inst = fleet.instance(0);
        double gib = inst.memoryMiB() / 1024.0;
        // alone when it starts; another joins for the second half of its 10 s (on average 1.5 out of the source):
        // 10 s / (GiB * 1.5), where counting the migrations out at its start said 10 s / GiB
        LearnedModel m = LearnedModel.measure(List.of(
                at(0, new Fact.MoveStarted(1, inst.id(), MoveKind.LIVE_MIGRATE, h0, "x", 2, false, false)),
                at(5, new Fact.MoveStarted(2, "other", MoveKind.LIVE_MIGRATE, h0, "y", 2, false, false)),
                at(10, new Fact.MigrationMeasured(inst.id(), h0, "x", 10, 10_000, 2)),
                at(10, new Fact.SwitchedOver(1, inst.id(), "x", 2, 10))), fleet);
        assertThat(m.migrationSecondsPerGiB().mean()).isCloseTo(10 / (gib * 1.5), org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void campaignsAtDifferentPacesSpreadTheirQuantitiesAndAUsualCampaignKeepsTheMeans() {
        var fleet = FleetCollector.generate(FleetGenerator.Options.defaults(20, 3));
        String h0 = fleet.host(0).id();
        java.util.function.LongFunction<LearnedModel> patchedIn = sec -> LearnedModel.measure(List.of(
                at(0, new Fact.PhaseChanged(h0, HostPhase.PATCHING)), at(sec, new Fact.PhaseChanged(h0, HostPhase.REBOOTING))), fleet);
        LearnedModel one = patchedIn.apply(10);
        assertThat(one.sigma("patch")).as("one campaign: no spread known").isZero();
        assertThat(one.spreads()).isFalse();
        LearnedModel two = one.plus(patchedIn.apply(40));
        // ln 10 and ln 40: their sample standard deviation is ln 4 / sqrt 2
        assertThat(two.sigma("patch")).isCloseTo(Math.log(4) / Math.sqrt(2), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(two.sigma("reboot")).isZero();
        assertThat(two.spreads()).isTrue();
        assertThat(two.applyTo(Policy.DEFAULTS, fleet, 0).durations().patch()).as("the usual campaign: the mean, 25 s")
                .isEqualTo(Duration.ofSeconds(25));
        assertThat(two.applyTo(Policy.DEFAULTS, fleet, 1).durations().patch().toMillis())
                .isEqualTo(Math.round(25_000 * Math.exp(Math.log(4) / Math.sqrt(2))));
        assertThat(one.plus(patchedIn.apply(10)).spreads()).as("two campaigns at the same pace").isFalse();

        // each quantity's spread scales its own figure: a migration's spread, only the bandwidth
        double a = Math.log(4);
        double b = Math.log(16); // 4 and 16 s a GiB: a mean of 10
        LearnedModel migrations = new LearnedModel(2, java.util.Map.of(), java.util.Map.of(), java.util.Map.of(), new LearnedModel.Stat(2, 20),
                LearnedModel.Stat.NONE, LearnedModel.Stat.NONE, 0, 0, 0, java.util.Map.of("migrationPerGiB", new LearnedModel.Spread(2, a + b,
                a * a + b * b)));
        Policy usual = migrations.applyTo(Policy.DEFAULTS, fleet, 0);
        Policy slower = migrations.applyTo(Policy.DEFAULTS, fleet, 1);
        assertThat(usual.liveMigration().bandwidthMiBps()).isCloseTo(102.4, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(slower.liveMigration().bandwidthMiBps()).isCloseTo(102.4 / Math.exp(Math.log(4) / Math.sqrt(2)),
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(slower.durations()).isEqualTo(usual.durations());
    }

    /** 80 generated hosts, the default policy, a disclosure six days on. */
    private static PlanningProblem eightyHosts() {
        return new PlanningProblem(FleetCollector.generate(FleetGenerator.Options.defaults(80, 9)), ForecastTest.xsa(
                ForecastTest.START.plus(Duration.ofDays(6))), Policy.DEFAULTS, ForecastTest.START);
    }

    /** A model of {@code campaigns} campaigns that measured only reboots, {@code n} of them adding up to {@code sum} on every host model. */
    private static LearnedModel reboots(PlanningProblem p, int campaigns, long n, double sum, java.util.Map<String, LearnedModel.Spread> spread) {
        java.util.Map<String, LearnedModel.Stat> byModel = new java.util.TreeMap<>();
        for (var h : p.fleet().hosts()) {
            byModel.put(h.cpuModel(), new LearnedModel.Stat(n, sum));
        }
        return new LearnedModel(campaigns, java.util.Map.of(), byModel, java.util.Map.of(), LearnedModel.Stat.NONE, LearnedModel.Stat.NONE,
                LearnedModel.Stat.NONE, 0, 0, 0, spread);
    }

    @Test
    void aModelThatSawCampaignsGoAtDifferentPacesWidensTheForecast() {
        PlanningProblem p = eightyHosts();
        Plan plan = new FerryStrategy().plan(p);
        double steady = Math.log(600); // two campaigns, ten minutes a reboot on average
        double slow = Math.log(1200);
        double fast = Math.log(300); // or one campaign at five minutes, one at twenty
        LearnedModel same = reboots(p, 2, 2, 1200, java.util.Map.of("reboot", new LearnedModel.Spread(2, 2 * steady, 2 * steady * steady)));
        LearnedModel spread = reboots(p, 2, 2, 1200, java.util.Map.of("reboot", new LearnedModel.Spread(2, fast + slow,
                fast * fast + slow * slow)));
        java.util.function.Function<LearnedModel, Forecast.Outcome> forecast = m -> Forecast.run(p, plan, new FerryStrategy(),
                new Forecast.Settings(60, 1, FaultSpec.NONE, TenantModel.PASSIVE, ChurnModel.NONE, false, 0, m), null).outcome();
        Forecast.Outcome a = forecast.apply(same);
        Forecast.Outcome b = forecast.apply(spread);
        assertThat(forecast.apply(reboots(p, 2, 2, 1200, null))).as("no spread known: as before").isEqualTo(a);
        assertThat(b.p99Seconds() - b.p10Seconds()).as("the band widens").isGreaterThan(2 * (a.p99Seconds() - a.p10Seconds()));
        assertThat(b.p10Seconds()).isLessThan(a.p10Seconds());
        assertThat(b.p99Seconds()).isGreaterThan(a.p99Seconds());
    }

    @Test
    void aForecastTimedWithAModelOfSlowRebootsTakesLonger() {
        PlanningProblem p = eightyHosts();
        Plan plan = new FerryStrategy().plan(p);
        LearnedModel model = reboots(p, 1, 1, 3600, null); // an hour a reboot: twelve times the policy's 5 minutes
        Forecast.Outcome plain = Forecast.run(p, plan, new FerryStrategy(), new Forecast.Settings(20, 1, FaultSpec.NONE,
                TenantModel.PASSIVE, ChurnModel.NONE, false, 0, LearnedModel.EMPTY), null).outcome();
        Forecast.Outcome learnt = Forecast.run(p, plan, new FerryStrategy(), new Forecast.Settings(20, 1, FaultSpec.NONE,
                TenantModel.PASSIVE, ChurnModel.NONE, false, 0, model), null).outcome();
        assertThat(learnt.p50Seconds()).as("each host's reboot 55 minutes longer").isGreaterThan(plain.p50Seconds() + 3000);
    }
}
