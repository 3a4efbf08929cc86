package dev.ferry.core.planner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.ferry.core.TestFleets;
import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.HostState;
import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.MaintenanceDurations;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.Policy;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Each component of the makespan bound (docs/lower-bound.md) in a fleet where it is the one that
 * binds, its number worked out by hand. Durations: patch 100 s, reboot 50 s, restart 30 s, so
 * d(h) = 150 s for an empty host, 180 s with a relocation (drain 30 s), 180 s with a reboot in
 * place (restart after), 210 s with both. Hosts are 16 cpus (16000 milli), 64 GiB (65536 MiB).
 */
class LowerBoundsTest {
    private static final MaintenanceDurations DURATIONS =
            new MaintenanceDurations(Duration.ofSeconds(100), Duration.ofSeconds(50), Duration.ofSeconds(30));

    private static Policy policy(int maxHostsInMaintenance, int maxHostsPerZone, int zonesAtOnce, int canaries, long soakSeconds,
                                 long noticeSeconds) {
        return new Policy(maxHostsInMaintenance, maxHostsPerZone, zonesAtOnce, canaries, Duration.ofSeconds(soakSeconds),
                Duration.ofSeconds(noticeSeconds), LiveMigrationPolicy.DEFAULTS, 3, DURATIONS);
    }

    private static Policy caps(int maxHostsInMaintenance, int maxHostsPerZone, int zonesAtOnce) {
        return policy(maxHostsInMaintenance, maxHostsPerZone, zonesAtOnce, 0, 0, 0);
    }

    private static LowerBound bound(TestFleets fleet, Policy policy) {
        PlanningProblem p = fleet.problem(policy);
        return LowerBounds.compute(p, Classification.of(p));
    }

    private static long component(LowerBound b, String rule) {
        return b.components().stream().filter(c -> c.rule().equals(rule)).findFirst().orElseThrow().seconds();
    }

    private static TestFleets relocating(TestFleets f, String host, int cpus, long memoryMiB) {
        return f.instance(host, cpus, memoryMiB, OnHostMaintenance.RESTART, null);
    }

    @Test
    void withoutAffectedHostsTheBoundIsZero() {
        LowerBound b = bound(TestFleets.builder().host("s1", "az1", "r1", false).instance("s1", 2, 2048), caps(20, 5, 1));
        assertThat(b.seconds()).isZero();
        assertThat(b.components()).isEmpty();
        assertThat(b.binding()).isNull();
    }

    @Test
    void perHostIsTheLongestHostAfterItsNotice() {
        // a1 relocates i-1 (2 cpus, 2 GiB): d = 180; notice 600: per-host 600 + 180 = 780.
        // maxHostsInMaintenance: ceil(180 / 20) = 9. Zone az1: the longest host, 180 (180 / 5 = 36; capacity
        // 180 × 16000 / (14000 + 16000) = 96). Notice: 600 + the zone over a1 alone (180) = 780, a tie;
        // per-host comes first, so it is the binding one.
        LowerBound b = bound(relocating(TestFleets.builder().host("a1", "az1", "r1", true).host("s1", "az1", "r2", false),
                "a1", 2, 2048), policy(20, 5, 1, 0, 0, 600));
        assertThat(b.components()).extracting(LowerBound.Component::rule, LowerBound.Component::seconds).containsExactly(
                tuple("per-host", 780L), tuple("maxHostsInMaintenance", 9L), tuple("zone az1", 180L), tuple("notice", 780L));
        assertThat(b.seconds()).isEqualTo(780);
        assertThat(b.binding().rule()).isEqualTo("per-host");
        assertThat(b.binding().explanation()).isEqualTo("host a1 takes at least 180 s and cannot start before the 600 s notice");
    }

    @Test
    void perHostDrainIsTheLanesBoundNotTheirSchedule() {
        // three 8 GiB live migrations of 16.318603515625 s in 2 lanes: max(16.32, 48.96 / 2 = 24.48) = 24.48 s;
        // + 150 = 174.48, so 175 (a longest-first schedule needs 32.64 s: 183)
        LowerBound three = bound(TestFleets.builder().host("a1", "az1", "r1", true).host("s1", "az1", "r2", false)
                .instance("a1", 2, 8192).instance("a1", 2, 8192).instance("a1", 2, 8192), caps(20, 5, 1));
        assertThat(component(three, "per-host")).isEqualTo(175);
        // 32 GiB: 64 s, 640 MiB dirtied, 1.25 s, 12.5 MiB in the pause (0.0244140625 s): 65.2744140625 s; with a
        // 2 GiB one (4.078125 s) the longest binds: max(65.27, 69.35 / 2) + 150 = 215.27, so 216
        LowerBound oneLong = bound(TestFleets.builder().host("a1", "az1", "r1", true).host("s1", "az1", "r2", false)
                .instance("a1", 2, 32768).instance("a1", 2, 2048), caps(20, 5, 1));
        assertThat(component(oneLong, "per-host")).isEqualTo(216);
    }

