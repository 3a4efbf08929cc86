package dev.ferry.core.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.TestFleets;
import dev.ferry.core.admission.Refusal;
import dev.ferry.core.admission.Throttle;
import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.MaintenanceDurations;
import dev.ferry.core.model.Policy;
import dev.ferry.core.model.Tenant;
import dev.ferry.core.model.Window;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ThrottleAndWindowsTest {
    @Test
    void throttleHoldsFleetZoneAndZonesAtOnceCaps() {
        Policy p = new Policy(3, 2, 1, 0, Duration.ZERO, Duration.ZERO, LiveMigrationPolicy.DEFAULTS, 3,
                MaintenanceDurations.DEFAULTS);
        Throttle t = new Throttle(p, 2);
        assertThat(t.effectiveCap()).isEqualTo(2); // one zone at a time, two hosts per zone
        t.enter(0);
        assertThat(t.zoneOpen(1)).as("second zone while the first is active").isFalse();
        assertThat(t.refusal(1, "az2", 3)).extracting(Refusal::kind).isEqualTo(Refusal.Kind.CAP);
        assertThat(t.refusal(1, "az2", 3).message()).contains("zonesAtOnce 1");
        assertThat(t.mayEnter(0, 3)).isTrue();
        t.enter(0);
        assertThat(t.zoneOpen(0)).as("zone full").isFalse();
        assertThat(t.refusal(0, "az1", 3).message()).contains("maxHostsPerZone 2");
        assertThat(t.refusal(0, "az1", 2).message()).as("the fleet cap first").contains("the cap is 2");
        t.leave(0);
        t.leave(0);
        assertThat(t.zoneOpen(1)).isTrue();
        assertThat(t.inMaintenance()).isZero();
    }

    @Test
    void windowsOpenOnTheirDaysAndNeverPastTheDeadline() {
        // TestFleets.START is Friday 2014-09-26 12:00 UTC.
        TenantWindows w = new TenantWindows(List.of(
                new Tenant("weekend", new Window(Set.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY), LocalTime.of(2, 0), 6)),
                new Tenant("none", null)), TestFleets.START);
        long saturday2am = 14 * 3_600_000L;
        assertThat(w.firstStart("weekend", 0, Long.MAX_VALUE)).isEqualTo(saturday2am);
        assertThat(w.firstStart("weekend", saturday2am + 3_600_000L, Long.MAX_VALUE))
                .as("inside an open window: now").isEqualTo(saturday2am + 3_600_000L);
        assertThat(w.firstStart("weekend", 0, saturday2am)).as("past the deadline: no window").isZero();
        assertThat(w.firstStart("none", 5, Long.MAX_VALUE)).isEqualTo(5);
    }
}
