package dev.ferry.core.planner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.TestFleets;
import dev.ferry.core.model.AntiAffinity;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.HostState;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.MaintenanceDurations;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.OnTimeout;
import dev.ferry.core.model.Policy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How each instance on an affected host leaves it, from the snapshot alone, and the reason
 * whenever that is not what the instance asked for. Unless said otherwise hosts are 16 cpus,
 * 64 GiB, skylake, live-capable; the live-migration policy is the default (1024 MiB/s shared by
 * 2 migrations: 512 MiB/s each, 300 ms downtime, 150 s per GiB, abort on time-out).
 */
class ClassificationTest {
    private static Classification classify(TestFleets fleet) {
        return Classification.of(fleet.problem(TestFleets.simplePolicy()));
    }

    /** a1 (affected) and s1 (safe) in az1; i-1 on a1 with the given size, dirty rate and wish. */
    private static PlanningProblem oneInstance(long memoryMiB, double dirtyRate, OnHostMaintenance ohm, LiveMigrationPolicy lm) {
        Fleet f = TestFleets.builder().host("a1", "az1", "r1", true).host("s1", "az1", "r2", false).fleet();
        Fleet fleet = new Fleet(f.hosts(), List.of(new Instance("i-1", "t1", "a1", 2, memoryMiB, ohm, null, dirtyRate)),
                List.of(), List.of());
        Policy policy = new Policy(20, 5, 1, 0, Duration.ZERO, Duration.ZERO, lm, 3, MaintenanceDurations.DEFAULTS);
        return new PlanningProblem(fleet, TestFleets.ADVISORY, policy, TestFleets.START);
    }

    @Test
    void onlyInstancesOnAffectedHostsAreClassified() {
        Classification c = classify(TestFleets.builder().host("a1", "az1", "r1", true).host("s1", "az1", "r2", false)
                .instance("a1", 2, 2048).instance("s1", 2, 2048));
        assertThat(c.affected(0)).isTrue();
        assertThat(c.affected(1)).isFalse();
        assertThat(c.kind(1)).isNull();
        assertThat(c.reason(1)).isNull();
        assertThat(c.liveSeconds(1)).isZero();
    }

    @Test
    void aMigrationThatConvergesIsLiveWithItsPredictedTime() {
        // 8192 MiB at 512 MiB/s: 16 s, dirtying 10 × 16 = 160 MiB; 160 > 153.6 (512 × 0.3 s): 0.3125 s more,
        // dirtying 3.125 MiB, sent in the pause: 3.125 / 512 = 0.006103515625 s. Total 16.318603515625 s.
        Classification c = Classification.of(oneInstance(8192, 10, OnHostMaintenance.MIGRATE, LiveMigrationPolicy.DEFAULTS));
        assertThat(c.kind(0)).isEqualTo(MoveKind.LIVE_MIGRATE);
        assertThat(c.reason(0)).isNull();
        assertThat(c.liveSeconds(0)).isEqualTo(16.318603515625);
    }

    @Test
    void theHostsBandwidthIsSharedByItsConcurrentMigrations() {
        // perHost 1: 1024 MiB/s for one migration. 8 s, dirtying 80 MiB <= 307.2 MiB: paused for 80 / 1024 s.
        LiveMigrationPolicy one = new LiveMigrationPolicy(Duration.ofMillis(300), 1024, 1, Duration.ofSeconds(150),
                OnTimeout.ABORT);
        assertThat(Classification.of(oneInstance(8192, 10, OnHostMaintenance.MIGRATE, one)).liveSeconds(0)).isEqualTo(8.078125);
    }

    @Test
    void whatTheInstanceAskedForNeedsNoReason() {
        Classification c = classify(TestFleets.builder().host("a1", "az1", "r1", true).host("s1", "az1", "r2", false)
                .instance("a1", 2, 2048, OnHostMaintenance.REBOOT_IN_PLACE, null)
                .instance("a1", 2, 2048, OnHostMaintenance.RESTART, null));
        assertThat(c.kind(0)).isEqualTo(MoveKind.REBOOT_IN_PLACE);
        assertThat(c.reason(0)).isNull();
        assertThat(c.kind(1)).isEqualTo(MoveKind.RELOCATE);
        assertThat(c.reason(1)).isNull();
        assertThat(c.liveSeconds(1)).isZero();
    }