    @Test
    void maxHostsInMaintenanceBindsWhenTheFleetCapIsTheNarrowest() {
        // three zones with two empty affected hosts each (d = 150): Σ = 900, two at a time: 450.
        // Each zone: 150 (300 / 5 = 60; capacity 2 × 150 × 16000 / 32000 = 150). Three zones at once: no zonesAtOnce part.
        LowerBound b = bound(TestFleets.builder()
                .host("a1", "az1", "r1", true).host("a2", "az1", "r2", true)
                .host("b1", "az2", "r3", true).host("b2", "az2", "r4", true)
                .host("c1", "az3", "r5", true).host("c2", "az3", "r6", true), caps(2, 5, 3));
        assertThat(b.components()).extracting(LowerBound.Component::rule, LowerBound.Component::seconds).containsExactly(
                tuple("per-host", 150L), tuple("maxHostsInMaintenance", 450L), tuple("zone az1", 150L), tuple("zone az2", 150L),
                tuple("zone az3", 150L));
        assertThat(b.binding().rule()).isEqualTo("maxHostsInMaintenance");
        assertThat(b.binding().explanation()).isEqualTo("Σ host maintenance 900 s / maxHostsInMaintenance 2");
    }

    @Test
    void aZoneBindsThroughMaxHostsPerZone() {
        // four empty affected hosts in az1 (d = 150), one at a time in the zone: 600.
        // maxHostsInMaintenance: ceil(600 / 20) = 30; capacity: 4 × 150 × 16000 / 64000 = 150.
        LowerBound b = bound(TestFleets.builder().host("a1", "az1", "r1", true).host("a2", "az1", "r2", true)
                .host("a3", "az1", "r3", true).host("a4", "az1", "r4", true), caps(20, 1, 1));
        assertThat(b.components()).extracting(LowerBound.Component::rule, LowerBound.Component::seconds).containsExactly(
                tuple("per-host", 150L), tuple("maxHostsInMaintenance", 30L), tuple("zone az1", 600L));
        assertThat(b.binding().explanation()).isEqualTo("Σ host maintenance in az1 600 s / maxHostsPerZone 1");
    }

    /** a1 and a2 each relocate one instance of 4 cpus / 4 GiB; s1 is safe with 14 cpus / 4 GiB used. */
    private static TestFleets crowded() {
        TestFleets f = TestFleets.builder().host("a1", "az1", "r1", true).host("a2", "az1", "r2", true).host("s1", "az1", "r3", false);
        return relocating(relocating(f, "a1", 4, 4096), "a2", 4, 4096).instance("s1", 14, 4096);
    }

    @Test
    void aZoneBindsThroughItsSpareCapacity() {
        // d = 180 for a1 and a2; each takes its whole 16000 milli-cpu away while in maintenance.
        // Spare cpu: 12000 + 12000 + 2000 = 26000; 2 × 180 × 16000 / 26000 = 221.5, so 222.
        // Memory: 2 × 180 × 65536 / (3 × 61440) = 128. Longest 180; 360 / 5 = 72; 360 / 20 = 18.
        LowerBound b = bound(crowded(), caps(20, 5, 1));
        assertThat(b.components()).extracting(LowerBound.Component::rule, LowerBound.Component::seconds).containsExactly(
                tuple("per-host", 180L), tuple("maxHostsInMaintenance", 18L), tuple("zone az1", 222L));
        assertThat(b.binding().explanation())
                .isEqualTo("capacity in az1: Σ (host time × capacity it takes away) / the zone's spare capacity");
    }

    @Test
    void aZoneWithAStrandedArrivalHasNoCapacityBound() {
        PlanningProblem p = crowded().problem(caps(20, 5, 1));
        Classification cls = Classification.of(p);
        cls.markStrandedArrival(0);
        LowerBound b = LowerBounds.compute(p, cls);
        assertThat(component(b, "zone az1")).as("back to the longest host").isEqualTo(180);
        assertThat(b.binding().rule()).isEqualTo("per-host");
    }

