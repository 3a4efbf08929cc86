package dev.ferry.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.history.HistoryRecord;
import dev.ferry.formats.HistoryJson;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.NaiveStrategy;
import dev.ferry.core.planner.Plan;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Deterministic simulation testing: 500 seeds, each a whole campaign on its own fleet shape,
 * policy, fault mix and tenants' churn (stops, starts, reboots, terminations and launches during
 * the campaign in half the seeds), with every safety rule checked after every event. A failing seed is named
 * in the test's name and replays exactly: {@code Scenarios.of(seed)} and the same options.
 */
class DeterministicSimulationTest {
    static final int SEEDS = Integer.getInteger("ferry.dst.seeds", 500);

    static LongStream seeds() {
        return LongStream.range(0, SEEDS);
    }

    private static Simulation.Options options(long seed, Scenarios.Scenario s, boolean keep) {
        return new Simulation.Options(seed, s.liveFaults(), s.tenants(), keep, true, null, null).withChurn(s.churn());
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void everyRuleHoldsAfterEveryEvent(long seed) {
        Scenarios.Scenario s = Scenarios.of(seed);
        Plan plan = (s.naive() ? new NaiveStrategy() : new FerryStrategy()).plan(s.problem());
        SimulationResult r = Simulation.run(s.problem(), plan, options(seed, s, false));
        assertThat(r.invariantViolations()).as("seed %d (%s, faults %s)", seed, plan.strategy(), s.liveFaults()).isEmpty();
        assertThat(r.lostInstances()).isZero();
        if (!s.churn().active()) {
            assertThat(r.churn().operations()).isZero();
        }
        assertThat(r.result()).isIn("completed", "halted");
        if (r.result().equals("completed")) {
            assertThat(r.hostsPatched() + r.hostsFailed()).isEqualTo(plan.steps().size() + r.hostsJoined() - r.hostsDropped());
        } else if (!r.reason().contains("no host has room") && !r.reason().contains("(onCanaryFailure: halt)")
                && !r.reason().contains("(haltOnFailedMoves: ")) {
            assertThat(r.hostsFailed()).isGreaterThanOrEqualTo(s.problem().policy().haltAfterFailures());
            assertThat(r.reason()).contains("haltAfterFailures");
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {3, 42, 108, 499})
    void aSeedReplaysByteForByte(long seed) {
        Scenarios.Scenario s = Scenarios.of(seed);
        Plan plan = new FerryStrategy().plan(s.problem());
        List<HistoryRecord> first = Simulation.run(s.problem(), plan, options(seed, s, true)).history();
        List<HistoryRecord> second = Simulation.run(Scenarios.of(seed).problem(), new FerryStrategy().plan(Scenarios.of(seed)
                .problem()), options(seed, s, true)).history();
        assertThat(first).isNotEmpty();
        assertThat(String.join("\n", second.stream().map(HistoryJson::line).toList()))
                .isEqualTo(String.join("\n", first.stream().map(HistoryJson::line).toList()));
    }
}
