package dev.ferry.core.verify;

import dev.ferry.core.history.EffectKeys;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Group;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.Instance;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.core.planner.SkippedHost;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides the safety rules (docs/safety-rules.md) over a campaign's history, one record at a time,
 * so it can run after every event of a simulation (or over a stored history afterwards). It reads
 * only the snapshot, the policy, the plan and the typed facts — never the runtime's state, never
 * text. Each violation starts with its rule's id and name ({@link CampaignRule}). Not thread-safe.
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
    /** Hosts that went down, and those of them fenced: nothing goes to a down host; what ran on a fenced one runs no more. */
    private final BitSet down = new BitSet();
    private final BitSet fenced = new BitSet();
    /** Started by their tenants, not running yet: a fence of the host they start on ends the start. */
    private final BitSet tenantStarting = new BitSet();
    /** Their host was lost and they are to be started elsewhere: at the end of a halted campaign they may wait for room. */
    private final BitSet awaitingRescue = new BitSet();
    /** Per instance, the host it last stopped on (a stop fact after the fence of that host is no news). */
    private final int[] lastHost;
    /** Hosts the plan or the campaign skipped: never patched, so never a destination. */
    private final boolean[] skipped;
    private final int[] groupDisrupted;
    private final Set<Integer> disruptedByFerry = new HashSet<>();
    private final TenantNotices notices;
    private final EffectKeys appliedKeys = new EffectKeys();
    private final Set<Integer> failedButUp = new HashSet<>();
    /** Stopped or terminated by their tenants: they may run nowhere, and nothing may move them until started again. */
    private final BitSet stoppedByTenant = new BitSet();
    private final List<String> violations = new ArrayList<>();
    private final MaintenanceCaps caps;
    private Fact.CampaignChanged campaignEnd;
    private long lastTime;

    /** A checker that knows the hosts the plan skips (a reservation on one is a C3 violation). */
    public InvariantChecker(PlanningProblem problem, Plan plan) {
        this(problem);
        for (SkippedHost s : plan.skippedHosts()) {
            int h = fleet.hostIndex(s.host());
            if (h >= 0) {
                skipped[h] = true;
            }
        }
        caps.planKnown();
        plan.steps().stream().filter(dev.ferry.core.planner.Step::canary).forEach(s -> caps.plannedCanary(fleet.hostIndex(s.host())));
    }

    /** A checker without the plan: it learns of skipped hosts from the campaign's facts only. */
    public InvariantChecker(PlanningProblem problem) {
        this.problem = problem;
        this.fleet = problem.fleet();
        int n = fleet.instances().size();
        int hosts = fleet.hosts().size();
        runningOn = new int[n];
        epoch = new long[n];
        reservedOn = new int[n];
        lastHost = new int[n];
        notices = new TenantNotices(fleet, problem.policy().notice().toMillis(), this);
        java.util.Arrays.fill(lastHost, -1);
        usedCpu = new long[hosts];
        usedMem = new long[hosts];
        affected = new boolean[hosts];
        patched = new boolean[hosts];
        failed = new boolean[hosts];
        skipped = new boolean[hosts];
        groupDisrupted = new int[fleet.groups().size()];
        caps = new MaintenanceCaps(problem, this);
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

    private final List<String> waitingForRoom = new ArrayList<>();

    /** After {@link #finish}: instances of lost hosts not running anywhere because the campaign halted with no room for them. */
    public List<String> waitingForRoom() {
        return waitingForRoom;
    }

    /** Checks one record against everything before it. */
    public void accept(HistoryRecord r) {
        if (r.timeMs() < lastTime) {
            violate(r, CampaignRule.WELL_FORMED, "time goes backwards");
        }
        lastTime = r.timeMs();
        notices.reached(r.timeMs());
        switch (r.fact()) {
            case Fact.EffectApplied a -> {
                if (!appliedKeys.add(a.key())) {
                    violate(r, CampaignRule.ONCE, "effect " + a.key() + " applied twice");
                }
                notices.applied(r, a.key());
            }
            case Fact.Ran ran -> run(r, ran);
            case Fact.Stopped stop -> stop(r, stop);
            case Fact.Reserved res -> reserve(r, res);
            case Fact.Released rel -> release(r, rel);
            case Fact.Held h -> hold(r, h.instance(), h.host(), h.milliCpu(), h.memoryMiB(), 1);
            case Fact.Unheld h -> hold(r, h.instance(), h.host(), h.milliCpu(), h.memoryMiB(), -1);
            case Fact.MaintenanceBegan b -> caps.begin(r, host(r, b.host()));
            case Fact.MaintenanceEnded e -> caps.end(r, host(r, e.host()), e.phase());
            case Fact.PhaseChanged p -> {
                int h = host(r, p.host());
                if (h >= 0 && p.phase() == HostPhase.RETURNED) {
                    patched[h] = true;
                }
            }
            case Fact.HostSkipped k -> {
                int h = host(r, k.host());
                if (h >= 0) {
                    skipped[h] = true;
                }
            }
            case Fact.HostFailed f -> {
                int h = host(r, f.host());
                if (h >= 0) {
                    failed[h] = true;
                    caps.canaryCheck(r, h);
                    caps.failed(r, h);
                    if (f.why() == Fact.HostFailure.CAME_BACK_UNPATCHED) {
                        failedButUp.add(h);
                    }
                }
            }
            case Fact.HostDown d -> onHost(r, d.host(), down::set);
            case Fact.HostFenced f -> fence(r, f);
            case Fact.StepAdded a -> onHost(r, a.host(), h -> affected[h] = true); // the amended advisory affects it now
            case Fact.HostDropped d -> onHost(r, d.host(), h -> { // fixed outside the campaign, or left alone
                affected[h] = false;
                caps.failed(r, h); // a planned canary that left counts as one done
            });
            case Fact.RescueNeeded n -> rescueNeeded(r, n);
            case Fact.DisruptionBegan b -> disruptBegin(r, b);
            case Fact.DisruptionEnded e -> disruptEnd(r, e.instance());
            case Fact.EventChanged e -> notices.changed(r, e);
            case Fact.TenantStopped t -> tenantStopped(r, t);
            case Fact.TenantStarted t -> tenantStarted(r, t);
            case Fact.TenantRebooted t -> {
                int i = instance(r, t.instance());
                if (i >= 0 && (stoppedByTenant.get(i) || runningOn[i] != host(r, t.host()))) {
                    violate(r, CampaignRule.LIFECYCLE, "reboot of " + t.instance() + " on " + t.host() + ", where it does not run");
                }
            }
            case Fact.CampaignChanged c -> {
                if (c.to() == CampaignState.COMPLETED || c.to() == CampaignState.HALTED || c.to() == CampaignState.ABORTED) {
                    campaignEnd = c;
                }
            }
            default -> {
            }
        }
    }

    /** An instance lost its host: it may start elsewhere once a down host is fenced. */
    private void rescueNeeded(HistoryRecord r, Fact.RescueNeeded n) {
        int ri = instance(r, n.instance());
        if (ri >= 0) {
            awaitingRescue.set(ri);
        }
        int h = host(r, n.lostHost());
        if (h >= 0 && down.get(h) && !fenced.get(h)) {
            violate(r, CampaignRule.HOST_DOWN, "rescue of " + n.instance() + " from " + n.lostHost() + ", which is not fenced");
        }
    }

    private void onHost(HistoryRecord r, String hostId, java.util.function.IntConsumer action) {
        int h = host(r, hostId);
        if (h >= 0) {
            action.accept(h);
        }
    }

    /** A fenced host runs nothing any more: what ran there stops (its room is given back). */
    private void fence(HistoryRecord r, Fact.HostFenced f) {
        int h = host(r, f.host());
        if (h < 0) {
            return;
        }
        if (!down.get(h)) {
            violate(r, CampaignRule.HOST_DOWN, "host " + f.host() + " fenced, but it is not down");
        }
        fenced.set(h);
        for (int i = 0; i < runningOn.length; i++) {
            if (runningOn[i] == h) {
                stop(i, h);
            }
            if (reservedOn[i] == h && tenantStarting.get(i)) {
                unreserve(i, h); // it never came up there
                tenantStarting.clear(i);
            }
        }
    }

    /** A tenant's stop: the instance ran where the fact says (or was stopped already), and has no reservation left. */
    private void tenantStopped(HistoryRecord r, Fact.TenantStopped t) {
        int i = instance(r, t.instance());
        if (i < 0) {
            return;
        }
        if (stoppedByTenant.get(i) && !t.terminated()) {
            violate(r, CampaignRule.LIFECYCLE, "stop of " + t.instance() + ", which is stopped already");
        } else if (!stoppedByTenant.get(i) && runningOn[i] != host(r, t.host())) {
            violate(r, CampaignRule.LIFECYCLE, "stop of " + t.instance() + " on " + t.host() + ", where it does not run");
        }
        if (reservedOn[i] >= 0) {
            violate(r, CampaignRule.LIFECYCLE, "stop of " + t.instance() + " while room is still reserved for it on "
                    + fleet.host(reservedOn[i]).id());
        }
        stoppedByTenant.set(i);
    }

    /** A tenant's start lands on a safe host: the same rules as a reservation, without bootstrap. */
    private void tenantStarted(HistoryRecord r, Fact.TenantStarted t) {
        int i = instance(r, t.instance());
        int h = host(r, t.host());
        if (i < 0 || h < 0) {
            return;
        }
        if (!stoppedByTenant.get(i)) {
            violate(r, CampaignRule.LIFECYCLE, "start of " + t.instance() + ", which its tenant did not stop");
        }
        if (fleet.host(h).cordoned() || caps.inMaintenance(h) || failed[h] || down.get(h) || skipped[h] || affected[h] && !patched[h]) {
            violate(r, CampaignRule.LIFECYCLE, "tenant's start of " + t.instance() + " on " + t.host()
                    + ", which is cordoned, in maintenance, failed, skipped or vulnerable");
        }
        stoppedByTenant.clear(i);
        tenantStarting.set(i);
        reservedOn[i] = h; // the hypervisor's start makes it the placement
        add(i, h, r);
    }

    /** The end-of-campaign rules; call once after the last record. Returns all violations. */
    public List<String> finish() {
        notices.judge();
        boolean halted = campaignEnd != null && campaignEnd.to() == CampaignState.HALTED;
        for (int i = 0; i < runningOn.length; i++) {
            if (runningOn[i] < 0 && !stoppedByTenant.get(i) && halted && awaitingRescue.get(i)) {
                waitingForRoom.add(fleet.instance(i).id()); // its host was lost; the campaign halted for want of room
            } else if (runningOn[i] < 0 && !stoppedByTenant.get(i)) {
                violations.add(CampaignRule.NONE_LOST.label() + ": end: instance " + fleet.instance(i).id() + " is not running anywhere (lost)");
            }
        }
        if (campaignEnd == null) {
            violations.add(CampaignRule.ENDING.label() + ": end: the campaign did not end completed, halted or aborted");
        } else if (campaignEnd.reason() == null || campaignEnd.reason().isBlank()) {
            violations.add(CampaignRule.ENDING.label() + ": end: the campaign ended " + campaignEnd.to().wireName() + " without a reason");
        }
        return violations;
    }

    private void run(HistoryRecord r, Fact.Ran ran) {
        int i = instance(r, ran.instance());
        int h = host(r, ran.host());
        if (i < 0 || h < 0) {
            return;
        }
        if (fenced.get(h)) {
            // a switch-over to a host fenced since (its agent gone): the fence holds, nothing runs there
            if (reservedOn[i] == h) {
                unreserve(i, h);
            }
            epoch[i] = Math.max(epoch[i], ran.epoch());
            return;
        }
        if (stoppedByTenant.get(i)) {
            violate(r, CampaignRule.LIFECYCLE, "instance " + ran.instance() + " runs on " + ran.host() + " while its tenant has it stopped");
        }
        if (runningOn[i] >= 0 && runningOn[i] != h) {
            violate(r, CampaignRule.ONE_COPY, "instance " + ran.instance() + " starts on " + ran.host() + " while running on "
                    + fleet.host(runningOn[i]).id() + " (two copies)");
        }
        if (ran.epoch() <= epoch[i]) {
            violate(r, CampaignRule.ONE_COPY, "instance " + ran.instance() + " starts with stale epoch " + ran.epoch() + " (last " + epoch[i] + ")");
        }
        epoch[i] = Math.max(epoch[i], ran.epoch());
        tenantStarting.clear(i);
        awaitingRescue.clear(i);
        if (reservedOn[i] == h) {
            reservedOn[i] = -1; // the reservation becomes the placement
        } else {
            add(i, h, r);
        }
        runningOn[i] = h;
    }

    private void stop(HistoryRecord r, Fact.Stopped stop) {
        int i = instance(r, stop.instance());
        if (i < 0) {
            return;
        }
        int h = runningOn[i];
        if (h < 0 && lastHost[i] >= 0 && fenced.get(lastHost[i])) {
            return; // the fence stopped it already
        }
        if (h < 0) {
            violate(r, CampaignRule.ONE_COPY, "instance " + stop.instance() + " stopped but was not running");
            return;
        }
        stop(i, h);
    }

    private void stop(int i, int h) {
        Instance inst = fleet.instance(i);
        usedCpu[h] -= inst.milliCpus();
        usedMem[h] -= inst.memoryMiB();
        runningOn[i] = -1;
        lastHost[i] = h;
    }

    private void reserve(HistoryRecord r, Fact.Reserved res) {
        int i = instance(r, res.instance());
        boolean bootstrap = res.reservation() == Fact.Reservation.BOOTSTRAP;
        boolean rescue = res.reservation() == Fact.Reservation.RESCUE;
        String hostId = res.host();
        String target = res.instance();
        int h = host(r, hostId);
        if (i < 0 || h < 0) {
            return;
        }
        Host host = fleet.host(h);
        if (rescue) {
            // The one exception: an instance whose host never came back may restart on a failed host
            // that is up (it came back unpatched) when nothing else has room.
            if (!failedButUp.contains(h)) {
                violate(r, CampaignRule.RESERVATION, "rescue of " + target + " onto " + hostId + ", which is not a failed host that is up");
            }
        } else if (host.cordoned() || caps.inMaintenance(h) || failed[h] || down.get(h)) {
            violate(r, CampaignRule.RESERVATION, "reservation of " + target + " on " + hostId + ", which is cordoned, in maintenance or failed");
        } else if (skipped[h]) {
            violate(r, CampaignRule.RESERVATION, "reservation of " + target + " on " + hostId + ", which the campaign skips (it is never patched)");
        }
        boolean vulnerable = affected[h] && !patched[h];
        if (vulnerable && !bootstrap && !rescue) {
            violate(r, CampaignRule.RESERVATION, "reservation of " + target + " on vulnerable " + hostId + " without bootstrap");
        }
        if (stoppedByTenant.get(i)) {
            violate(r, CampaignRule.LIFECYCLE, "reservation for " + target + ", which its tenant stopped");
        }
        if (reservedOn[i] >= 0) {
            violate(r, CampaignRule.RESERVATION, "instance " + target + " reserved twice");
        }
        reservedOn[i] = h;
        add(i, h, r);
    }

    /** Room taken (sign 1) or given back (-1) by an instance outside the campaign's fleet. */
    private void hold(HistoryRecord r, String instance, String hostId, long milliCpu, long memoryMiB, int sign) {
        int h = host(r, hostId);
        if (h < 0) {
            return;
        }
        if (sign > 0 && (fleet.host(h).cordoned() || caps.inMaintenance(h) || failed[h] || down.get(h) || affected[h] && !patched[h])) {
            violate(r, CampaignRule.RESERVATION, "room held for " + instance + " on " + hostId + ", which is cordoned, in maintenance, failed or vulnerable");
        }
        usedCpu[h] += sign * milliCpu;
        usedMem[h] += sign * memoryMiB;
        Host host = fleet.host(h);
        if (usedCpu[h] > host.milliCpuCapacity() || usedMem[h] > host.memoryMiB()) {
            violate(r, CampaignRule.CAPACITY, "host " + host.id() + " over capacity (" + usedCpu[h] / 1000.0 + " cpus, " + usedMem[h]
                    + " MiB, counting room held outside the plan)");
        }
    }

    private void release(HistoryRecord r, Fact.Released rel) {
        int i = instance(r, rel.instance());
        int h = host(r, rel.host());
        if (i < 0 || h < 0) {
            return;
        }
        if (reservedOn[i] != h) {
            violate(r, CampaignRule.WELL_FORMED, "release of a reservation that does not exist: " + rel.instance() + " on " + rel.host());
            return;
        }
        unreserve(i, h);
    }

    private void unreserve(int i, int h) {
        reservedOn[i] = -1;
        usedCpu[h] -= fleet.instance(i).milliCpus();
        usedMem[h] -= fleet.instance(i).memoryMiB();
    }

    private void add(int i, int h, HistoryRecord r) {
        Instance inst = fleet.instance(i);
        usedCpu[h] += inst.milliCpus();
        usedMem[h] += inst.memoryMiB();
        Host host = fleet.host(h);
        if (usedCpu[h] > host.milliCpuCapacity() || usedMem[h] > host.memoryMiB()) {
            violate(r, CampaignRule.CAPACITY, "host " + host.id() + " over capacity (" + usedCpu[h] / 1000.0 + " cpus, " + usedMem[h]
                    + " MiB, counting reservations)");
        }
    }

    private void disruptBegin(HistoryRecord r, Fact.DisruptionBegan b) {
        int i = instance(r, b.instance());
        if (i < 0 || b.byTenant()) {
            return;
        }
        notices.disrupted(r, i, b.instance());
        int g = fleet.groupOf(i);
        disruptedByFerry.add(i);
        if (g >= 0) {
            Group group = fleet.groups().get(g);
            if (++groupDisrupted[g] > group.maxUnavailable()) {
                violate(r, CampaignRule.BLAST_RADIUS, "group " + group.id() + " has " + groupDisrupted[g] + " members disrupted (maxUnavailable "
                        + group.maxUnavailable() + ")");
            }
        }
    }

    private void disruptEnd(HistoryRecord r, String instance) {
        int i = instance(r, instance);
        if (i < 0 || !disruptedByFerry.remove(i)) {
            return;
        }
        int g = fleet.groupOf(i);
        if (g >= 0) {
            groupDisrupted[g]--;
        }
    }

    private int instance(HistoryRecord r, String id) {
        int i = fleet.instanceIndex(id);
        if (i < 0) {
            violate(r, CampaignRule.WELL_FORMED, "unknown instance " + id);
        }
        return i;
    }

    private int host(HistoryRecord r, String id) {
        int h = fleet.hostIndex(id);
        if (h < 0) {
            violate(r, CampaignRule.WELL_FORMED, "unknown host " + id);
        }
        return h;
    }

    void violate(HistoryRecord r, CampaignRule rule, String what) {
        if (violations.size() < MAX_VIOLATIONS) {
            violations.add(rule.label() + ": t=" + r.timeMs() + " ms: " + what);
        }
    }
}