    @Test
    void aCordonedHostTakesAwayOnlyTheLoadThatMustMove() {
        // c1 (affected, cordoned) relocates 8 cpus / 8 GiB: d = 180. Spare: s1 alone (c1 is not usable), 2000 milli-cpu,
        // 61440 MiB. cpu: 180 × 8000 / 2000 = 720 (were c1's whole capacity counted: 180 × 16000 / 10000 = 288);
        // memory: 180 × 8192 / 61440 = 24.
        LowerBound b = bound(relocating(TestFleets.builder()
                .host("c1", "az1", "r1", true, 16, 65536, "skylake", true, HostState.CORDONED)
                .host("s1", "az1", "r2", false), "c1", 8, 8192).instance("s1", 14, 4096), caps(20, 5, 1));
        assertThat(b.components()).extracting(LowerBound.Component::rule, LowerBound.Component::seconds).containsExactly(
                tuple("per-host", 180L), tuple("maxHostsInMaintenance", 9L), tuple("zone az1", 720L));
    }

    @Test
    void whatRebootsInPlaceStaysAndIsNotTakenAway() {
        // a1 and a2 each: 8 cpus / 1 GiB reboot in place, 4 cpus / 1 GiB relocate (to the other one): d = 30 + 150 + 30 = 210.
        // Each takes 16000 - 8000 = 8000 milli-cpu away; spare 2 × 4000 = 8000: 2 × 210 × 8000 / 8000 = 420
        // (without the reboot in place subtracted: 840). Memory: 2 × 210 × 64512 / 126976 = 213.4, so 214.
        // Longest 210; 420 / 5 = 84; 420 / 20 = 21.
        TestFleets f = TestFleets.builder().host("a1", "az1", "r1", true).host("a2", "az1", "r2", true);
        for (String h : new String[] {"a1", "a2"}) {
            f.instance(h, 8, 1024, OnHostMaintenance.REBOOT_IN_PLACE, null).instance(h, 4, 1024, OnHostMaintenance.RESTART, null);
        }
        LowerBound b = bound(f, caps(20, 5, 1));
        assertThat(b.components()).extracting(LowerBound.Component::rule, LowerBound.Component::seconds).containsExactly(
                tuple("per-host", 210L), tuple("maxHostsInMaintenance", 21L), tuple("zone az1", 420L));
    }

    @Test
    void zonesAtOnceBindsWhenMoreZonesHaveWorkThanMayBeActive() {
        // one empty affected host per zone (each zone: 150), one zone at a time: 3 × 150 = 450; 450 / 20 = 23
        TestFleets f = TestFleets.builder().host("a1", "az1", "r1", true).host("b1", "az2", "r2", true)
                .host("c1", "az3", "r3", true);
        LowerBound b = bound(f, caps(20, 5, 1));
        assertThat(b.components()).extracting(LowerBound.Component::rule, LowerBound.Component::seconds).containsExactly(
                tuple("per-host", 150L), tuple("maxHostsInMaintenance", 23L), tuple("zone az1", 150L), tuple("zone az2", 150L),
                tuple("zone az3", 150L), tuple("zonesAtOnce", 450L));
        assertThat(b.binding().explanation()).isEqualTo("zones are worked 1 at a time: Σ zone bounds 450 s / 1");
        assertThat(component(bound(f, caps(20, 5, 2)), "zonesAtOnce")).as("two at a time: 450 / 2").isEqualTo(225);
        assertThat(bound(f, caps(20, 5, 3)).components()).extracting(LowerBound.Component::rule).doesNotContain("zonesAtOnce");
    }

