package dev.ferry.core.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.MaintenanceDurations;
import dev.ferry.core.model.Policy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The caps one at a time, their exact refusals and the order they are checked in. (The campaign
 * package's ThrottleAndWindowsTest walks one policy through all three caps; this adds what it
 * leaves out.)
 */
class ThrottleTest {
    private static Policy policy(int maxHostsInMaintenance, int maxHostsPerZone, int zonesAtOnce) {
        return new Policy(maxHostsInMaintenance, maxHostsPerZone, zonesAtOnce, 0, Duration.ZERO, Duration.ZERO,
                LiveMigrationPolicy.DEFAULTS, 3, MaintenanceDurations.DEFAULTS);
    }

    @Test
    void aFreshThrottleHasNothingInMaintenanceAndAdmitsAnyZone() {
        Throttle t = new Throttle(policy(4, 2, 1), 3);
        assertThat(t.inMaintenance()).isZero();
        assertThat(t.activeZones()).isZero();
        for (int z = 0; z < 3; z++) {
            assertThat(t.inMaintenance(z)).isZero();
            assertThat(t.zoneActive(z)).isFalse();
            assertThat(t.zoneOpen(z)).isTrue();
            assertThat(t.mayEnter(z, 4)).isTrue();
            assertThat(t.refusal(z, "az" + z, 4)).isNull();
        }
        assertThat(t).hasToString("in maintenance 0, active zones 0");
    }

    @Test
    void theFleetCapRefusesWithTheCallersCapAndItsExactMessage() {
        // Policy allows 5 hosts; the caller asks with a cap of 2 (as in a canary phase with cap 1).
        Throttle t = new Throttle(policy(5, 5, 2), 2);
        t.enter(0);
        t.enter(1);
        assertThat(t.mayEnter(0, 2)).isFalse();
        assertThat(t.zoneOpen(0)).as("the zone itself has room").isTrue();
        assertThat(t.refusal(0, "az1", 2)).isEqualTo(Refusal.of(Refusal.Kind.CAP, "2 hosts in maintenance (the cap is 2)"));
        assertThat(t.mayEnter(0, 3)).isTrue();
        assertThat(t.refusal(0, "az1", 3)).isNull();
    }

    @Test
    void aFullZoneRefusesWithItsNameAndTheSetting() {
        Throttle t = new Throttle(policy(10, 2, 2), 2);
        t.enter(1);
        t.enter(1);
        assertThat(t.zoneOpen(1)).isFalse();
        assertThat(t.mayEnter(1, 10)).isFalse();
        assertThat(t.refusal(1, "az2", 10))
                .isEqualTo(Refusal.of(Refusal.Kind.CAP, "2 hosts of zone az2 in maintenance (maxHostsPerZone 2)"));
        assertThat(t.zoneOpen(0)).as("another zone may still start (zonesAtOnce 2)").isTrue();
    }

    @Test
    void zonesAtOnceRefusesANewZoneButNotMoreHostsOfAnActiveOne() {
        // three zones, two may be active at once, three hosts per zone
        Throttle t = new Throttle(policy(10, 3, 2), 3);
        t.enter(0);
        t.enter(1);
        assertThat(t.activeZones()).isEqualTo(2);
        assertThat(t.zoneOpen(2)).isFalse();
        assertThat(t.refusal(2, "az3", 10))
                .isEqualTo(Refusal.of(Refusal.Kind.CAP, "2 other zones in maintenance (zonesAtOnce 2)"));
        assertThat(t.zoneOpen(0)).as("an active zone keeps its turn").isTrue();
        assertThat(t.refusal(0, "az1", 10)).isNull();
        t.enter(0);
        assertThat(t.activeZones()).as("a second host does not make a second active zone").isEqualTo(2);
        assertThat(t.inMaintenance(0)).isEqualTo(2);
    }