    @Test
    void anInstanceNoOtherHostOfItsZoneCouldHoldRebootsInPlace() {
        // a1 has 64 cpus and runs i-1 (24 cpus), i-2 (4 cpus, restart) and i-3 (24 cpus, restart). s1 is
        // small (16 cpus), c1 (32 cpus) is cordoned, z1 (32 cpus) is in another zone.
        Classification c = classify(TestFleets.builder()
                .host("a1", "az1", "r1", true, 64, 262144, "skylake", true, HostState.ACTIVE)
                .host("s1", "az1", "r2", false)
                .host("c1", "az1", "r3", false, 32, 131072, "skylake", true, HostState.CORDONED)
                .host("z1", "az2", "r4", false, 32, 131072, "skylake", true, HostState.ACTIVE)
                .instance("a1", 24, 8192).instance("a1", 4, 8192, OnHostMaintenance.RESTART, null)
                .instance("a1", 24, 8192, OnHostMaintenance.RESTART, null));
        assertThat(c.kind(0)).isEqualTo(MoveKind.REBOOT_IN_PLACE);
        assertThat(c.reason(0)).isEqualTo("no other host in zone az1 is large enough");
        assertThat(c.kind(1)).as("a small one fits s1").isEqualTo(MoveKind.RELOCATE);
        assertThat(c.kind(2)).as("before what it asked for").isEqualTo(MoveKind.REBOOT_IN_PLACE);
        assertThat(c.reason(2)).isEqualTo("no other host in zone az1 is large enough");
    }

    @Test
    void anotherHostOfTheSourcesShapeCounts() {
        // a1 and a2 both 32 cpus: i-1 (24 cpus) on a1 could go to a2 once a2 is patched
        Classification c = classify(TestFleets.builder()
                .host("a1", "az1", "r1", true, 32, 131072, "skylake", true, HostState.ACTIVE)
                .host("a2", "az1", "r2", true, 32, 131072, "skylake", true, HostState.ACTIVE)
                .instance("a1", 24, 8192));
        assertThat(c.kind(0)).isEqualTo(MoveKind.LIVE_MIGRATE);
    }

    @Test
    void hostAntiAffinityWithAMemberOnEveryHostOfTheZoneRebootsInPlace() {
        // az1 has a1 and s1 and a member of g on each
        Classification c = classify(TestFleets.builder().host("a1", "az1", "r1", true).host("s1", "az1", "r2", false)
                .host("z1", "az2", "r3", false).group("g", AntiAffinity.HOST, 1)
                .instance("a1", 2, 2048, OnHostMaintenance.MIGRATE, "g").instance("s1", 2, 2048, OnHostMaintenance.MIGRATE, "g"));
        assertThat(c.kind(0)).isEqualTo(MoveKind.REBOOT_IN_PLACE);
        assertThat(c.reason(0)).isEqualTo("group g has a member on every host of zone az1");
    }

    @Test
    void hostAntiAffinityWithAFreeHostInTheZoneMigrates() {
        Classification c = classify(TestFleets.builder().host("a1", "az1", "r1", true).host("s1", "az1", "r2", false)
                .host("s2", "az1", "r3", false).group("g", AntiAffinity.HOST, 1)
                .instance("a1", 2, 2048, OnHostMaintenance.MIGRATE, "g").instance("s1", 2, 2048, OnHostMaintenance.MIGRATE, "g"));
        assertThat(c.kind(0)).isEqualTo(MoveKind.LIVE_MIGRATE);
    }

    @Test
    void rackAntiAffinityWithAMemberOnEveryRackOfTheZoneRebootsInPlace() {
        // three hosts but two racks: a1 in r1, s1 and s2 in r2; members on a1 and s1
        Classification c = classify(TestFleets.builder().host("a1", "az1", "r1", true).host("s1", "az1", "r2", false)
                .host("s2", "az1", "r2", false).group("g", AntiAffinity.RACK, 1)
                .instance("a1", 2, 2048, OnHostMaintenance.MIGRATE, "g").instance("s1", 2, 2048, OnHostMaintenance.MIGRATE, "g"));
        assertThat(c.kind(0)).isEqualTo(MoveKind.REBOOT_IN_PLACE);
        assertThat(c.reason(0)).isEqualTo("group g has a member on every rack of zone az1");
    }

    @Test
    void zoneAntiAffinityNeverKeepsAnInstanceOnItsHost() {
        Classification c = classify(TestFleets.builder().host("a1", "az1", "r1", true).host("s1", "az1", "r2", false)
                .group("g", AntiAffinity.ZONE, 1)
                .instance("a1", 2, 2048, OnHostMaintenance.MIGRATE, "g"));
        assertThat(c.kind(0)).isEqualTo(MoveKind.LIVE_MIGRATE);
    }

    /**
     * A member on a cordoned host does not fill a usable host. The zone has two usable hosts (a1,
     * s1) and two members (on a1 and on the cordoned c1): s1 is free, so i-1 live-migrates. (Members
     * used to be counted on every host, usable hosts without the cordoned ones: i-1 was kept on a1
     * "because g has a member on every host" and rebooted in place.)
     */
    @Test
    void aMemberOnACordonedHostDoesNotFillAUsableHost() {
        Classification c = classify(TestFleets.builder().host("a1", "az1", "r1", true)
                .host("c1", "az1", "r2", false, 16, 65536, "skylake", true, HostState.CORDONED)
                .host("s1", "az1", "r3", false).group("g", AntiAffinity.HOST, 1)
                .instance("a1", 2, 2048, OnHostMaintenance.MIGRATE, "g").instance("c1", 2, 2048, OnHostMaintenance.MIGRATE, "g"));
        assertThat(c.kind(0)).isEqualTo(MoveKind.LIVE_MIGRATE);
        assertThat(c.reason(0)).isNull();
    }

