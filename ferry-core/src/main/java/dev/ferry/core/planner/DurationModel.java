package dev.ferry.core.planner;

import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Policy;
import java.util.Arrays;

/**
 * How long one host's maintenance takes: drain (live migrations in {@code perHost} lanes, each
 * with its share of the host's bandwidth; relocations in parallel, each a stop/start), then patch
 * and reboot, then restarting the instances that stayed. Pure and thread-safe.
 */
public final class DurationModel {
    private DurationModel() {
    }

    /**
     * @param liveSeconds predicted times of the step's live migrations (modified: sorted)
     */
    public static long stepSeconds(Policy policy, Advisory advisory, double[] liveSeconds, boolean anyRelocate,
                                   boolean anyRebootInPlace) {
        if (!advisory.requiresReboot()) {
            return seconds(policy.durations().patch().toMillis() / 1000.0);
        }
        double drain = lanesMakespan(liveSeconds, policy.liveMigration().perHost());
        return seconds(fixed(policy, drain, anyRelocate, anyRebootInPlace));
    }

    /** A bound no lane schedule can beat: max(longest migration, total / lanes). */
    public static long stepLowerBoundSeconds(Policy policy, Advisory advisory, double sumLive, double maxLive,
                                             boolean anyRelocate, boolean anyRebootInPlace) {
        if (!advisory.requiresReboot()) {
            return seconds(policy.durations().patch().toMillis() / 1000.0);
        }
        double drain = Math.max(maxLive, sumLive / policy.liveMigration().perHost());
        return seconds(fixed(policy, drain, anyRelocate, anyRebootInPlace));
    }

    private static double fixed(Policy policy, double liveDrain, boolean anyRelocate, boolean anyRebootInPlace) {
        double restart = policy.durations().restart().toMillis() / 1000.0;
        double drain = anyRelocate ? Math.max(liveDrain, restart) : liveDrain;
        return drain + policy.durations().patch().toMillis() / 1000.0 + policy.durations().reboot().toMillis() / 1000.0
                + (anyRebootInPlace ? restart : 0);
    }

    /** Longest-processing-time-first onto {@code lanes} lanes. */
    static double lanesMakespan(double[] jobs, int lanes) {
        if (jobs.length == 0) {
            return 0;
        }
        Arrays.sort(jobs);
        double[] load = new double[Math.min(lanes, jobs.length)];
        for (int j = jobs.length - 1; j >= 0; j--) {
            int least = 0;
            for (int l = 1; l < load.length; l++) {
                if (load[l] < load[least]) {
                    least = l;
                }
            }
            load[least] += jobs[j];
        }
        double max = 0;
        for (double l : load) {
            max = Math.max(max, l);
        }
        return max;
    }

    private static long seconds(double s) {
        // Round to the millisecond first so that 840.0000000001 stays 840.
        return (long) Math.ceil(Math.round(s * 1000.0) / 1000.0);
    }
}
