package dev.ferry.core.planner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ferry.core.TestFleets;
import dev.ferry.core.model.Advisory;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelsTest {
    @Test
    void preCopyConvergesGeometricallyWhenTheGuestDirtiesSlowerThanTheLink() {
        // 8 GiB at 512 MiB/s, dirtying 128 MiB/s: rounds of 16 s, 4 s, 1 s; the 128 MiB left fit in 300 ms
        // (153.6 MiB), so the guest pauses 0.25 s for the last copy.
        MigrationModel.Estimate e = MigrationModel.estimate(8192, 128, 512, 300, 1200);
        assertThat(e.converges()).isTrue();
        assertThat(e.seconds()).isCloseTo(16 + 4 + 1 + 0.25, within(1e-9));
        assertThat(e.downtimeMs()).isCloseTo(250, within(1e-6));
    }

    @Test
    void preCopyNeverConvergesWhenTheGuestOutrunsTheLink() {
        MigrationModel.Estimate e = MigrationModel.estimate(8192, 600, 512, 300, 1200);
        assertThat(e.converges()).isFalse();
        assertThat(e.seconds()).isEqualTo(1200);
    }

    @Test
    void anIdleGuestTakesOneRound() {
        MigrationModel.Estimate e = MigrationModel.estimate(1024, 0, 512, 300, 1200);
        assertThat(e.converges()).isTrue();
        assertThat(e.seconds()).isCloseTo(2.0, within(1e-9));
    }

    @Test
    void liveMigrationsShareLanesLongestFirst() {
        // LPT, not optimal (9 would be): 5 | 4, then 3 to the 4-lane, 3 to the 5-lane, 3 to the 7-lane.
        assertThat(DurationModel.lanesMakespan(new double[] {5, 4, 3, 3, 3}, 2)).isEqualTo(10);
        assertThat(DurationModel.lanesMakespan(new double[] {5, 4, 3}, 3)).isEqualTo(5);
        assertThat(DurationModel.lanesMakespan(new double[] {}, 2)).isZero();
    }

    @Test
    void stepIsDrainThenPatchThenRebootThenRestarts() {
        var policy = TestFleets.simplePolicy(); // patch 8 min, reboot 5 min, restart 2 min
        Advisory reboot = TestFleets.ADVISORY;
        assertThat(DurationModel.stepSeconds(policy, reboot, new double[] {100, 50}, false, false)).isEqualTo(100 + 780);
        assertThat(DurationModel.stepSeconds(policy, reboot, new double[] {}, true, true)).isEqualTo(120 + 780 + 120);
        Advisory inPlace = new Advisory("A", "t", List.of(), null, false, null);
        assertThat(DurationModel.stepSeconds(policy, inPlace, new double[] {100}, true, true)).isEqualTo(480);
    }
}
