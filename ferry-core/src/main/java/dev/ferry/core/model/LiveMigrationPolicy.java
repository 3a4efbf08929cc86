package dev.ferry.core.model;

import java.time.Duration;

/**
 * How live migrations are run.
 *
 * @param bandwidthMiBps a host's migration bandwidth, shared by its concurrent migrations
 * @param perHost        concurrent outgoing migrations per host
 */
public record LiveMigrationPolicy(
        Duration maxDowntime,
        double bandwidthMiBps,
        int perHost,
        Duration timeoutPerGiB,
        OnTimeout onTimeout) {

    public static final LiveMigrationPolicy DEFAULTS =
            new LiveMigrationPolicy(Duration.ofMillis(300), 1024, 2, Duration.ofSeconds(150), OnTimeout.ABORT);

    public LiveMigrationPolicy {
        if (!(bandwidthMiBps > 0) || perHost <= 0 || maxDowntime.isNegative() || maxDowntime.isZero()
                || timeoutPerGiB.isNegative() || timeoutPerGiB.isZero()) {
            throw new IllegalArgumentException("live migration policy needs positive values");
        }
    }
}
