package dev.ferry.core.model;

import java.time.Duration;

/**
 * The operator's rules for a campaign. {@link #DEFAULTS} documents every default
 * (the same values as the policy example in docs/formats.md).
 */
public record Policy(
        int maxHostsInMaintenance,
        int maxHostsPerZone,
        int zonesAtOnce,
        int canaryHosts,
        Duration soak,
        Duration notice,
        LiveMigrationPolicy liveMigration,
        int haltAfterFailures,
        MaintenanceDurations durations,
        OnCanaryFailure onCanaryFailure) {

    public static final Policy DEFAULTS = new Policy(20, 5, 1, 2, Duration.ofMinutes(10), Duration.ofHours(24),
            LiveMigrationPolicy.DEFAULTS, 3, MaintenanceDurations.DEFAULTS, OnCanaryFailure.HALT);

    /** A policy whose failed canary halts the campaign (the default). */
    public Policy(int maxHostsInMaintenance, int maxHostsPerZone, int zonesAtOnce, int canaryHosts, Duration soak, Duration notice,
                  LiveMigrationPolicy liveMigration, int haltAfterFailures, MaintenanceDurations durations) {
        this(maxHostsInMaintenance, maxHostsPerZone, zonesAtOnce, canaryHosts, soak, notice, liveMigration, haltAfterFailures,
                durations, OnCanaryFailure.HALT);
    }

    public Policy {
        java.util.Objects.requireNonNull(onCanaryFailure, "onCanaryFailure");
        if (maxHostsInMaintenance <= 0 || maxHostsPerZone <= 0 || zonesAtOnce <= 0 || canaryHosts < 0
                || haltAfterFailures <= 0 || soak.isNegative() || notice.isNegative()) {
            throw new IllegalArgumentException("policy caps must be positive");
        }
    }
}
