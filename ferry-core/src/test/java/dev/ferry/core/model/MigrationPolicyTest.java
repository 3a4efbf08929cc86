package dev.ferry.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Live-migration settings per group or tenant: the first that matches an instance applies, over the policy's. */
class MigrationPolicyTest {
    private static Instance instance(String tenant, String group) {
        return new Instance("i-1", tenant, "h1", 1, 1024, OnHostMaintenance.MIGRATE, group, 0);
    }

    private static Policy with(MigrationPolicy... policies) {
        Policy d = Policy.DEFAULTS;
        return new Policy(d.maxHostsInMaintenance(), d.maxHostsPerZone(), d.zonesAtOnce(), d.canaryHosts(), d.soak(), d.notice(),
                new LiveMigrationPolicy(Duration.ofMillis(300), 1024, 2, Duration.ofSeconds(150), OnTimeout.POSTCOPY),
                d.haltAfterFailures(), d.durations(), d.onCanaryFailure(), d.announceFallback(), d.haltOnFailedMoves(), List.of(policies));
    }

    @Test
    void theFirstPolicyThatMatchesAppliesAndWhatItLeavesOutStays() {
        Policy p = with(new MigrationPolicy("db", null, Duration.ofMillis(50), null, null, false),
                new MigrationPolicy(null, "t1", null, 256.0, Duration.ofSeconds(300), null));
        LiveMigrationPolicy db = p.liveMigrationFor(instance("t1", "db"));
        assertThat(db.maxDowntime()).isEqualTo(Duration.ofMillis(50));
        assertThat(db.bandwidthMiBps()).as("left out: the policy's").isEqualTo(1024);
        assertThat(db.onTimeout()).as("post-copy forbidden").isEqualTo(OnTimeout.ABORT);
        LiveMigrationPolicy t1 = p.liveMigrationFor(instance("t1", "web"));
        assertThat(t1.bandwidthMiBps()).isEqualTo(256);
        assertThat(t1.timeoutPerGiB()).isEqualTo(Duration.ofSeconds(300));
        assertThat(t1.onTimeout()).isEqualTo(OnTimeout.POSTCOPY);
        assertThat(p.liveMigrationFor(instance("t2", null))).isEqualTo(p.liveMigration());
    }

    @Test
    void postCopyTrueMakesItTheOnTimeoutAction() {
        LiveMigrationPolicy abort = LiveMigrationPolicy.DEFAULTS;
        assertThat(new MigrationPolicy("g", null, null, null, null, true).over(abort).onTimeout()).isEqualTo(OnTimeout.POSTCOPY);
        assertThat(new MigrationPolicy("g", null, null, null, null, null).over(abort)).isEqualTo(abort);
    }

    @Test
    void aPolicySelectsByGroupOrByTenantNotBothOrNeither() {
        assertThatThrownBy(() -> new MigrationPolicy("g", "t", null, null, null, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MigrationPolicy(null, null, null, null, null, null)).isInstanceOf(IllegalArgumentException.class);
    }
}
