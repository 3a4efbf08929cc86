package dev.ferry.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.AffectRule;
import dev.ferry.core.model.Glob;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.formats.FleetCollector;
import dev.ferry.formats.FleetGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * A forecast is calibrated: on seeds it did not use, the simulated campaigns finish by its P90 in at
 * least 85% of runs, and its P50 is within 10% of their median — over families of fleets, policies,
 * tenant behaviour and faults. So is the plan's expected duration ({@link Expected}), which simulates nothing.
 */
class ForecastTest {
    static final Instant START = Instant.parse("2014-09-26T12:00:00Z");

    static Advisory xsa(Instant disclosure) {
        return new Advisory("XSA-108", "t", List.of(new AffectRule(Glob.of("xen-4.[0-4].*"), Glob.of("*"))), "xen-4.4.1", true,
                disclosure);
    }

    static List<Arguments> families() {
        Policy narrow = Policy.DEFAULTS.withCaps(4, 2, 1);
        return List.of(
                Arguments.of("120 hosts, defaults, default tenants", 120, 11L, Policy.DEFAULTS, TenantModel.DEFAULT, FaultSpec.NONE),
                Arguments.of("200 hosts, 4 at once, 30% rescheduling", 200, 12L, narrow, new TenantModel(0.05, 0.30), FaultSpec.NONE),
                Arguments.of("150 hosts, short notice, faults", 150, 13L, Policy.DEFAULTS.withNotice(Duration.ofHours(4)),
                        new TenantModel(0.20, 0.10), FaultSpec.parse("migration-fail=0.03,non-converge=0.02,host-lost=0.01")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void theP90CoversFreshRunsAndTheP50IsNearTheirMedian(String family, int hosts, long fleetSeed, Policy policy, TenantModel tenants,
                                                       FaultSpec faults) {
        PlanningProblem p = new PlanningProblem(FleetCollector.generate(FleetGenerator.Options.defaults(hosts, fleetSeed)),
                xsa(START.plus(Duration.ofDays(6))), policy, START);
        Plan plan = new FerryStrategy().plan(p);
        int runs = 200;
        Forecast.Result f = Forecast.run(p, plan, new FerryStrategy(),
                new Forecast.Settings(runs, 1, faults, tenants, ChurnModel.NONE, false, 0, LearnedModel.EMPTY), null);
        Forecast.Outcome o = f.outcome();
        assertThat(o.runs()).isEqualTo(runs);
        assertThat(o.p10Seconds()).isLessThanOrEqualTo(o.p50Seconds());
        assertThat(o.p50Seconds()).isLessThanOrEqualTo(o.p90Seconds());
        assertThat(o.p90Seconds()).isLessThanOrEqualTo(o.p99Seconds());
        List<Long> fresh = new ArrayList<>();
        for (long seed = 10_001; seed < 10_001 + runs; seed++) { // not among the forecast's seeds (1-200)
            fresh.add(Simulation.run(p, plan, new Simulation.Options(seed, faults, tenants, false, false, null, null)).makespanSeconds());
        }
        long covered = fresh.stream().filter(m -> m <= o.p90Seconds()).count();
        long inBand = fresh.stream().filter(m -> m >= o.p10Seconds() && m <= o.p99Seconds()).count();
        long median = Forecast.percentile(fresh.stream().mapToLong(Long::longValue).sorted().toArray(), 0.5);
        System.out.printf("calibration, %s: P50 %d s against the fresh median %d s; P90 %d s covers %d of %d fresh runs;"
                + " P10-P99 holds %d; the plan predicted %d s as scheduled, %d s expected%n", family, o.p50Seconds(), median,
                o.p90Seconds(), covered, runs, inBand, f.predictedSeconds(), f.expectedSeconds());
        assertThat(covered).as(family + ": fresh runs within the P90").isGreaterThanOrEqualTo(85L * runs / 100);
        assertThat(inBand).as(family + ": fresh runs within the band, P10 to P99").isGreaterThanOrEqualTo(80L * runs / 100);
        assertThat((double) Math.abs(o.p50Seconds() - median)).as(family + ": P50 " + o.p50Seconds() + " against the fresh median " + median)
                .isLessThanOrEqualTo(0.10 * median);
        // the plan's own expected duration, with no simulation at all, models the tenants too
        assertThat((double) Math.abs(f.expectedSeconds() - median)).as(family + ": expected " + f.expectedSeconds()
                + " against the fresh median " + median).isLessThanOrEqualTo(0.10 * median);
    }

    @Test
    void aForecastIsAFunctionOfItsSettingsAndNamesTheNeighbourThatHelpsMost() {
        // 4 hosts at once against a deadline the plan barely makes: more hosts at once must help the most
        PlanningProblem p = new PlanningProblem(FleetCollector.generate(FleetGenerator.Options.defaults(120, 21)),
                xsa(START.plus(Duration.ofDays(3))), Policy.DEFAULTS.withCaps(2, 1, 1), START);
        Plan plan = new FerryStrategy().plan(p);
        Forecast.Settings s = new Forecast.Settings(40, 7, FaultSpec.NONE, TenantModel.DEFAULT, ChurnModel.NONE, true, 2, LearnedModel.EMPTY);
        Forecast.Result a = Forecast.run(p, plan, new FerryStrategy(), s, null);
        Forecast.Result b = Forecast.run(p, plan, new FerryStrategy(), s, null);
        assertThat(a).isEqualTo(b);
        assertThat(a.whatIf()).extracting(w -> w.change().split(" \\(")[0])
                .containsExactly("twice the hosts at once", "another zone at once", "half the notice");
        assertThat(a.whatIf()).allSatisfy(w -> assertThat(w.outcome().runs()).isEqualTo(10));
        assertThat(a.deadlineSeconds()).isEqualTo(3 * 86_400L);
        Forecast.WhatIf twice = a.whatIf().get(0);
        assertThat(twice.outcome().p90Seconds()).as("twice the hosts at once is faster").isLessThan(a.outcome().p90Seconds());
        assertThat(a.best()).isNotNull();
    }

    @Test
    void percentilesAreNearestRank() {
        long[] v = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
        assertThat(Forecast.percentile(v, 0.5)).isEqualTo(50);
        assertThat(Forecast.percentile(v, 0.9)).isEqualTo(90);
        assertThat(Forecast.percentile(v, 0.99)).isEqualTo(100);
        assertThat(Forecast.percentile(new long[] {7}, 0.99)).isEqualTo(7);
    }
}
