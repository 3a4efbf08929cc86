package dev.ferry.core.model;

import java.time.Duration;

/**
 * Live-migration settings for the instances of one group or one tenant, like KubeVirt's
 * MigrationPolicies: what it sets replaces the campaign policy's {@code liveMigration} for them,
 * what it leaves null stays. {@code postCopy}: true makes post-copy the on-timeout action, false
 * forbids it (a pre-copy that does not converge is cancelled and the instance relocated with
 * notice). Exactly one of {@code group} and {@code tenant} selects the instances.
 */
public record MigrationPolicy(String group, String tenant, Duration maxDowntime, Double bandwidthMiBps, Duration timeoutPerGiB,
                              Boolean postCopy) {
    public MigrationPolicy {
        if ((group == null) == (tenant == null)) {
            throw new IllegalArgumentException("a migration policy selects by group or by tenant, not both or neither");
        }
    }

    public boolean matches(Instance inst) {
        return group != null ? group.equals(inst.group()) : tenant.equals(inst.tenant());
    }

    /** {@code base} with what this policy sets. */
    public LiveMigrationPolicy over(LiveMigrationPolicy base) {
        OnTimeout onTimeout = base.onTimeout();
        if (Boolean.TRUE.equals(postCopy)) {
            onTimeout = OnTimeout.POSTCOPY;
        } else if (Boolean.FALSE.equals(postCopy) && onTimeout == OnTimeout.POSTCOPY) {
            onTimeout = OnTimeout.ABORT;
        }
        return new LiveMigrationPolicy(maxDowntime != null ? maxDowntime : base.maxDowntime(),
                bandwidthMiBps != null ? bandwidthMiBps : base.bandwidthMiBps(), base.perHost(),
                timeoutPerGiB != null ? timeoutPerGiB : base.timeoutPerGiB(), onTimeout);
    }
}
