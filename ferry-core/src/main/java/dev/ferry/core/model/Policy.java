package dev.ferry.core.model;

import java.time.Duration;

/**
 * The operator's rules for a campaign. {@link #DEFAULTS} documents every default
 * (the same values as the policy example in docs/formats.md). {@code announceFallback}: a live
 * migration's notice tells the tenant that if it cannot be live-migrated, the instance restarts
 * once the notice period is over (so that fallback needs no second notice period).
 * {@code haltOnFailedMoves}: the health gate on the share of failed moves (null: none).
 * {@code migrationPolicies}: live-migration settings per group or tenant; the first that matches an
 * instance applies ({@link #liveMigrationFor}); a host's {@code perHost} lanes stay the policy's.
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
        OnCanaryFailure onCanaryFailure,
        boolean announceFallback,
        FailedMoveHalt haltOnFailedMoves,
        java.util.List<MigrationPolicy> migrationPolicies) {

    public static final Policy DEFAULTS = new Policy(20, 5, 1, 2, Duration.ofMinutes(10), Duration.ofHours(24),
            LiveMigrationPolicy.DEFAULTS, 3, MaintenanceDurations.DEFAULTS, OnCanaryFailure.HALT, true, FailedMoveHalt.DEFAULTS,
            java.util.List.of());

    /**
     * A policy whose failed canary halts the campaign, whose live migrations' notices announce their
     * fallback and whose health gate is the default's.
     */
    public Policy(int maxHostsInMaintenance, int maxHostsPerZone, int zonesAtOnce, int canaryHosts, Duration soak, Duration notice,
                  LiveMigrationPolicy liveMigration, int haltAfterFailures, MaintenanceDurations durations) {
        this(maxHostsInMaintenance, maxHostsPerZone, zonesAtOnce, canaryHosts, soak, notice, liveMigration, haltAfterFailures,
                durations, OnCanaryFailure.HALT, true, FailedMoveHalt.DEFAULTS, java.util.List.of());
    }

    public Policy {
        java.util.Objects.requireNonNull(onCanaryFailure, "onCanaryFailure");
        migrationPolicies = java.util.List.copyOf(migrationPolicies);
        if (maxHostsInMaintenance <= 0 || maxHostsPerZone <= 0 || zonesAtOnce <= 0 || canaryHosts < 0
                || haltAfterFailures <= 0 || soak.isNegative() || notice.isNegative()) {
            throw new IllegalArgumentException("policy caps must be positive");
        }
    }

    /** This policy with other maintenance caps (everything else as it is). */
    public Policy withCaps(int maxHosts, int perZone, int zones) {
        return new Policy(maxHosts, perZone, zones, canaryHosts, soak, notice, liveMigration, haltAfterFailures, durations,
                onCanaryFailure, announceFallback, haltOnFailedMoves, migrationPolicies);
    }

    /** This policy with another notice period (everything else as it is). */
    public Policy withNotice(Duration period) {
        return new Policy(maxHostsInMaintenance, maxHostsPerZone, zonesAtOnce, canaryHosts, soak, period, liveMigration,
                haltAfterFailures, durations, onCanaryFailure, announceFallback, haltOnFailedMoves, migrationPolicies);
    }

    /** This policy with other live-migration settings and durations (everything else as it is). */
    public Policy with(LiveMigrationPolicy lm, MaintenanceDurations d) {
        return new Policy(maxHostsInMaintenance, maxHostsPerZone, zonesAtOnce, canaryHosts, soak, notice, lm, haltAfterFailures, d,
                onCanaryFailure, announceFallback, haltOnFailedMoves, migrationPolicies);
    }

    /** This policy with another answer to a failed canary, everything else as it is. */
    public Policy withOnCanaryFailure(OnCanaryFailure onFailure) {
        return new Policy(maxHostsInMaintenance, maxHostsPerZone, zonesAtOnce, canaryHosts, soak, notice, liveMigration,
                haltAfterFailures, durations, onFailure, announceFallback, haltOnFailedMoves, migrationPolicies);
    }

    /** This policy with another health gate (null: none), everything else as it is. */
    public Policy withHaltOnFailedMoves(FailedMoveHalt gate) {
        return new Policy(maxHostsInMaintenance, maxHostsPerZone, zonesAtOnce, canaryHosts, soak, notice, liveMigration,
                haltAfterFailures, durations, onCanaryFailure, announceFallback, gate, migrationPolicies);
    }

    /** The live-migration settings of {@code inst}: those of the first migration policy that matches it, over the policy's. */
    public LiveMigrationPolicy liveMigrationFor(Instance inst) {
        for (MigrationPolicy m : migrationPolicies) {
            if (m.matches(inst)) {
                return m.over(liveMigration);
            }
        }
        return liveMigration;
    }
}
