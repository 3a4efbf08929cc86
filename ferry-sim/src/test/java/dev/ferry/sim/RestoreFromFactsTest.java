package dev.ferry.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.campaign.CampaignRuntime;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.NaiveStrategy;
import dev.ferry.core.planner.Plan;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The runtime's state changes only by applying its facts: at any point of a campaign, a runtime
 * rebuilt from the history written so far knows exactly what the running one knows (its live
 * fleet, caps, budgets, steps, moves, rescues, events, counters and state). Checked every 25
 * calls and after the last, over DST scenarios with every fault mix.
 */
class RestoreFromFactsTest {
    static LongStream seeds() {
        return LongStream.range(0, 60);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aRuntimeRebuiltFromTheHistoryKnowsWhatTheRunningOneKnows(long seed) {
        Scenarios.Scenario s = Scenarios.of(seed);
        Plan plan = (s.naive() ? new NaiveStrategy() : new FerryStrategy()).plan(s.problem());
        List<HistoryRecord> history = new ArrayList<>();
        int[] calls = {0};
        List<String> mismatches = new ArrayList<>();
        String[] last = new String[2];
        SimulationResult r = Simulation.run(s.problem(), plan, new Simulation.Options(seed, s.liveFaults(), s.tenants(), false, true,
                history::add, null, false, runtime -> {
                    if (++calls[0] % 25 != 0 && !runtime.settled()) {
                        return;
                    }
                    CampaignRuntime restored = CampaignRuntime.restore(s.problem(), plan, runtime.id(), history);
                    String want = runtime.view().describe();
                    String got = restored.view().describe();
                    if (!want.equals(got) && mismatches.isEmpty()) {
                        mismatches.add("after call " + calls[0] + " (" + history.size() + " facts)");
                        last[0] = want;
                        last[1] = got;
                    }
                }).withChurn(s.churn()));
        assertThat(r.invariantViolations()).isEmpty();
        assertThat(calls[0]).isPositive();
        assertThat(mismatches).as("seed %d: restored state differs%n%s", seed, diff(last[0], last[1])).isEmpty();
    }

    private static String diff(String want, String got) {
        if (want == null) {
            return "";
        }
        String[] a = want.split("\n");
        String[] b = got.split("\n");
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < Math.min(a.length, b.length); k++) {
            if (!a[k].equals(b[k])) {
                int p = 0;
                while (p < Math.min(a[k].length(), b[k].length()) && a[k].charAt(p) == b[k].charAt(p)) {
                    p++;
                }
                int from = Math.max(0, p - 200);
                sb.append("running:  ...").append(a[k], from, Math.min(a[k].length(), p + 200)).append('\n')
                        .append("restored: ...").append(b[k], from, Math.min(b[k].length(), p + 200)).append('\n');
            }
        }
        return sb.toString();
    }
}
