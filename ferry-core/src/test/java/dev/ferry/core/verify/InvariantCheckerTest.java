package dev.ferry.core.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.TestFleets;
import dev.ferry.core.campaign.HistoryRecord;
import dev.ferry.core.planner.PlanningProblem;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checker catches each kind of broken history (a checker that cannot fail proves nothing). */
class InvariantCheckerTest {
    // h1 affected (16 cpus, 64 GiB), h2 safe, h3 affected; i-1 on h1, i-2 on h2.
    private final PlanningProblem problem = TestFleets.builder()
            .host("h1", "az1", "r1", true).host("h2", "az1", "r2", false).host("h3", "az1", "r3", true)
            .instance("h1", 4, 8192).instance("h2", 14, 8192)
            .problem(TestFleets.simplePolicy());

    private List<String> check(HistoryRecord... records) {
        InvariantChecker c = new InvariantChecker(problem);
        for (HistoryRecord r : records) {
            c.accept(r);
        }
        return c.finish();
    }

    private static HistoryRecord rec(long t, String op, String target, String outcome, long epoch) {
        return new HistoryRecord(t, "test", op, target, outcome, epoch);
    }

    private static HistoryRecord end(long t) {
        return rec(t, "campaign", "c", "completed: done", 0);
    }

    @Test
    void aCleanLiveMigrationPasses() {
        assertThat(check(rec(0, "maintenance-begin", "h1", "az1", 0), rec(0, "reserve", "i-1", "h3 bootstrap", 0),
                rec(5, "stop", "i-1", "h1", 1), rec(5, "run", "i-1", "h3", 2), rec(9, "maintenance-end", "h1", "RETURNED", 0),
                end(10))).isEmpty();
    }

    @Test
    void twoRunningCopiesAreCaught() {
        assertThat(check(rec(0, "reserve", "i-1", "h3 bootstrap", 0), rec(5, "run", "i-1", "h3", 2), end(6)))
                .anyMatch(v -> v.contains("two copies"));
    }

    @Test
    void staleEpochsAreCaught() {
        assertThat(check(rec(1, "stop", "i-1", "h1", 1), rec(2, "run", "i-1", "h1", 1), end(3)))
                .anyMatch(v -> v.contains("stale epoch"));
    }

    @Test
    void aLostInstanceIsCaught() {
        assertThat(check(rec(1, "stop", "i-1", "h1", 1), end(2))).anyMatch(v -> v.contains("(lost)"));
    }

    @Test
    void capacityCountsReservations() {
        // h2 has 16 cpus, i-2 uses 14; reserving i-1 (4) there exceeds it before anything runs.
        assertThat(check(rec(0, "reserve", "i-1", "h2", 0), end(1))).anyMatch(v -> v.contains("over capacity"));
    }

    @Test
    void roomHeldOutsideThePlanCountsAgainstCapacityAndNeverOnAVulnerableHost() {
        // h2 has 16 cpus, i-2 uses 14: a 1-cpu hold fits, a 3-cpu hold does not; given back, it fits again
        assertThat(check(rec(0, "hold", "x-1", "h2 1000 1024", 0), end(1))).isEmpty();
        assertThat(check(rec(0, "hold", "x-1", "h2 3000 1024", 0), end(1))).anyMatch(v -> v.contains("over capacity"));
        assertThat(check(rec(0, "hold", "x-1", "h2 1000 1024", 0), rec(1, "unhold", "x-1", "h2 1000 1024", 0),
                rec(2, "hold", "x-2", "h2 2000 1024", 0), end(3))).isEmpty();
        assertThat(check(rec(0, "hold", "x-1", "h3 1000 1024", 0), end(1))).anyMatch(v -> v.contains("vulnerable"));
    }

    @Test
    void vulnerableDestinationsNeedTheBootstrapMark() {
        assertThat(check(rec(0, "reserve", "i-1", "h3", 0), end(1))).anyMatch(v -> v.contains("vulnerable"));
    }

    @Test
    void hostsInMaintenanceReceiveNothing() {
        assertThat(check(rec(0, "maintenance-begin", "h3", "az1", 0), rec(1, "reserve", "i-1", "h3 bootstrap", 0), end(2)))
                .anyMatch(v -> v.contains("in maintenance"));
    }

    @Test
    void anEffectAppliedTwiceIsCaught() {
        assertThat(check(rec(0, "apply", "k1", "StartMove", 0), rec(1, "apply", "k1", "StartMove", 0), end(2)))
                .anyMatch(v -> v.contains("applied twice"));
    }

    @Test
    void disruptionBeforeNoticeIsCaughtButATenantsOwnActionIsNot() {
        assertThat(check(rec(0, "disrupt-begin", "i-1", "ferry", 0), end(1))).anyMatch(v -> v.contains("notice"));
        assertThat(check(rec(0, "disrupt-begin", "i-1", "tenant", 0), end(1))).isEmpty();
    }

    @Test
    void aCampaignWithoutAnEndIsCaught() {
        assertThat(check(rec(0, "apply", "k1", "Cordon", 0))).anyMatch(v -> v.contains("did not end"));
    }

    @Test
    void capsAreChecked() {
        var policy = new dev.ferry.core.model.Policy(1, 1, 1, 0, java.time.Duration.ZERO, java.time.Duration.ZERO,
                dev.ferry.core.model.LiveMigrationPolicy.DEFAULTS, 3, dev.ferry.core.model.MaintenanceDurations.DEFAULTS);
        InvariantChecker c = new InvariantChecker(new PlanningProblem(problem.fleet(), problem.advisory(), policy,
                problem.start()));
        c.accept(rec(0, "maintenance-begin", "h1", "az1", 0));
        c.accept(rec(0, "maintenance-begin", "h3", "az1", 0));
        assertThat(c.violations()).anyMatch(v -> v.contains("maxHostsInMaintenance"));
    }
}
