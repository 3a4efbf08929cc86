package dev.ferry.sim;

import dev.ferry.core.history.HistoryRecord;
import java.util.List;
import java.util.Map;

/**
 * What a simulated campaign did. Times are virtual seconds from the campaign start. Everything
 * here is a function of (problem, plan, seed, faults, tenants): the same inputs give equal results.
 *
 * @param result         completed, halted or aborted
 * @param reason         why it ended
 * @param timeline       samples {seconds, vulnerable hosts left, hosts in maintenance}
 * @param churn          the tenants' own operations during the campaign (all zero without churn)
 * @param perTenant      tenant -> {non-live disruptions, total downtime in ms}
 * @param hostsJoined    hosts that joined the campaign as the advisory changed; {@code hostsDropped}: that left it
 */
public record SimulationResult(
        String strategy,
        long seed,
        String faults,
        String result,
        String reason,
        long makespanSeconds,
        long predictedMakespanSeconds,
        long lowerBoundSeconds,
        Long deadlineSlackSeconds,
        int hostsAffected,
        int hostsPatched,
        int hostsFailed,
        int hostsSkipped,
        int hostsJoined,
        int hostsDropped,
        int liveMigrations,
        int relocations,
        int rebootsInPlace,
        int failedMigrations,
        int replaced,
        int rescued,
        int lostInstances,
        List<String> invariantViolations,
        Events events,
        Churn churn,
        Map<String, long[]> perTenant,
        List<long[]> timeline,
        long simulatedEvents,
        long historyRecords,
        List<HistoryRecord> history) {

    public record Events(int noticed, int informational, int rescheduled, int tenantInitiated, int forced, int completed) {
    }

    /**
     * The tenants' own lifecycle operations during the campaign ({@link ChurnModel}): how many, of
     * each kind that was done, how many starts landed on a host the campaign had patched, how many
     * were refused (a move in flight, no room), and instances lost (always 0 when the rules hold).
     */
    public record Churn(int operations, int stops, int starts, int startsOnPatched, int reboots, int terminations, int launches,
                        int refused, int lost) {
    }

}
