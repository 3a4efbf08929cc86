package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.AffectRule;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Glob;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.HostState;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.store.InventoryChanges;
import dev.ferry.store.InventoryStore.Change;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which inventory changes overtake a proposal's plan: those on what it must patch and move, not churn elsewhere. */
class PlanFootprintTest {
    // a (affected, i-1 on it), s1 and s2 safe (i-2 on s1)
    private static Host host(String id, String version) {
        return new Host(id, "az1", "r-" + id, 16, 65536, 1.0, version, "skylake", true, HostState.ACTIVE, null);
    }

    private static Instance instance(String id, String host) {
        return new Instance(id, "t1", host, 2, 2048, OnHostMaintenance.MIGRATE, null, 0);
    }

    private final PlanningProblem problem = new PlanningProblem(
            new Fleet(List.of(host("a", "old"), host("s1", "new"), host("s2", "new")),
                    List.of(instance("i-1", "a"), instance("i-2", "s1")), List.of(), List.of()),
            new Advisory("XSA-T", "t", List.of(new AffectRule(Glob.of("old"), Glob.of("*"))), "new", true, null),
            new Policy(20, 5, 1, 0, java.time.Duration.ZERO, java.time.Duration.ZERO,
                    dev.ferry.core.model.LiveMigrationPolicy.DEFAULTS, 3, dev.ferry.core.model.MaintenanceDurations.DEFAULTS),
            Instant.parse("2026-11-28T00:00:00Z"));
    private final Plan plan = new FerryStrategy().plan(problem);
    private final PlanFootprint footprint = new PlanFootprint(problem, plan);

    @Test
    void churnAwayFromThePlanLeavesItStanding() {
        assertThat(footprint.overtakenBecause(List.of(
                new Change("remove", "i-2", ""),
                InventoryChanges.add(instance("i-2", "s2")),
                InventoryChanges.add(instance("i-9", "s1")),
                new Change("on-host-maintenance", "i-2", "restart"),
                new Change("host-state", "s2", "cordoned"),
                new Change("hypervisor", "s1", "new")))).isNull();
    }

    @Test
    void changesToWhatThePlanMustPatchOrMoveOvertakeIt() {
        assertThat(footprint.overtakenBy(List.of(new Change("host-state", "a", "cordoned"))))
                .containsExactly("affected host a is now cordoned");
        assertThat(footprint.overtakenBy(List.of(new Change("remove", "i-1", ""))))
                .containsExactly("instance i-1 was stopped or terminated");
        assertThat(footprint.overtakenBy(List.of(new Change("on-host-maintenance", "i-1", "restart"))))
                .containsExactly("instance i-1 now asks for restart in maintenance");
        assertThat(footprint.overtakenBy(List.of(InventoryChanges.add(instance("i-8", "a")))))
                .containsExactly("instance i-8 started on a");
        assertThat(footprint.overtakenBy(List.of(new Change("hypervisor", "a", "new"))))
                .as("patched outside Ferry").containsExactly("host a now runs new, which changes the hosts the advisory affects");
        assertThat(footprint.overtakenBy(List.of(new Change("hypervisor", "s2", "old"))))
                .as("newly affected").containsExactly("host s2 now runs old, which changes the hosts the advisory affects");
    }

    @Test
    void theReasonNamesTheFirstFiveAndCountsThemAll() {
        List<Change> many = List.of(new Change("remove", "i-1", ""), new Change("host-state", "a", "cordoned"),
                new Change("host-state", "a", "active"), new Change("host-state", "a", "cordoned"),
                new Change("host-state", "a", "active"), new Change("host-state", "a", "cordoned"));
        assertThat(footprint.overtakenBecause(many)).startsWith("the inventory changed where the plan acts (6): instance i-1 was stopped")
                .endsWith("; ...");
    }
}