    @Test
    void noticeBindsWhenTheHostsThatNeedItCannotAllFitAfterIt() {
        // a1, a2, a3 relocate 1 cpu / 1 GiB each (d = 180); a4 is empty (150, no notice). Notice 1000 s, one host per zone.
        // All hosts: per-host 1000 + 180 = 1180; 690 / 20 = 35; zone az1 690 / 1 = 690.
        // After the notice, a1..a3 only: zone 540 / 1 = 540 (27 fleet-wide; capacity 3 × 180 × 16000 / 61000 = 142): 1540.
        TestFleets f = TestFleets.builder().host("a1", "az1", "r1", true).host("a2", "az1", "r2", true)
                .host("a3", "az1", "r3", true).host("a4", "az1", "r4", true);
        for (String h : new String[] {"a1", "a2", "a3"}) {
            relocating(f, h, 1, 1024);
        }
        LowerBound b = bound(f, policy(20, 1, 1, 0, 0, 1000));
        assertThat(b.components()).extracting(LowerBound.Component::rule, LowerBound.Component::seconds).containsExactly(
                tuple("per-host", 1180L), tuple("maxHostsInMaintenance", 35L), tuple("zone az1", 690L), tuple("notice", 1540L));
        assertThat(b.binding().explanation()).isEqualTo("3 hosts need notice; after the 1000 s notice: zone az1 "
                + "(Σ host maintenance in az1 540 s / maxHostsPerZone 1)");
    }

    @Test
    void canariesBindWithALongSoak() {
        // d: a1 150 (empty), a2 and a3 180 (relocations). Two canaries, the shortest: 150 + 180; soak 1000; then 180.
        // Others: per-host 180; 510 / 20 = 26; zone 180 (510 / 5 = 102; capacity (150 + 2 × 180) × 16000 / 62000 = 132).
        TestFleets f = TestFleets.builder().host("a1", "az1", "r1", true).host("a2", "az1", "r2", true)
                .host("a3", "az1", "r3", true).host("s1", "az1", "r4", false);
        relocating(relocating(f, "a2", 1, 1024), "a3", 1, 1024);
        LowerBound b = bound(f, policy(20, 5, 1, 2, 1000, 0));
        assertThat(b.components()).extracting(LowerBound.Component::rule, LowerBound.Component::seconds).containsExactly(
                tuple("per-host", 180L), tuple("maxHostsInMaintenance", 26L), tuple("zone az1", 180L), tuple("canary", 1510L));
        assertThat(b.binding().explanation())
                .isEqualTo("2 canary host(s) one at a time, then the 1000 s soak, then at least one more host");
    }

    @Test
    void whenEveryHostIsACanaryThereIsNoSoakAfterThem() {
        // canaryHosts 5 but two hosts: 150 + 180 = 330, nothing after them to wait for
        TestFleets f = TestFleets.builder().host("a1", "az1", "r1", true).host("a2", "az1", "r2", true)
                .host("s1", "az1", "r3", false);
        LowerBound b = bound(relocating(f, "a2", 1, 1024), policy(20, 5, 1, 5, 1000, 0));
        assertThat(component(b, "canary")).isEqualTo(330);
        assertThat(b.binding().explanation()).startsWith("2 canary host(s)");
    }

    @Test
    void skippedHostsAreNotCounted() {
        TestFleets f = TestFleets.builder().host("a1", "az1", "r1", true).host("a2", "az1", "r2", true)
                .host("a3", "az1", "r3", true).host("a4", "az1", "r4", true);
        PlanningProblem p = f.problem(caps(20, 1, 1));
        Classification cls = Classification.of(p);
        assertThat(component(LowerBounds.compute(p, cls, Set.of("a1", "a2")), "zone az1")).as("2 × 150 / 1").isEqualTo(300);
        LowerBound none = LowerBounds.compute(p, cls, Set.of("a1", "a2", "a3", "a4"));
        assertThat(none.seconds()).isZero();
        assertThat(none.components()).isEmpty();
    }

    @Test
    void withoutARebootEachHostIsItsPatchWithNoNoticeAndNoCapacityTaken() {
        // the relocation does not happen: d = patch = 100, no notice part, nothing taken away from the zone
        TestFleets f = relocating(TestFleets.builder().host("a1", "az1", "r1", true).host("s1", "az1", "r2", false)
                .instance("s1", 15, 4096), "a1", 8, 8192);
        PlanningProblem p = f.problem(policy(20, 5, 1, 0, 0, 1000));
        Advisory noReboot = new Advisory("XSA-LIVE", "live patch", TestFleets.ADVISORY.affects(), "new", false, null);
        PlanningProblem live = new PlanningProblem(p.fleet(), noReboot, p.policy(), p.start());
        LowerBound b = LowerBounds.compute(live, Classification.of(live));
        assertThat(b.components()).extracting(LowerBound.Component::rule, LowerBound.Component::seconds).containsExactly(
                tuple("per-host", 100L), tuple("maxHostsInMaintenance", 5L), tuple("zone az1", 100L));
        assertThat(b.binding().explanation()).isEqualTo("host a1 takes at least 100 s");
    }
}
