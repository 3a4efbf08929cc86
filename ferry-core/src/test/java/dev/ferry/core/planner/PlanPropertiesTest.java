package dev.ferry.core.planner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.TestFleets;
import dev.ferry.core.verify.PlanVerifier;
import java.util.HashMap;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Random fleets of up to 200 hosts: every plan, of either strategy, passes the independent
 * verifier (every rule of docs/safety-rules.md at every instant) and never beats the lower bound.
 */
class PlanPropertiesTest {

    @Property(tries = 300)
    void ferryPlansKeepEveryRuleAndRespectTheLowerBound(@ForAll long seed, @ForAll @IntRange(min = 1, max = 200) int hosts) {
        PlanningProblem problem = TestFleets.random(seed, hosts);
        Plan plan = new FerryStrategy().plan(problem);
        assertThat(PlanVerifier.verify(problem, plan)).as("violations").isEmpty();
        assertThat(plan.summary().makespanSeconds()).isGreaterThanOrEqualTo(plan.summary().lowerBoundSeconds());
    }

    @Property(tries = 200)
    void naivePlansKeepEveryRuleToo(@ForAll long seed, @ForAll @IntRange(min = 1, max = 200) int hosts) {
        PlanningProblem problem = TestFleets.random(seed, hosts);
        Plan plan = new NaiveStrategy().plan(problem);
        assertThat(PlanVerifier.verify(problem, plan)).as("violations").isEmpty();
        assertThat(plan.summary().makespanSeconds()).isGreaterThanOrEqualTo(plan.summary().lowerBoundSeconds());
    }

    @Property(tries = 200)
    void ferryMovesEveryAffectedInstanceOnceExceptReportedBootstraps(@ForAll long seed,
                                                                     @ForAll @IntRange(min = 1, max = 200) int hosts) {
        PlanningProblem problem = TestFleets.random(seed, hosts);
        Plan plan = new FerryStrategy().plan(problem);
        Map<String, Integer> moves = new HashMap<>();
        java.util.Set<String> skipped = new java.util.HashSet<>();
        plan.skippedHosts().forEach(s -> skipped.add(s.host()));
        int bootstrapOntoPatchedHosts = 0;
        for (Step s : plan.steps()) {
            for (Move m : s.moves()) {
                moves.merge(m.instance(), 1, Integer::sum);
                // a bootstrap onto a host that is skipped later (it could not be emptied) is the instance's only move
                bootstrapOntoPatchedHosts += m.bootstrap() && !skipped.contains(m.to()) ? 1 : 0;
            }
        }
        int extra = moves.values().stream().mapToInt(n -> n - 1).sum();
        assertThat(extra).as("second moves").isEqualTo(bootstrapOntoPatchedHosts);
    }

    @Property(tries = 50)
    void planningIsDeterministic(@ForAll long seed, @ForAll @IntRange(min = 1, max = 120) int hosts) {
        PlanningProblem problem = TestFleets.random(seed, hosts);
        assertThat(new FerryStrategy().plan(problem)).isEqualTo(new FerryStrategy().plan(problem));
    }
}