    @Test
    void aHostThatCannotLiveMigrateRelocates() {
        Classification c = classify(TestFleets.builder()
                .host("a1", "az1", "r1", true, 16, 65536, "skylake", false, HostState.ACTIVE)
                .host("s1", "az1", "r2", false).instance("a1", 2, 2048));
        assertThat(c.kind(0)).isEqualTo(MoveKind.RELOCATE);
        assertThat(c.reason(0)).isEqualTo("host a1 cannot live-migrate");
    }

    @Test
    void withoutAnotherLiveCapableHostOfTheSameModelTheInstanceRelocates() {
        // s1 is icelake; s2 is skylake but cannot receive live migrations; z1 is skylake in another zone
        Classification c = classify(TestFleets.builder().host("a1", "az1", "r1", true)
                .host("s1", "az1", "r2", false, 16, 65536, "icelake", true, HostState.ACTIVE)
                .host("s2", "az1", "r3", false, 16, 65536, "skylake", false, HostState.ACTIVE)
                .host("z1", "az2", "r4", false).instance("a1", 2, 2048));
        assertThat(c.kind(0)).isEqualTo(MoveKind.RELOCATE);
        assertThat(c.reason(0)).isEqualTo("no other live-capable skylake host in zone az1 fits it");
    }

    @Test
    void aMigrationThatWouldNotConvergeRelocatesWhenTheTimeOutAborts() {
        // dirtying 2000 MiB/s against 512 MiB/s: every round resends all 8192 MiB
        Classification c = Classification.of(oneInstance(8192, 2000, OnHostMaintenance.MIGRATE, LiveMigrationPolicy.DEFAULTS));
        assertThat(c.kind(0)).isEqualTo(MoveKind.RELOCATE);
        assertThat(c.reason(0)).isEqualTo("live migration would not converge (dirty rate 2000.0 MiB/s against 512.0 MiB/s per migration)");
        assertThat(c.liveSeconds(0)).isZero();
    }

    @Test
    void aMigrationThatWouldNotConvergeGoesPostCopyWhenThePolicySaysSo() {
        // the pre-copy runs to its time-out, 150 s/GiB × 8 GiB = 1200 s, then one pass of 8192 / 512 = 16 s
        LiveMigrationPolicy postCopy = new LiveMigrationPolicy(Duration.ofMillis(300), 1024, 2, Duration.ofSeconds(150),
                OnTimeout.POSTCOPY);
        Classification c = Classification.of(oneInstance(8192, 2000, OnHostMaintenance.MIGRATE, postCopy));
        assertThat(c.kind(0)).isEqualTo(MoveKind.LIVE_MIGRATE);
        assertThat(c.reason(0)).isEqualTo("pre-copy would not converge (dirty rate 2000.0 MiB/s); post-copy");
        assertThat(c.liveSeconds(0)).isEqualTo(1216.0);
    }

    @Test
    void aMigrationSlowerThanItsTimeOutRelocates() {
        // 1 s per GiB: 8 s for 8 GiB, but the migration needs 16.3 s (the dirty rate, 10 MiB/s, is not the cause)
        LiveMigrationPolicy tight = new LiveMigrationPolicy(Duration.ofMillis(300), 1024, 2, Duration.ofSeconds(1),
                OnTimeout.ABORT);
        Classification c = Classification.of(oneInstance(8192, 10, OnHostMaintenance.MIGRATE, tight));
        assertThat(c.kind(0)).isEqualTo(MoveKind.RELOCATE);
        assertThat(c.reason(0)).startsWith("live migration would not converge");
    }

    @Test
    void reclassifyRecordsTheKindDecidedAtPlanningTime() {
        Classification c = classify(TestFleets.builder().host("a1", "az1", "r1", true).host("s1", "az1", "r2", false)
                .instance("a1", 2, 2048).instance("a1", 2, 2048, OnHostMaintenance.RESTART, null));
        c.reclassify(0, MoveKind.RELOCATE, "no live-capable destination now");
        assertThat(c.kind(0)).isEqualTo(MoveKind.RELOCATE);
        assertThat(c.reason(0)).isEqualTo("no live-capable destination now");
        c.reclassify(1, MoveKind.RELOCATE, "ignored");
        assertThat(c.reason(1)).as("the same kind keeps its reason").isNull();
    }

    @Test
    void strandedArrivalsAreRecordedPerZone() {
        Classification c = classify(TestFleets.builder().host("a1", "az1", "r1", true).host("z1", "az2", "r2", true));
        assertThat(c.hasStrandedArrivals(0)).isFalse();
        c.markStrandedArrival(1);
        assertThat(c.hasStrandedArrivals(1)).isTrue();
        assertThat(c.hasStrandedArrivals(0)).isFalse();
    }
}
