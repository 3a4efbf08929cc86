package dev.ferry.core.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.TestFleets;
import dev.ferry.core.model.AntiAffinity;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.HostState;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.scheduler.filters.AntiAffinityFilter;
import dev.ferry.core.scheduler.filters.CapacityFilter;
import dev.ferry.core.scheduler.filters.CordonFilter;
import dev.ferry.core.scheduler.filters.LiveMigrationFilter;
import dev.ferry.core.scheduler.filters.MaintenanceFilter;
import dev.ferry.core.scheduler.filters.SameZoneFilter;
import dev.ferry.core.scheduler.filters.SourceHostFilter;
import dev.ferry.core.scheduler.filters.VulnerabilityFilter;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FiltersTest {
    // h0: source (affected). h1: same zone, patched-to-be. h2: other zone. h3: cordoned. h4: haswell. h5: no live migration. h6: small.
    private final Fleet fleet = TestFleets.builder()
            .group("db", AntiAffinity.HOST, 1)
            .host("h0", "az1", "r1", true)
            .host("h1", "az1", "r2", false)
            .host("h2", "az2", "r1", false)
            .host("h3", "az1", "r3", false, 16, 65536, "skylake", true, HostState.CORDONED)
            .host("h4", "az1", "r4", false, 16, 65536, "haswell", true, HostState.ACTIVE)
            .host("h5", "az1", "r5", false, 16, 65536, "skylake", false, HostState.ACTIVE)
            .host("h6", "az1", "r6", false, 2, 2048, "skylake", true, HostState.ACTIVE)
            .instance("h0", 4, 8192, OnHostMaintenance.MIGRATE, "db")
            .instance("h1", 4, 8192, OnHostMaintenance.MIGRATE, "db")
            .fleet();

    private final View view = new View(fleet);
    private final PlacementRequest live = new PlacementRequest(0, 0, true, false);

    @Test
    void sourceHostIsNeverADestination() {
        assertThat(new SourceHostFilter().check(view, live, 0)).satisfies(v -> assertNever(v, VetoReason.SOURCE_HOST));
        assertThat(new SourceHostFilter().check(view, live, 1)).isNull();
    }

    @Test
    void instancesNeverLeaveTheirZone() {
        assertNever(new SameZoneFilter().check(view, live, 2), VetoReason.OTHER_ZONE);
        assertThat(new SameZoneFilter().check(view, live, 1)).isNull();
    }

    @Test
    void cordonedAndInMaintenanceHostsAreRefusedForNow() {
        assertNotNow(new CordonFilter().check(view, live, 3), VetoReason.CORDONED);
        view.maintenance[1] = true;
        assertNotNow(new MaintenanceFilter().check(view, live, 1), VetoReason.IN_MAINTENANCE);
    }

    @Test
    void vulnerableHostsAreRefusedUnlessTheMoveIsABootstrap() {
        view.vulnerable[1] = true;
        assertNotNow(new VulnerabilityFilter().check(view, live, 1), VetoReason.VULNERABLE);
        assertThat(new VulnerabilityFilter().check(view, new PlacementRequest(0, 0, true, true), 1)).isNull();
    }

    @Test
    void liveMigrationNeedsTheSameCpuModelAndLiveCapableHosts() {
        assertNever(new LiveMigrationFilter().check(view, live, 4), VetoReason.CPU_MODEL);
        assertNever(new LiveMigrationFilter().check(view, live, 5), VetoReason.NO_LIVE_MIGRATION);
        assertThat(new LiveMigrationFilter().check(view, new PlacementRequest(0, 0, false, false), 4)).isNull();
    }

    @Test
    void capacityTellsNeverFitsFromNotNow() {
        assertNever(new CapacityFilter().check(view, live, 6), VetoReason.CAPACITY);
        view.freeMem[1] = 4096;
        assertNotNow(new CapacityFilter().check(view, live, 1), VetoReason.CAPACITY);
    }

    @Test
    void antiAffinityRefusesAHostWithAnotherMember() {
        assertNotNow(new AntiAffinityFilter().check(view, live, 1), VetoReason.ANTI_AFFINITY);
        assertThat(new AntiAffinityFilter().check(view, live, 4)).isNull();
    }

    @Test
    void schedulerReportsEveryRefusalAndPicksTheBestScore() {
        Scheduler scheduler = Scheduler.standard(HostScorer.SPREAD);
        Placement p = scheduler.best(view, live, IntStream.range(0, 7).iterator());
        assertThat(p.found()).isFalse();
        assertThat(p.vetoes()).containsKeys(VetoReason.SOURCE_HOST, VetoReason.OTHER_ZONE, VetoReason.CORDONED,
                VetoReason.CPU_MODEL, VetoReason.NO_LIVE_MIGRATION, VetoReason.CAPACITY, VetoReason.ANTI_AFFINITY);
        assertThat(p.describe()).contains("has no room").contains("holds a member of the same anti-affinity group");

        PlacementRequest relocate = new PlacementRequest(0, 0, false, false);
        view.freeMem[4] = 60000;
        view.freeMem[5] = 30000;
        assertThat(scheduler.best(view, relocate, IntStream.range(0, 7).iterator()).host()).isEqualTo(4);
        assertThat(Scheduler.standard(HostScorer.PACK).best(view, relocate, IntStream.range(0, 7).iterator()).host())
                .isEqualTo(5);
    }

    private static void assertNever(Veto v, VetoReason reason) {
        assertThat(v).isNotNull();
        assertThat(v.reason()).isEqualTo(reason);
        assertThat(v.permanent()).isTrue();
    }

    private static void assertNotNow(Veto v, VetoReason reason) {
        assertThat(v).isNotNull();
        assertThat(v.reason()).isEqualTo(reason);
        assertThat(v.permanent()).isFalse();
    }

    /** A hand-set placement state. */
    private static final class View implements PlacementView {
        final Fleet fleet;
        final boolean[] maintenance;
        final boolean[] vulnerable;
        final long[] freeMem;

        View(Fleet fleet) {
            this.fleet = fleet;
            int n = fleet.hosts().size();
            maintenance = new boolean[n];
            vulnerable = new boolean[n];
            freeMem = new long[n];
            Arrays.fill(freeMem, 65536);
        }

        @Override
        public Fleet fleet() {
            return fleet;
        }

        @Override
        public int currentHost(int instance) {
            return fleet.hostOf(instance);
        }

        @Override
        public boolean cordoned(int host) {
            return fleet.host(host).cordoned();
        }

        @Override
        public boolean inMaintenance(int host) {
            return maintenance[host];
        }

        @Override
        public boolean vulnerable(int host) {
            return vulnerable[host];
        }

        @Override
        public long freeMilliCpu(int host) {
            return 16000;
        }

        @Override
        public long freeMemoryMiB(int host) {
            return freeMem[host];
        }
    }

}
