package dev.ferry.core.verify;

import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.planner.PlanningProblem;
import java.util.HashSet;
import java.util.Set;

/** The part of rule C5 about hosts in maintenance: the caps, the canaries alone and the soak after them. Not thread-safe. */
final class MaintenanceCaps {
    private final PlanningProblem problem;
    private final Fleet fleet;
    private final InvariantChecker checker;
    private final boolean[] inMaintenance;
    private final int[] perZone;
    private final Set<Integer> canaries = new HashSet<>();
    /** Hosts that have begun maintenance once, and when a canary failed under {@code onCanaryFailure: halt} (−1: none). */
    private final Set<Integer> begun = new HashSet<>();
    private long canaryFailedAt = -1;
    private String canaryFailed;
    /** The plan's canary hosts, when the checker knows the plan. */
    private final Set<Integer> plannedCanaries = new HashSet<>();
    private int maintenanceTotal;
    private int canariesInMaintenance;
    private long canaryDoneAt = -1;

    MaintenanceCaps(PlanningProblem problem, InvariantChecker checker) {
        this.problem = problem;
        this.fleet = problem.fleet();
        this.checker = checker;
        this.inMaintenance = new boolean[fleet.hosts().size()];
        this.perZone = new int[fleet.zones().size()];
    }

    boolean inMaintenance(int h) {
        return inMaintenance[h];
    }

    void plannedCanary(int h) {
        plannedCanaries.add(h);
    }

    /** The checker knows the plan: its canaries are the ones there are (none, on a plan without). */
    void planKnown() {
        planKnown = true;
    }

    private boolean planKnown;

    /** How many canaries there are: the plan's when it is known (fewer than the policy's on a small plan), else the policy's. */
    private int canaryHosts() {
        return planKnown ? plannedCanaries.size() : problem.policy().canaryHosts();
    }

    /** A host failed: when it is a canary and the policy halts on that, no host may begin maintenance afterwards. */
    void canaryCheck(HistoryRecord r, int h) {
        if (h >= 0 && canaries.contains(h) && canaryFailedAt < 0
                && problem.policy().onCanaryFailure() == dev.ferry.core.model.OnCanaryFailure.HALT) {
            canaryFailedAt = r.timeMs();
            canaryFailed = fleet.host(h).id();
        }
    }

    /**
     * A host failed outside maintenance: a planned canary that went down before it began counts as
     * a canary done, and a parked canary that went down is done; the soak may start now.
     */
    void failed(HistoryRecord r, int h) {
        if (h < 0 || inMaintenance[h] || !canaries.contains(h) && !plannedCanaries.contains(h)) {
            return;
        }
        canaries.add(h);
        if (canariesInMaintenance == 0 && canaries.size() == canaryHosts()) {
            canaryDoneAt = r.timeMs();
        }
    }

    void begin(HistoryRecord r, int h) {
        if (h < 0) {
            return;
        }
        if (canaryFailedAt >= 0 && !begun.contains(h)) {
            checker.violate(r, CampaignRule.BLAST_RADIUS, "host " + fleet.host(h).id() + " begins after canary " + canaryFailed
                    + " failed (onCanaryFailure: halt)");
        }
        begun.add(h);
        String hostId = fleet.host(h).id();
        if (inMaintenance[h]) {
            checker.violate(r, CampaignRule.BLAST_RADIUS, "host " + hostId + " enters maintenance twice");
        }
        var policy = problem.policy();
        boolean canary = canaries.contains(h);
        if (!canary && canaries.size() < canaryHosts()) {
            canaries.add(h);
            canary = true;
        }
        if (maintenanceTotal > 0 && (canary || canariesInMaintenance > 0)) {
            checker.violate(r, CampaignRule.BLAST_RADIUS, "canary " + (canary ? hostId : "") + " is not alone in maintenance");
        }
        if (!canary && canaryDoneAt >= 0 && r.timeMs() < canaryDoneAt + policy.soak().toMillis()) {
            checker.violate(r, CampaignRule.BLAST_RADIUS, "host " + hostId + " begins before the canaries' soak ends at "
                    + (canaryDoneAt + policy.soak().toMillis()) + " ms");
        }
        if (!canary && canaries.size() < canaryHosts() && canaryDoneAt < 0) {
            checker.violate(r, CampaignRule.BLAST_RADIUS, "host " + hostId + " begins before the canaries are done");
        }
        if (canary) {
            canariesInMaintenance++;
        }
        inMaintenance[h] = true;
        maintenanceTotal++;
        int zone = fleet.zoneOf(h);
        perZone[zone]++;
        int zones = 0;
        for (int c : perZone) {
            zones += c > 0 ? 1 : 0;
        }
        if (maintenanceTotal > policy.maxHostsInMaintenance()) {
            checker.violate(r, CampaignRule.BLAST_RADIUS, maintenanceTotal + " hosts in maintenance (maxHostsInMaintenance " + policy.maxHostsInMaintenance() + ")");
        }
        if (perZone[zone] > policy.maxHostsPerZone()) {
            checker.violate(r, CampaignRule.BLAST_RADIUS, perZone[zone] + " hosts in maintenance in " + fleet.host(h).zone() + " (maxHostsPerZone "
                    + policy.maxHostsPerZone() + ")");
        }
        if (zones > policy.zonesAtOnce()) {
            checker.violate(r, CampaignRule.BLAST_RADIUS, zones + " zones in maintenance (zonesAtOnce " + policy.zonesAtOnce() + ")");
        }
    }

    void end(HistoryRecord r, int h, HostPhase phase) {
        if (h < 0) {
            return;
        }
        String hostId = fleet.host(h).id();
        if (!inMaintenance[h]) {
            checker.violate(r, CampaignRule.WELL_FORMED, "host " + hostId + " leaves maintenance it never entered");
            return;
        }
        inMaintenance[h] = false;
        maintenanceTotal--;
        perZone[fleet.zoneOf(h)]--;
        if (canaries.contains(h)) {
            canariesInMaintenance--;
            // A parked canary (it will begin again) does not end the canary phase.
            if (canariesInMaintenance == 0 && canaries.size() == canaryHosts()
                    && phase != HostPhase.PARKED) {
                canaryDoneAt = r.timeMs();
            }
        }
    }
}
