package dev.ferry.core.verify;

import dev.ferry.core.campaign.HistoryRecord;
import dev.ferry.core.campaign.HistoryRecord.Op;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Group;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.Instance;
import dev.ferry.core.planner.PlanningProblem;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides the safety rules of DESIGN.md over a campaign's history, one record at a time, so it can
 * run after every event of a simulation (or over a stored history afterwards). It reads only the
 * snapshot, the policy and the records — never the runtime's state. Not thread-safe.
 *
 * <p>Rules: 1 no instance lost (at the end each runs on exactly one host); 2 never two running
 * copies and no start with a stale epoch; 3 nothing reserved on a cordoned, in-maintenance, failed
 * or vulnerable host (a vulnerable one only when marked bootstrap); 4 capacity never exceeded,
 * counting reservations; 5 group budgets (Ferry's disruptions) and blast-radius caps; 6 no effect
 * applied twice; 7 no disruption by Ferry before the tenant's notice; 8 the campaign ends
 * completed, halted or aborted with a reason.
 */
public final class InvariantChecker {
    private static final int MAX_VIOLATIONS = 1000;

    private final Fleet fleet;
    private final PlanningProblem problem;
    private final int[] runningOn;
    private final long[] epoch;
    private final int[] reservedOn;
    private final long[] usedCpu;
    private final long[] usedMem;
    private final boolean[] affected;
    private final boolean[] patched;
    private final boolean[] failed;
    private final boolean[] inMaintenance;
    private final int[] perZone;
    private final int[] groupDisrupted;
    private final Set<Integer> disruptedByFerry = new HashSet<>();
    /** When each instance was first told of a disruption (a scheduled event or the informational notice); -1 never. */
    private final long[] noticedAt;
    private final Set<String> appliedKeys = new HashSet<>();
    private final Set<Integer> failedButUp = new HashSet<>();
    private final List<String> violations = new ArrayList<>();
    private int maintenanceTotal;
    private int maintenanceBegins;
    private final Set<Integer> canaries = new HashSet<>();
    private int canariesInMaintenance;
    private long canaryDoneAt = -1;
    private String campaignEnd;
    private long lastTime;

    public InvariantChecker(PlanningProblem problem) {
        this.problem = problem;
        this.fleet = problem.fleet();
        int n = fleet.instances().size();
        int hosts = fleet.hosts().size();
        runningOn = new int[n];
        epoch = new long[n];
        reservedOn = new int[n];
        noticedAt = new long[n];
        java.util.Arrays.fill(noticedAt, -1);
        usedCpu = new long[hosts];
        usedMem = new long[hosts];
        affected = new boolean[hosts];
        patched = new boolean[hosts];
        failed = new boolean[hosts];
        inMaintenance = new boolean[hosts];
        perZone = new int[fleet.zones().size()];
        groupDisrupted = new int[fleet.groups().size()];
        for (int i = 0; i < n; i++) {
            Instance inst = fleet.instance(i);
            runningOn[i] = fleet.hostOf(i);
            epoch[i] = 1;
            reservedOn[i] = -1;
            usedCpu[runningOn[i]] += inst.milliCpus();
            usedMem[runningOn[i]] += inst.memoryMiB();
        }
        for (int h = 0; h < hosts; h++) {
            affected[h] = problem.advisory().affects(fleet.host(h));
        }
    }

    public List<String> violations() {
        return violations;
    }

    /** Checks one record against everything before it. */
    public void accept(HistoryRecord r) {
        if (r.timeMs() < lastTime) {
            violate(r, "time goes backwards");
        }
        lastTime = r.timeMs();
        switch (r.operation()) {
            case Op.APPLY -> {
                if (!appliedKeys.add(r.target())) {
                    violate(r, "effect " + r.target() + " applied twice");
                }
            }
            case Op.RUN -> run(r);
            case Op.STOP -> stop(r);
            case Op.RESERVE -> reserve(r);
            case Op.RELEASE -> release(r);
            case Op.HOLD -> hold(r, 1);
            case Op.UNHOLD -> hold(r, -1);
            case Op.MAINTENANCE_BEGIN -> maintenanceBegin(r);
            case Op.MAINTENANCE_END -> maintenanceEnd(r);
            case Op.HOST_PHASE -> hostPhase(r);
            case Op.DISRUPT_BEGIN -> disruptBegin(r);
            case Op.DISRUPT_END -> disruptEnd(r);
            case Op.EVENT -> {
                int i = fleet.instanceIndex(r.target());
                if (i >= 0 && noticedAt[i] < 0 && (r.outcome().startsWith("SCHEDULED") || r.outcome().startsWith("INFORMED"))) {
                    noticedAt[i] = r.timeMs();
                }
            }
            case Op.CAMPAIGN -> {
                String o = r.outcome();
                if (o.startsWith("completed") || o.startsWith("halted") || o.startsWith("aborted")) {
                    campaignEnd = o;
                }
            }
            default -> {
            }
        }
    }

    /** The end-of-campaign rules; call once after the last record. Returns all violations. */
    public List<String> finish() {
        for (int i = 0; i < runningOn.length; i++) {
            if (runningOn[i] < 0) {
                violations.add("end: instance " + fleet.instance(i).id() + " is not running anywhere (lost)");
            }
        }
        if (campaignEnd == null) {
            violations.add("end: the campaign did not end completed, halted or aborted");
        } else if (!campaignEnd.contains(":") || campaignEnd.substring(campaignEnd.indexOf(':') + 1).isBlank()) {
            violations.add("end: the campaign ended without a reason: " + campaignEnd);
        }
        return violations;
    }

    private void run(HistoryRecord r) {
        int i = instance(r);
        int h = host(r, r.outcome());
        if (i < 0 || h < 0) {
            return;
        }
        if (runningOn[i] >= 0 && runningOn[i] != h) {
            violate(r, "instance " + r.target() + " starts on " + r.outcome() + " while running on "
                    + fleet.host(runningOn[i]).id() + " (two copies)");
        }
        if (r.epoch() <= epoch[i]) {
            violate(r, "instance " + r.target() + " starts with stale epoch " + r.epoch() + " (last " + epoch[i] + ")");
        }
        epoch[i] = Math.max(epoch[i], r.epoch());
        if (reservedOn[i] == h) {
            reservedOn[i] = -1; // the reservation becomes the placement
        } else {
            add(i, h, r);
        }
        runningOn[i] = h;
    }

    private void stop(HistoryRecord r) {
        int i = instance(r);
        if (i < 0) {
            return;
        }
        int h = runningOn[i];
        if (h < 0) {
            violate(r, "instance " + r.target() + " stopped but was not running");
            return;
        }
        Instance inst = fleet.instance(i);
        usedCpu[h] -= inst.milliCpus();
        usedMem[h] -= inst.memoryMiB();
        runningOn[i] = -1;
    }

    private void reserve(HistoryRecord r) {
        int i = instance(r);
        boolean bootstrap = r.outcome().endsWith(" bootstrap");
        boolean rescue = r.outcome().endsWith(" rescue");
        String hostId = bootstrap || rescue ? r.outcome().substring(0, r.outcome().lastIndexOf(' ')) : r.outcome();
        int h = host(r, hostId);
        if (i < 0 || h < 0) {
            return;
        }
        Host host = fleet.host(h);
        if (rescue) {
            // The one exception: an instance whose host never came back may restart on a failed host
            // that is up (it came back unpatched) when nothing else has room.
            if (!failedButUp.contains(h)) {
                violate(r, "rescue of " + r.target() + " onto " + hostId + ", which is not a failed host that is up");
            }
        } else if (host.cordoned() || inMaintenance[h] || failed[h]) {
            violate(r, "reservation of " + r.target() + " on " + hostId + ", which is cordoned, in maintenance or failed");
        }
        boolean vulnerable = affected[h] && !patched[h];
        if (vulnerable && !bootstrap && !rescue) {
            violate(r, "reservation of " + r.target() + " on vulnerable " + hostId + " without bootstrap");
        }
        if (reservedOn[i] >= 0) {
            violate(r, "instance " + r.target() + " reserved twice");
        }
        reservedOn[i] = h;
        add(i, h, r);
    }

    /** Room taken (sign 1) or given back (-1) by an instance outside the campaign's fleet: "host milliCpu memoryMiB". */
    private void hold(HistoryRecord r, int sign) {
        String[] f = r.outcome().split(" ");
        int h = f.length == 3 ? host(r, f[0]) : -1;
        if (h < 0) {
            violate(r, "malformed hold " + r.outcome());
            return;
        }
        if (sign > 0 && (fleet.host(h).cordoned() || inMaintenance[h] || failed[h] || affected[h] && !patched[h])) {
            violate(r, "room held for " + r.target() + " on " + f[0] + ", which is cordoned, in maintenance, failed or vulnerable");
        }
        usedCpu[h] += sign * Long.parseLong(f[1]);
        usedMem[h] += sign * Long.parseLong(f[2]);
        Host host = fleet.host(h);
        if (usedCpu[h] > host.milliCpuCapacity() || usedMem[h] > host.memoryMiB()) {
            violate(r, "host " + host.id() + " over capacity (" + usedCpu[h] / 1000.0 + " cpus, " + usedMem[h]
                    + " MiB, counting room held outside the plan)");
        }
    }

    private void release(HistoryRecord r) {
        int i = instance(r);
        int h = host(r, r.outcome());
        if (i < 0 || h < 0) {
            return;
        }
        if (reservedOn[i] != h) {
            violate(r, "release of a reservation that does not exist: " + r.target() + " on " + r.outcome());
            return;
        }
        reservedOn[i] = -1;
        Instance inst = fleet.instance(i);
        usedCpu[h] -= inst.milliCpus();
        usedMem[h] -= inst.memoryMiB();
    }

    private void add(int i, int h, HistoryRecord r) {
        Instance inst = fleet.instance(i);
        usedCpu[h] += inst.milliCpus();
        usedMem[h] += inst.memoryMiB();
        Host host = fleet.host(h);
        if (usedCpu[h] > host.milliCpuCapacity() || usedMem[h] > host.memoryMiB()) {
            violate(r, "host " + host.id() + " over capacity (" + usedCpu[h] / 1000.0 + " cpus, " + usedMem[h]
                    + " MiB, counting reservations)");
        }
    }

    private void maintenanceBegin(HistoryRecord r) {
        int h = host(r, r.target());
        if (h < 0) {
            return;
        }
        if (inMaintenance[h]) {
            violate(r, "host " + r.target() + " enters maintenance twice");
        }
        var policy = problem.policy();
        boolean canary = canaries.contains(h);
        if (!canary && canaries.size() < policy.canaryHosts()) {
            canaries.add(h);
            canary = true;
        }
        if (maintenanceTotal > 0 && (canary || canariesInMaintenance > 0)) {
            violate(r, "canary " + (canary ? r.target() : "") + " is not alone in maintenance");
        }
        if (!canary && canaryDoneAt >= 0 && r.timeMs() < canaryDoneAt + policy.soak().toMillis()) {
            violate(r, "host " + r.target() + " begins before the canaries' soak ends at "
                    + (canaryDoneAt + policy.soak().toMillis()) + " ms");
        }
        if (!canary && canaries.size() < policy.canaryHosts() && canaryDoneAt < 0) {
            violate(r, "host " + r.target() + " begins before the canaries are done");
        }
        if (canary) {
            canariesInMaintenance++;
        }
        maintenanceBegins++;
        inMaintenance[h] = true;
        maintenanceTotal++;
        int zone = fleet.zoneOf(h);
        perZone[zone]++;
        int zones = 0;
        for (int c : perZone) {
            zones += c > 0 ? 1 : 0;
        }
        if (maintenanceTotal > policy.maxHostsInMaintenance()) {
            violate(r, maintenanceTotal + " hosts in maintenance (maxHostsInMaintenance " + policy.maxHostsInMaintenance() + ")");
        }
        if (perZone[zone] > policy.maxHostsPerZone()) {
            violate(r, perZone[zone] + " hosts in maintenance in " + fleet.host(h).zone() + " (maxHostsPerZone "
                    + policy.maxHostsPerZone() + ")");
        }
        if (zones > policy.zonesAtOnce()) {
            violate(r, zones + " zones in maintenance (zonesAtOnce " + policy.zonesAtOnce() + ")");
        }
    }

    private void maintenanceEnd(HistoryRecord r) {
        int h = host(r, r.target());
        if (h < 0) {
            return;
        }
        if (!inMaintenance[h]) {
            violate(r, "host " + r.target() + " leaves maintenance it never entered");
            return;
        }
        inMaintenance[h] = false;
        maintenanceTotal--;
        perZone[fleet.zoneOf(h)]--;
        if (canaries.contains(h)) {
            canariesInMaintenance--;
            // A parked canary (it will begin again) does not end the canary phase.
            if (canariesInMaintenance == 0 && canaries.size() == problem.policy().canaryHosts()
                    && !r.outcome().equals("PARKED")) {
                canaryDoneAt = r.timeMs();
            }
        }
    }

    private void hostPhase(HistoryRecord r) {
        int h = host(r, r.target());
        if (h < 0) {
            return;
        }
        if (r.outcome().equals("RETURNED")) {
            patched[h] = true;
        } else if (r.outcome().startsWith("FAILED")) {
            failed[h] = true;
            if (r.outcome().contains("came back unpatched")) {
                failedButUp.add(h);
            }
        }
    }

    private void disruptBegin(HistoryRecord r) {
        int i = instance(r);
        if (i < 0 || r.outcome().equals("tenant")) {
            return;
        }
        long scheduled = noticedAt[i];
        long notice = problem.policy().notice().toMillis();
        if (scheduled < 0 || r.timeMs() < scheduled + notice) {
            violate(r, "Ferry disrupts " + r.target() + " before its notice period"
                    + (scheduled < 0 ? " (never noticed)" : " (noticed at " + scheduled + " ms)"));
        }
        int g = fleet.groupOf(i);
        disruptedByFerry.add(i);
        if (g >= 0) {
            Group group = fleet.groups().get(g);
            if (++groupDisrupted[g] > group.maxUnavailable()) {
                violate(r, "group " + group.id() + " has " + groupDisrupted[g] + " members disrupted (maxUnavailable "
                        + group.maxUnavailable() + ")");
            }
        }
    }

    private void disruptEnd(HistoryRecord r) {
        int i = instance(r);
        if (i < 0 || !disruptedByFerry.remove(i)) {
            return;
        }
        int g = fleet.groupOf(i);
        if (g >= 0) {
            groupDisrupted[g]--;
        }
    }

    private int instance(HistoryRecord r) {
        int i = fleet.instanceIndex(r.target());
        if (i < 0) {
            violate(r, "unknown instance " + r.target());
        }
        return i;
    }

    private int host(HistoryRecord r, String id) {
        int h = fleet.hostIndex(id);
        if (h < 0) {
            violate(r, "unknown host " + id);
        }
        return h;
    }

    private void violate(HistoryRecord r, String what) {
        if (violations.size() < MAX_VIOLATIONS) {
            violations.add("t=" + r.timeMs() + " ms: " + what);
        }
    }
}
