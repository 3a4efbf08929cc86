package dev.ferry.server;

import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Host;
import dev.ferry.core.planner.Move;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.core.planner.Step;
import dev.ferry.store.InventoryChanges;
import dev.ferry.store.InventoryStore.Change;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a proposal's plan stands on, to judge at approval whether the inventory changes since the
 * proposal overtook it. The plan is obligated to the affected hosts and the instances on them; it
 * places the rest wherever the campaign finds room when it runs (a destination that filled up is
 * re-placed), so churn elsewhere leaves it valid. A change overtakes it when it:
 * <ul>
 *   <li>cordons or uncordons an affected host, or changes the hypervisor of a host so that the
 *       advisory's affected set is no longer the plan's;</li>
 *   <li>stops, terminates, re-places or changes {@code onHostMaintenance} of an instance the plan
 *       handles, or puts a new instance on an affected host.</li>
 * </ul>
 * Immutable; thread-safe.
 */
public final class PlanFootprint {
    private final PlanningProblem problem;
    private final Set<String> affectedHosts;
    private final Set<String> plannedInstances = new HashSet<>();

    public PlanFootprint(PlanningProblem problem, Plan plan) {
        this.problem = problem;
        this.affectedHosts = Set.copyOf(plan.affectedHosts());
        Fleet fleet = problem.fleet();
        for (String h : plan.affectedHosts()) {
            int host = fleet.hostIndex(h);
            for (int k = 0; host >= 0 && k < fleet.instanceCountOn(host); k++) {
                plannedInstances.add(fleet.instance(fleet.instanceOn(host, k)).id());
            }
        }
        for (Step s : plan.steps()) {
            for (Move m : s.moves()) {
                plannedInstances.add(m.instance());
            }
        }
    }

    /** Why these changes overtake the plan (the first five, in words), or null when it still stands. */
    public String overtakenBecause(List<Change> changes) {
        List<String> why = overtakenBy(changes);
        if (why.isEmpty()) {
            return null;
        }
        return "the inventory changed where the plan acts (" + why.size() + "): " + String.join("; ", why.subList(0, Math.min(5,
                why.size()))) + (why.size() > 5 ? "; ..." : "");
    }

    /** The changes that overtake the plan, each in words; empty when it still holds. */
    public List<String> overtakenBy(List<Change> changes) {
        List<String> out = new ArrayList<>();
        for (Change c : changes) {
            String why = overtakenBy(c);
            if (why != null) {
                out.add(why);
            }
        }
        return out;
    }

    private String overtakenBy(Change c) {
        return switch (c.kind()) {
            case "host-state" -> affectedHosts.contains(c.target()) ? "affected host " + c.target() + " is now " + c.value() : null;
            case "hypervisor" -> affectedSetChanges(c.target(), c.value())
                    ? "host " + c.target() + " now runs " + c.value() + ", which changes the hosts the advisory affects" : null;
            case "on-host-maintenance" -> plannedInstances.contains(c.target())
                    ? "instance " + c.target() + " now asks for " + c.value() + " in maintenance" : null;
            case "remove" -> plannedInstances.contains(c.target()) ? "instance " + c.target() + " was stopped or terminated" : null;
            case "move" -> plannedInstances.contains(c.target()) || affectedHosts.contains(c.value())
                    ? "instance " + c.target() + " moved to " + c.value() : null;
            case "add" -> {
                String host = InventoryChanges.instance(c.value()).host();
                yield plannedInstances.contains(c.target()) || affectedHosts.contains(host)
                        ? "instance " + c.target() + " started on " + host : null;
            }
            default -> "an inventory change of a kind this version does not judge (" + c.kind() + " " + c.target() + ")";
        };
    }

    private boolean affectedSetChanges(String hostId, String version) {
        int h = problem.fleet().hostIndex(hostId);
        if (h < 0) {
            return false; // a host the plan does not know: not one it acts on
        }
        Host was = problem.fleet().host(h);
        Host now = new Host(was.id(), was.zone(), was.rack(), was.cpus(), was.memoryMiB(), was.cpuAllocationRatio(), version,
                was.cpuModel(), was.liveMigration(), was.state(), was.agent());
        return affectedHosts.contains(hostId) || problem.advisory().affects(now);
    }
}