    @Test
    void theFleetCapIsReportedBeforeTheZoneCapsAndTheZoneBeforeZonesAtOnce() {
        // one zone at a time, one host per zone, one host fleet-wide: everything is full at once
        Throttle t = new Throttle(policy(1, 1, 1), 2);
        t.enter(0);
        assertThat(t.refusal(0, "az1", 1).message()).isEqualTo("1 hosts in maintenance (the cap is 1)");
        assertThat(t.refusal(0, "az1", Integer.MAX_VALUE).message())
                .isEqualTo("1 hosts of zone az1 in maintenance (maxHostsPerZone 1)");
        assertThat(t.refusal(1, "az2", Integer.MAX_VALUE).message())
                .isEqualTo("1 other zones in maintenance (zonesAtOnce 1)");
    }

    @Test
    void leavingTheLastHostOfAZoneGivesItsTurnToAnotherZone() {
        Throttle t = new Throttle(policy(10, 3, 1), 2);
        t.enter(0);
        t.enter(0);
        t.leave(0);
        assertThat(t.zoneActive(0)).as("one host of the zone is still in").isTrue();
        assertThat(t.zoneOpen(1)).isFalse();
        t.leave(0);
        assertThat(t.zoneActive(0)).isFalse();
        assertThat(t.activeZones()).isZero();
        assertThat(t.inMaintenance()).isZero();
        assertThat(t.zoneOpen(1)).isTrue();
        t.enter(1);
        assertThat(t.zoneOpen(0)).as("now the other zone holds the one turn").isFalse();
        assertThat(t).hasToString("in maintenance 1, active zones 1");
    }

    @Test
    void effectiveCapIsTheFleetCapWhenTheZonesAllowMore() {
        // 3 zones at once × 4 per zone = 12 > 5
        assertThat(new Throttle(policy(5, 4, 3), 3).effectiveCap()).isEqualTo(5);
    }

    @Test
    void effectiveCapIsWhatTheZonesAllowWhenThatIsLess() {
        // 2 zones at once × 3 per zone = 6 < 20
        assertThat(new Throttle(policy(20, 3, 2), 3).effectiveCap()).isEqualTo(6);
    }

    @Test
    void effectiveCapDoesNotOverflowWithHugeZoneSettings() {
        // MAX × MAX overflows an int (to 1); the product is clamped instead
        Throttle t = new Throttle(policy(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE), 1);
        assertThat(t.effectiveCap()).isEqualTo(Integer.MAX_VALUE);
        Throttle fleetBound = new Throttle(policy(7, Integer.MAX_VALUE, 3), 1);
        assertThat(fleetBound.effectiveCap()).isEqualTo(7);
    }

    @Test
    void mayEnterAgreesWithRefusalInEveryReachableState() {
        // maxHostsPerZone 2, zonesAtOnce 2, three zones: every combination of 0..2 hosts per zone that
        // the zone caps allow, asked with fleet caps 0..7.
        Policy p = policy(6, 2, 2);
        int states = 0;
        for (int a = 0; a <= 2; a++) {
            for (int b = 0; b <= 2; b++) {
                for (int c = 0; c <= 2; c++) {
                    int[] hosts = {a, b, c};
                    if ((a > 0 ? 1 : 0) + (b > 0 ? 1 : 0) + (c > 0 ? 1 : 0) > 2) {
                        continue; // zonesAtOnce never lets three zones be active
                    }
                    Throttle t = new Throttle(p, 3);
                    for (int z = 0; z < 3; z++) {
                        for (int k = 0; k < hosts[z]; k++) {
                            t.enter(z);
                        }
                    }
                    states++;
                    for (int z = 0; z < 3; z++) {
                        for (int cap = 0; cap <= 7; cap++) {
                            assertThat(t.mayEnter(z, cap)).as("zone %d cap %d in state %d/%d/%d", z, cap, a, b, c)
                                    .isEqualTo(t.refusal(z, "az", cap) == null);
                        }
                    }
                }
            }
        }
        assertThat(states).isEqualTo(27 - 8); // 8 states have all three zones active
    }
}
