package dev.ferry.core.planner;

/**
 * Pre-copy live migration time, the model QEMU and Xen use: the first round sends all guest
 * memory, each next round resends what the guest dirtied during the previous one, until what is
 * left can be sent within the downtime limit; then the guest pauses for the final copy.
 * With memory M, dirty rate D and bandwidth B, round k sends M·(D/B)^k; it converges only when
 * D &lt; B (or M is small enough at once). References: Clark et al., "Live Migration of Virtual
 * Machines", NSDI 2005; QEMU docs/devel/migration. Pure and thread-safe.
 */
public final class MigrationModel {
    /** Rounds after which the model calls a migration non-converging (it then runs until the timeout). */
    static final int MAX_ROUNDS = 30;

    private MigrationModel() {
    }

    /**
     * @param seconds    predicted time to switchover (including the final pause), or the timeout when it does not converge
     * @param converges  false when the dirty rate outruns the bandwidth or it would exceed the timeout
     * @param downtimeMs predicted pause at switchover
     */
    public record Estimate(double seconds, boolean converges, double downtimeMs) {
    }

    public static Estimate estimate(long memoryMiB, double dirtyRateMiBps, double bandwidthMiBps, double maxDowntimeMs,
                                    double timeoutSeconds) {
        double remaining = memoryMiB;
        double total = 0;
        double stopCopyBudget = bandwidthMiBps * maxDowntimeMs / 1000.0;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            if (remaining <= stopCopyBudget) {
                double downtime = remaining / bandwidthMiBps;
                total += downtime;
                if (total > timeoutSeconds) {
                    return new Estimate(timeoutSeconds, false, 0);
                }
                return new Estimate(total, true, downtime * 1000.0);
            }
            double t = remaining / bandwidthMiBps;
            total += t;
            if (total > timeoutSeconds) {
                return new Estimate(timeoutSeconds, false, 0);
            }
            remaining = Math.min(memoryMiB, dirtyRateMiBps * t);
        }
        // Still not under the downtime limit: it would go on until the policy's timeout ends it.
        return new Estimate(timeoutSeconds, false, 0);
    }

    /** Post-copy after a failed pre-copy attempt: one pass over memory after the switch. */
    public static double postCopySeconds(long memoryMiB, double bandwidthMiBps, double timeoutSeconds) {
        return timeoutSeconds + memoryMiB / bandwidthMiBps;
    }
}
