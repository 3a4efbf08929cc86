package dev.ferry.core.campaign;

import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Group;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.OnTimeout;
import dev.ferry.core.model.Policy;
import dev.ferry.core.model.Tenant;
import dev.ferry.core.planner.Move;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.core.planner.Step;
import dev.ferry.core.scheduler.Placement;
import dev.ferry.core.scheduler.PlacementRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Carries a plan out against what really happens. It takes the plan's steps as an ordered
 * proposal, not a timetable: a step starts when its preconditions hold now (caps, canary and soak,
 * notice and tenant events, group budgets, a destination for every instance that is valid on the
 * live fleet — re-placed through the scheduler when the planned one is not), so a slow host never
 * stalls the others. It reacts to answers: a failed migration is retried elsewhere and then falls
 * back to a relocation (with notice); a host that does not come back, or comes back unpatched,
 * stays cordoned and counts toward {@code haltAfterFailures}.
 *
 * <p>Every method takes the current time and returns effects as data; nothing here performs I/O or
 * reads a clock. Facts it decides are appended to the given sink. Single-threaded.
 */
public final class CampaignRuntime {
    static final int MAX_MOVE_ATTEMPTS = 3;
    static final int STEP_ATTEMPTS_PER_ROUND = 16;

    private final PlanningProblem problem;
    private final Fleet fleet;
    private final Policy policy;
    private final Plan plan;
    private final String id;
    private final Consumer<HistoryRecord> facts;
    private final LiveFleet live;
    private final Destinations destinations;
    /** Every planned step, by position in the plan. */
    private final List<StepRun> runs = new ArrayList<>();
    private final StepQueue queue;
    private final Set<StepRun> active = new LinkedHashSet<>();
    private final Set<StepRun> parked = new LinkedHashSet<>();
    /** Draining hosts to look at after this input (all of them after wake-ups and returns). */
    private final List<StepRun> toPump = new ArrayList<>();
    /** Draining hosts with a move that found no destination: capacity freed anywhere may help them. */
    private final Set<StepRun> starved = new LinkedHashSet<>();
    private boolean pumpAll;
    private int canariesActive;
    /**
     * Something happened that can let a new step start: a slot or capacity was freed, a step became
     * ready, time passed a wake-up. Other answers (a move switching over) cannot, so rounds after
     * them skip the search for new steps.
     */
    private boolean startsPossible = true;
    private final Map<Long, MoveRun> moves = new HashMap<>();
    private final Map<Integer, MoveRun> moveOfInstance = new HashMap<>();
    private final TenantEvents events;
    private final Map<Integer, Long> pendingRescue = new HashMap<>();
    /** Instances that switched over onto a still-vulnerable host (bootstrap), by host, and how they came. */
    private final Map<Integer, List<Integer>> arrivals = new HashMap<>();
    private final Map<Integer, MoveKind> arrivalKind = new HashMap<>();
    private final GroupBudgets budgets;
    private final Throttle throttle;
    /** Moves and rescues in flight towards each host: a host with arrivals pending must not start its step. */
    private final int[] incoming;
    private final Map<Integer, Integer> rescueTarget = new HashMap<>();
    private final Map<Integer, Integer> rescueHold = new HashMap<>();
    /** Hosts that failed by coming back unpatched: up, cordoned, still vulnerable. */
    private final Set<Integer> upButFailed = new java.util.TreeSet<>();
    private final CampaignStats stats = new CampaignStats();
    private CampaignState state = CampaignState.PROPOSED;
    private String endReason = "";
    private int canariesLeft;
    private long soakEndMs;
    private long nextMoveId = 1;
    private long effectSeq;
    private List<Effect> out;

    public CampaignRuntime(PlanningProblem problem, Plan plan, String id, Consumer<HistoryRecord> facts) {
        this.problem = problem;
        this.fleet = problem.fleet();
        this.policy = problem.policy();
        this.plan = plan;
        this.id = id;
        this.facts = facts;
        boolean[] affected = new boolean[fleet.hosts().size()];
        for (int h = 0; h < affected.length; h++) {
            affected[h] = problem.advisory().affects(fleet.host(h));
        }
        this.live = new LiveFleet(fleet, affected);
        this.destinations = new Destinations(fleet, live, facts);
        this.budgets = new GroupBudgets(fleet);
        this.throttle = new Throttle(policy, fleet.zones().size());
        this.events = new TenantEvents(problem, plan, id);
        this.incoming = new int[fleet.hosts().size()];
        int[] zoneOfStep = new int[plan.steps().size()];
        for (Step s : plan.steps()) {
            StepRun r = new StepRun(fleet.hostIndex(s.host()), s);
            r.index = runs.size();
            zoneOfStep[r.index] = fleet.zoneOf(r.host);
            runs.add(r);
        }
        queue = new StepQueue(fleet.zones().size(), zoneOfStep);
        for (var skipped : plan.skippedHosts()) {
            int h = fleet.hostIndex(skipped.host());
            live.phase(h, HostPhase.SKIPPED);
        }
        canariesLeft = (int) plan.steps().stream().filter(Step::canary).count();
    }

    public CampaignState state() {
        return state;
    }

    public String endReason() {
        return endReason;
    }

    public CampaignStats stats() {
        return stats;
    }

    public String id() {
        return id;
    }

    // ---------------------------------------------------------------- placement outside the plan

    /**
     * A tenant launches or starts an instance while the campaign runs. The campaign owns placement,
     * so it chooses the host and holds the room, which it will not use for its own moves
     * ({@link Destinations#outside}). {@code withIt} is the campaign's fleet with the instance appended
     * as its last instance. Returns the host, or the refusal; nothing is held when refused.
     */
    public Placement placeOutside(Fleet withIt, long now) {
        return destinations.outside(withIt, now);
    }

    /** The room an instance placed outside the plan held is given back (it stopped or was terminated). */
    public void releaseOutside(String instanceId, int host, long milliCpu, long memoryMiB, long now) {
        destinations.releaseOutside(instanceId, host, milliCpu, memoryMiB, now);
        startsPossible = true;
    }

    /** The host the instance runs on (or is being started on) now. */
    public int currentHost(int instance) {
        return live.currentHost(instance);
    }

    /** The instance's placement epoch: raised by every start and switch-over. */
    public long epoch(int instance) {
        return live.epoch(instance);
    }

    /** Affected by the advisory and not patched yet. */
    public boolean vulnerable(int host) {
        return live.vulnerable(host);
    }

    /** The maintenance phase of a host (WAITING for hosts the campaign has not touched). */
    public HostPhase phase(int host) {
        return live.phase(host);
    }

    /** True when nothing is in flight and the campaign has ended. */
    public boolean finished() {
        return CampaignState.TABLE.terminal(state);
    }

    // ---------------------------------------------------------------- operator actions

    /** Approves and starts the campaign: notices go out, then the first steps start. */
    public List<Effect> approve(long now) {
        begin();
        to(CampaignState.APPROVED, now, "approved");
        to(CampaignState.RUNNING, now, "running");
        sample(now);
        announce(now);
        for (StepRun r : runs) {
            queue.readyAt(r.index, r.readyAt);
        }
        schedule(now);
        return end(now);
    }

    public List<Effect> pause(long now) {
        begin();
        to(CampaignState.PAUSED, now, "paused by operator");
        return end(now);
    }

    public List<Effect> resume(long now) {
        begin();
        to(CampaignState.RUNNING, now, "resumed by operator");
        pumpAll = true;
        startsPossible = true;
        schedule(now);
        return end(now);
    }

    /** Stops starting anything new; what is in flight finishes. */
    public List<Effect> abort(long now, String reason) {
        begin();
        endReason = reason;
        to(CampaignState.ABORTED, now, "aborted: " + reason);
        maybeFinish(now); // nothing in flight: it has ended now
        return end(now);
    }

    // ---------------------------------------------------------------- inputs

    public List<Effect> on(Input input, long now) {
        begin();
        // A wake-up may end a notice somewhere: look at every draining host. (A reboot time-out concerns one host.)
        pumpAll = input instanceof Input.Wakeup w && !w.reason().startsWith("reboot-timeout:");
        startsPossible |= pumpAll || input instanceof Input.MoveFailed || input instanceof Input.TenantMoveNow
                || input instanceof Input.HostVerified || input instanceof Input.InstanceStarted;
        for (StepRun r : starved) {
            pumpLater(r);
        }
        switch (input) {
            case Input.MoveCompleted c -> moveCompleted(c, now);
            case Input.MoveFailed f -> moveFailed(f, now);
            case Input.HostPatched p -> hostPatched(p.host(), now);
            case Input.HostRebooted r -> hostRebooted(r.host(), now);
            case Input.HostVerified v -> hostVerified(v.host(), v.version(), now);
            case Input.InstanceStarted s -> instanceStarted(s, now);
            case Input.TenantMoveNow t -> tenantMoveNow(t.instance(), now);
            case Input.TenantReschedule r -> tenantReschedule(r.instance(), r.notBeforeMs(), now);
            case Input.Wakeup w -> wakeup(w, now);
        }
        schedule(now);
        return end(now);
    }

    // ---------------------------------------------------------------- announcing events

    private void announce(long now) {
        events.approved(now);
        for (StepRun r : runs) {
            for (Move m : r.step.moves()) {
                int i = instanceIndex(m.instance());
                if (m.kind() == MoveKind.LIVE_MIGRATE) {
                    if (events.inform(i)) {
                        stats.informational++;
                        fact(now, HistoryRecord.Op.EVENT, m.instance(), "INFORMED live-migrate planned at "
                                + r.step.start() * 1000, 0);
                    }
                    continue;
                }
                MaintenanceEvent e = events.schedule(i, m.kind(), r, now);
                if (e != null) {
                    r.readyAt = Math.max(r.readyAt, e.notBefore);
                    stats.noticed++;
                    notify(e, "scheduled " + m.kind().wireName(), now);
                }
            }
        }
    }

    private int instanceIndex(String instanceId) {
        return fleet.instanceIndex(instanceId);
    }

    // ---------------------------------------------------------------- starting steps

    /**
     * Running: start what may start, then keep draining hosts moving. Halted or aborted: no new
     * host, but hosts already in maintenance are finished so none is left half-drained. Paused: no
     * new host and no new move; answers are still taken, and a host whose moves are all done goes on
     * to be patched, so nothing is left drained for nothing.
     */
    private void schedule(long now) {
        if (state == CampaignState.RUNNING || state == CampaignState.HALTED || state == CampaignState.ABORTED) {
            resumeParked(now);
        }
        if (state == CampaignState.RUNNING) {
            startSteps(now);
        }
        if (state == CampaignState.RUNNING || state == CampaignState.HALTED || state == CampaignState.ABORTED
                || state == CampaignState.PAUSED) {
            List<StepRun> runs = pumpAll ? new ArrayList<>(active) : toPump;
            for (int k = 0; k < runs.size(); k++) {
                StepRun r = runs.get(k);
                r.pumpQueued = false;
                if (active.contains(r)) {
                    pump(r, now);
                }
            }
            rescue(now);
        }
        for (StepRun r : toPump) {
            r.pumpQueued = false;
        }
        toPump.clear();
        pumpAll = false;
        maybeFinish(now);
    }

    private void startSteps(long now) {
        if (now < soakEndMs) {
            return;
        }
        startsPossible |= queue.promote(now);
        if (!startsPossible && !idle()) {
            return;
        }
        startsPossible = false;
        boolean canaryPhase = canariesLeft > 0 || canaryBusy();
        // No slot can be free beyond what the zones allow at once: do not even look then.
        int cap = canaryPhase ? 1 : throttle.effectiveCap();
        if (throttle.inMaintenance() < cap || idle()) {
            if (canaryPhase) {
                startCanary(now);
            } else {
                startReady(now, cap);
            }
        }
        if (queue.nextReadyAt() != Long.MAX_VALUE) {
            wake(queue.nextReadyAt(), "ready");
        }
        if (idle() && !queue.isEmpty()) {
            escalate(now, canaryPhase);
        }
    }

    /** Canaries: the first steps of the plan, one at a time, in plan order. */
    private void startCanary(long now) {
        int first = queue.first();
        if (canaryBusy() || first < 0) {
            return;
        }
        StepRun r = runs.get(first);
        if (r.step.canary() && r.readyAt <= now && tryStart(r, now, false) == Start.STARTED) {
            queue.remove(r.index);
        }
    }

    /** Ready steps, zones already in maintenance first, then the zone whose next step comes first in the plan. */
    private void startReady(long now, int cap) {
        List<Integer> zones = new ArrayList<>();
        for (int z = 0; z < queue.zones(); z++) {
            if (!queue.ready(z).isEmpty()) {
                zones.add(z);
            }
        }
        zones.sort(java.util.Comparator.comparing((Integer z) -> !throttle.zoneActive(z))
                .thenComparing(z -> queue.ready(z).first()));
        int failures = 0;
        for (int z : zones) {
            for (var it = queue.ready(z).iterator(); it.hasNext() && failures < STEP_ATTEMPTS_PER_ROUND; ) {
                if (throttle.inMaintenance() >= cap) {
                    return;
                }
                if (!throttle.zoneOpen(z)) {
                    break; // this zone is full or not its turn
                }
                StepRun r = runs.get(it.next());
                if (tryStart(r, now, false) == Start.STARTED) {
                    it.remove();
                    queue.remove(r.index);
                } else {
                    failures++;
                }
            }
        }
    }

    /** A canary is still in maintenance (or parked): nothing else may run beside it. */
    private boolean canaryBusy() {
        return canariesActive > 0;
    }

    private boolean idle() {
        return active.isEmpty() && parked.isEmpty() && moves.isEmpty() && pendingRescue.isEmpty();
    }

    /**
     * Nothing is in flight, so waiting frees nothing: try each queued step with fallbacks, in plan
     * order; a step that cannot start even so, and is not waiting for a notice, can never start.
     */
    private void escalate(long now, boolean canaryPhase) {
        boolean waiting = false;
        List<Integer> blocked = new ArrayList<>();
        for (int k = queue.first(); k >= 0; k = queue.next(k)) {
            StepRun r = runs.get(k);
            if (canaryPhase && !r.step.canary()) {
                continue;
            }
            if (r.readyAt > now) {
                waiting = true; // its notice runs; a wake-up is set for it
                continue;
            }
            Start s = tryStart(r, now, true);
            if (s == Start.STARTED) {
                queue.remove(r.index);
                return;
            }
            if (s == Start.WAITING) {
                waiting = true;
            } else {
                blocked.add(k);
            }
        }
        if (!waiting) {
            for (int k : blocked) {
                StepRun r = runs.get(k);
                queue.remove(k);
                live.phase(r.host, HostPhase.SKIPPED);
                stats.hostsSkipped++;
                fact(now, HistoryRecord.Op.HOST_PHASE, fleet.host(r.host).id(), HostPhase.SKIPPED.name()
                        + ": could not be emptied (no destination or group budget) with nothing else in flight", 0);
            }
            if (canaryPhase) {
                canariesLeft = 0;
            }
        }
    }

    private enum Start { STARTED, WAITING, BLOCKED }

    /**
     * Tries to start a step now. With {@code escalate} (nothing else is in flight, so nothing will
     * free up by waiting) an instance without a valid destination may go to a vulnerable host
     * (bootstrap), fall back from live migration to relocation, and finally reboot in place — each
     * non-live fallback only once its tenant has had notice.
     */
    private Start tryStart(StepRun r, long now, boolean escalate) {
        int h = r.host;
        int zone = fleet.zoneOf(h);
        if (!throttle.zoneOpen(zone) || incoming[h] > 0) {
            return Start.WAITING;
        }
        // What is on the host now: the plan's moves for instances still there, plus instances that
        // arrived since (a bootstrap re-placed at run time) with a move of the kind that brought them.
        List<Move> planned = new ArrayList<>();
        Set<Integer> seen = new java.util.HashSet<>();
        int gone = 0;
        for (Move m : r.step.moves()) {
            int i = instanceIndex(m.instance());
            seen.add(i);
            if (live.currentHost(i) == h && !moveOfInstance.containsKey(i)) {
                planned.add(m);
            } else if (live.currentHost(i) != h) {
                gone++; // moved already (the tenant did it): the step adapts
            }
        }
        for (int i : arrivals.getOrDefault(h, List.of())) {
            if (live.currentHost(i) == h && !seen.contains(i) && !moveOfInstance.containsKey(i)) {
                MoveKind k = arrivalKind.getOrDefault(i, MoveKind.RELOCATE);
                planned.add(new Move(fleet.instance(i).id(), fleet.host(h).id(), fleet.host(h).id(), k, false,
                        "arrived by a bootstrap move at run time"));
            }
        }
        // Destinations, validated against the live fleet (reservations are taken as we go).
        List<MoveRun> runs = new ArrayList<>();
        List<Integer> stay = new ArrayList<>();
        int replaced = 0;
        Start result = Start.STARTED;
        for (Move m : planned) {
            int i = instanceIndex(m.instance());
            MoveKind kind = m.kind();
            if (kind == MoveKind.REBOOT_IN_PLACE) {
                stay.add(i);
                continue;
            }
            int to = fleet.hostIndex(m.to());
            PlacementRequest req = new PlacementRequest(i, h, kind == MoveKind.LIVE_MIGRATE, m.bootstrap());
            if (to == h || destinations.veto(req, to) != null) {
                to = destinations.place(req, -1);
                if (to < 0 && escalate) {
                    to = destinations.place(new PlacementRequest(i, h, kind == MoveKind.LIVE_MIGRATE, true), -1);
                }
                if (to < 0 && escalate && kind == MoveKind.LIVE_MIGRATE) {
                    if (!noticed(i, now)) {
                        result = Start.WAITING; // every instance that needs notice gets it now, not one by one
                        continue;
                    }
                    kind = MoveKind.RELOCATE;
                    to = destinations.place(new PlacementRequest(i, h, false, true), -1);
                }
                if (to < 0 && escalate) {
                    if (!noticed(i, now)) {
                        result = Start.WAITING;
                        continue;
                    }
                    stay.add(i);
                    fact(now, HistoryRecord.Op.EVENT, m.instance(), "no host in zone " + fleet.host(h).zone()
                            + " can take it: reboots in place", 0);
                    replaced++;
                    continue;
                }
                if (to < 0) {
                    result = Start.BLOCKED;
                    break;
                }
                if (result != Start.STARTED) {
                    continue;
                }
                replaced++;
            }
            if (result != Start.STARTED) {
                continue;
            }
            live.reserve(i, to);
            runs.add(new MoveRun(nextMoveId++, i, h, to, kind));
        }
        // Notice and group budgets, for what will actually be disrupted.
        Map<Integer, Integer> disrupted = new HashMap<>();
        long wakeAt = Long.MAX_VALUE;
        if (result == Start.STARTED) {
            List<Integer> disruptive = new ArrayList<>(stay);
            for (MoveRun mr : runs) {
                if (mr.kind.disruptive()) {
                    disruptive.add(mr.instance);
                }
            }
            for (int i : disruptive) {
                MaintenanceEvent e = events.get(i);
                long notBefore = e == null ? Long.MAX_VALUE : e.notBefore;
                if (e == null) {
                    scheduleFallbackEvent(i, now);
                    notBefore = events.get(i).notBefore;
                }
                if (notBefore > now) {
                    wakeAt = Math.min(wakeAt, notBefore);
                }
                if (fleet.groupOf(i) >= 0) {
                    disrupted.merge(fleet.groupOf(i), 1, Integer::sum);
                }
            }
            if (wakeAt != Long.MAX_VALUE) {
                wake(wakeAt, "notice:" + fleet.host(h).id());
                result = Start.WAITING;
            } else if (!budgets.fits(disrupted)) {
                result = Start.BLOCKED;
            }
        }
        if (result != Start.STARTED) {
            for (MoveRun mr : runs) {
                live.release(mr.instance, mr.to);
            }
            return result;
        }
        // Commit.
        stats.replaced += replaced + gone;
        live.phase(h, HostPhase.CORDONED);
        budgets.take(r.hold, disrupted);
        r.canary = r.step.canary();
        if (r.canary) {
            canariesLeft--;
            canariesActive++;
        }
        pumpLater(r);
        throttle.enter(zone);
        active.add(r);
        emit(new Effect.Cordon(key("cordon", fleet.host(h).id()), h));
        fact(now, HistoryRecord.Op.CORDON, fleet.host(h).id(), "cordoned", 0);
        fact(now, HistoryRecord.Op.MAINTENANCE_BEGIN, fleet.host(h).id(), fleet.host(h).zone(), 0);
        live.phase(h, HostPhase.DRAINING);
        fact(now, HistoryRecord.Op.HOST_PHASE, fleet.host(h).id(), HostPhase.DRAINING.name(), 0);
        r.rebootInPlace.addAll(stay);
        for (MoveRun mr : runs) {
            mr.run = r;
            mr.holdsBudget = mr.kind.disruptive();
            moves.put(mr.id, mr);
            moveOfInstance.put(mr.instance, mr);
            fact(now, HistoryRecord.Op.RESERVE, fleet.instance(mr.instance).id(), reserveOutcome(mr.to), 0);
            incoming[mr.to]++;
            r.waiting.add(mr);
        }
        r.remaining = runs.size();
        sample(now);
        return Start.STARTED;
    }

    /** The instance has an event whose notice has run out (creating one, with a fresh notice, when it has none). */
    private boolean noticed(int i, long now) {
        MaintenanceEvent e = events.get(i);
        if (e == null) {
            scheduleFallbackEvent(i, now);
            e = events.get(i);
        }
        if (e.notBefore > now) {
            wake(e.notBefore, "notice:" + fleet.instance(i).id());
            return false;
        }
        return true;
    }

    /** Starts what may start on a draining host: relocations at once, live migrations in {@code perHost} lanes. */
    private void pump(StepRun r, long now) {
        starved.remove(r);
        if (live.phase(r.host) != HostPhase.DRAINING) {
            return;
        }
        if (state == CampaignState.PAUSED) {
            if (r.remaining == 0) {
                drained(r, now);
            }
            return;
        }
        for (MoveRun m : new ArrayList<>(r.waiting)) {
            if (!r.waiting.contains(m)) {
                continue;
            }
            boolean liveMove = m.kind == MoveKind.LIVE_MIGRATE;
            if (liveMove && r.liveInFlight >= policy.liveMigration().perHost()) {
                continue;
            }
            if (!liveMove) {
                MaintenanceEvent e = events.get(m.instance);
                if (e != null && e.notBefore > now && !m.tenant) {
                    wake(e.notBefore, "notice:" + fleet.instance(m.instance).id());
                    continue;
                }
                int g = fleet.groupOf(m.instance);
                if (!m.holdsBudget && g >= 0) {
                    if (!budgets.takeOne(r.hold, g)) {
                        continue; // a fallback relocation waits for its group's budget
                    }
                    m.holdsBudget = true;
                }
            }
            if (m.to < 0) {
                int to = destinations.place(new PlacementRequest(m.instance, m.from, liveMove, false), -1);
                if (to < 0) {
                    to = destinations.place(new PlacementRequest(m.instance, m.from, liveMove, true), -1);
                }
                if (to < 0) {
                    starved.add(r);
                    if (!progressing()) {
                        lastResort(r, m, now);
                    }
                    continue;
                }
                m.to = to;
                live.reserve(m.instance, to);
                incoming[to]++;
                fact(now, HistoryRecord.Op.RESERVE, fleet.instance(m.instance).id(), reserveOutcome(to), 0);
            }
            if (liveMove) {
                r.liveInFlight++;
            }
            r.waiting.remove(m);
            startMove(m, now);
        }
        if (r.remaining == 0) {
            drained(r, now);
        } else if (r.inFlight == 0 && !r.waiting.isEmpty()) {
            long until = Long.MAX_VALUE;
            for (MoveRun m : r.waiting) {
                MaintenanceEvent e = events.get(m.instance);
                if (m.kind == MoveKind.LIVE_MIGRATE || e == null || e.notBefore <= now) {
                    return; // something could still start
                }
                until = Math.min(until, e.notBefore);
            }
            park(r, until, now);
        }
    }

    /**
     * Everything left on a draining host waits for a fallback's notice: the host stays cordoned but
     * gives its maintenance slot back, so it does not hold its zone (or the fleet) for a day.
     */
    private void park(StepRun r, long until, long now) {
        live.phase(r.host, HostPhase.PARKED);
        fact(now, HistoryRecord.Op.HOST_PHASE, fleet.host(r.host).id(), HostPhase.PARKED.name(), 0);
        leaveMaintenance(r, now);
        r.readyAt = until;
        parked.add(r);
        wake(until, "parked:" + fleet.host(r.host).id());
    }

    /** Parked hosts whose notice has run out take a slot again before any new step. */
    private void resumeParked(long now) {
        for (StepRun r : new ArrayList<>(parked)) {
            int zone = fleet.zoneOf(r.host);
            if (r.readyAt > now || !throttle.mayEnter(zone, policy.maxHostsInMaintenance())) {
                continue;
            }
            parked.remove(r);
            throttle.enter(zone);
            active.add(r);
            pumpLater(r);
            live.phase(r.host, HostPhase.DRAINING);
            fact(now, HistoryRecord.Op.MAINTENANCE_BEGIN, fleet.host(r.host).id(), fleet.host(r.host).zone(), 0);
            fact(now, HistoryRecord.Op.HOST_PHASE, fleet.host(r.host).id(), HostPhase.DRAINING.name(), 0);
        }
    }

    private void pumpLater(StepRun r) {
        if (!r.pumpQueued) {
            r.pumpQueued = true;
            toPump.add(r);
        }
    }

    /** Something moves, patches, reboots, verifies or restarts somewhere: waiting may free room. */
    private boolean progressing() {
        for (MoveRun m : moves.values()) {
            if (m.state == MoveState.IN_PROGRESS) {
                return true;
            }
        }
        for (StepRun a : active) {
            if (live.phase(a.host) != HostPhase.DRAINING) {
                return true;
            }
        }
        return pendingRescue.containsValue(-1L);
    }

    /**
     * A waiting move with no destination while nothing else progresses: a live migration becomes a
     * relocation (its tenant gets notice), a relocation whose notice has run out reboots in place.
     */
    private void lastResort(StepRun r, MoveRun m, long now) {
        if (m.kind == MoveKind.LIVE_MIGRATE) {
            m.kind = MoveKind.RELOCATE;
            scheduleFallbackEvent(m.instance, now);
            wake(events.get(m.instance).notBefore, "notice:" + fleet.instance(m.instance).id());
            return;
        }
        if (!noticed(m.instance, now)) {
            return;
        }
        int g = fleet.groupOf(m.instance);
        if (!m.holdsBudget && g >= 0 && !budgets.takeOne(r.hold, g)) {
            return;
        }
        r.waiting.remove(m);
        moves.remove(m.id);
        moveOfInstance.remove(m.instance);
        r.remaining--;
        r.rebootInPlace.add(m.instance);
        stats.replaced++;
        fact(now, HistoryRecord.Op.EVENT, fleet.instance(m.instance).id(), "no host in zone "
                + fleet.host(r.host).zone() + " can take it: reboots in place", 0);
    }

    private void startMove(MoveRun m, long now) {
        m.state = MoveState.TABLE.transition(m.state, MoveState.IN_PROGRESS);
        if (m.run != null) {
            m.run.inFlight++;
        }
        long epoch = live.epoch(m.instance) + 1;
        Instance inst = fleet.instance(m.instance);
        emit(new Effect.StartMove(key("move", m.id + "-" + m.attempts), m.id, m.instance, m.from, m.to, m.kind, epoch,
                m.postCopy));
        fact(now, HistoryRecord.Op.MOVE, inst.id(), m.kind.wireName() + " " + fleet.host(m.from).id() + " -> "
                + fleet.host(m.to).id(), epoch);
        if (m.kind.disruptive()) {
            fact(now, HistoryRecord.Op.DISRUPT_BEGIN, inst.id(), m.tenant ? "tenant" : "ferry", 0);
            MaintenanceEvent e = events.get(m.instance);
            if (e != null && (e.state == EventState.SCHEDULED || e.state == EventState.RESCHEDULED)) {
                e.state = EventState.TABLE.transition(e.state, EventState.STARTED);
                if (m.tenant) {
                    stats.tenantInitiated++;
                } else {
                    stats.forced++;
                }
                notify(e, "started " + m.kind.wireName(), now);
            }
        }
    }

    // ---------------------------------------------------------------- answers

    private void moveCompleted(Input.MoveCompleted c, long now) {
        MoveRun m = moves.get(c.moveId());
        if (m == null || m.state != MoveState.IN_PROGRESS) {
            fact(now, HistoryRecord.Op.MOVE, "move-" + c.moveId(), "ignored duplicate or late answer", 0);
            return;
        }
        m.state = MoveState.TABLE.transition(m.state, MoveState.SWITCHED_OVER);
        incoming[m.to]--;
        moves.remove(m.id);
        moveOfInstance.remove(m.instance);
        long epoch = live.epoch(m.instance) + 1;
        live.switchOver(m.instance, m.to, epoch);
        Instance inst = fleet.instance(m.instance);
        fact(now, HistoryRecord.Op.MOVE, inst.id(), "switched over to " + fleet.host(m.to).id(), epoch);
        if (live.vulnerable(m.to)) {
            arrivals.computeIfAbsent(m.to, k -> new ArrayList<>()).add(m.instance);
            arrivalKind.put(m.instance, m.kind);
        }
        if (m.kind == MoveKind.LIVE_MIGRATE) {
            stats.liveMigrations++;
        } else {
            stats.relocations++;
            fact(now, HistoryRecord.Op.DISRUPT_END, inst.id(), "ok", 0);
            long[] t = stats.perTenant.computeIfAbsent(inst.tenant(), k -> new long[2]);
            t[0]++;
            t[1] += c.downtimeMs();
            completeEvent(m.instance, "moved, down " + c.downtimeMs() + " ms", now);
        }
        StepRun r = m.run;
        if (r != null) {
            pumpLater(r);
            r.inFlight--;
            if (m.kind == MoveKind.LIVE_MIGRATE) {
                r.liveInFlight--;
            }
            if (m.holdsBudget && fleet.groupOf(m.instance) >= 0) {
                budgets.releaseOne(r.hold, fleet.groupOf(m.instance));
            }
            r.remaining--;
        }
    }

    private void moveFailed(Input.MoveFailed f, long now) {
        MoveRun m = moves.get(f.moveId());
        if (m == null || m.state != MoveState.IN_PROGRESS) {
            fact(now, HistoryRecord.Op.MOVE, "move-" + f.moveId(), "ignored duplicate or late answer", 0);
            return;
        }
        m.state = MoveState.TABLE.transition(m.state, MoveState.ROLLED_BACK);
        stats.failedMigrations++;
        live.release(m.instance, m.to);
        incoming[m.to]--;
        Instance inst = fleet.instance(m.instance);
        fact(now, HistoryRecord.Op.RELEASE, inst.id(), fleet.host(m.to).id(), 0);
        fact(now, HistoryRecord.Op.MOVE, inst.id(), "rolled back: " + f.reason(), live.epoch(m.instance));
        StepRun r = m.run;
        if (m.kind.disruptive()) {
            fact(now, HistoryRecord.Op.DISRUPT_END, inst.id(), "rolled back", 0);
        }
        if (r != null) {
            pumpLater(r);
            r.inFlight--;
            if (m.kind == MoveKind.LIVE_MIGRATE) {
                r.liveInFlight--;
            }
        }
        moves.remove(m.id);
        // Retry: another destination, then post-copy or a relocation as the policy says.
        MoveRun retry = new MoveRun(nextMoveId++, m.instance, m.from, -1, m.kind);
        retry.attempts = m.attempts + 1;
        retry.run = r;
        retry.tenant = m.tenant;
        retry.holdsBudget = m.holdsBudget;
        if (m.kind == MoveKind.LIVE_MIGRATE && (f.notConverging() || retry.attempts >= MAX_MOVE_ATTEMPTS)) {
            if (f.notConverging() && policy.liveMigration().onTimeout() == OnTimeout.POSTCOPY) {
                retry.postCopy = true;
            } else {
                retry.kind = MoveKind.RELOCATE;
                scheduleFallbackEvent(m.instance, now);
            }
        }
        int to = destinations.place(new PlacementRequest(m.instance, m.from, retry.kind == MoveKind.LIVE_MIGRATE, false), m.to);
        if (to < 0) {
            to = destinations.place(new PlacementRequest(m.instance, m.from, retry.kind == MoveKind.LIVE_MIGRATE, false), -1);
        }
        if (to < 0) {
            to = destinations.place(new PlacementRequest(m.instance, m.from, retry.kind == MoveKind.LIVE_MIGRATE, true), -1);
        }
        if (to < 0 && retry.kind == MoveKind.LIVE_MIGRATE) {
            retry.kind = MoveKind.RELOCATE;
            scheduleFallbackEvent(m.instance, now);
            to = destinations.place(new PlacementRequest(m.instance, m.from, false, true), -1);
        }
        if (to < 0) {
            // Nowhere to go now: keep it on the source and try again at the next event.
            retry.to = -1;
        } else {
            retry.to = to;
            live.reserve(m.instance, to);
            incoming[to]++;
            fact(now, HistoryRecord.Op.RESERVE, inst.id(), reserveOutcome(to), 0);
        }
        moves.put(retry.id, retry);
        moveOfInstance.put(m.instance, retry);
        if (r != null) {
            r.waiting.add(retry);
        }
    }

    private void scheduleFallbackEvent(int instance, long now) {
        MaintenanceEvent e = events.fallback(instance, now);
        if (e != null) {
            stats.noticed++;
            notify(e, "scheduled relocate (live migration failed)", now);
        }
    }

    private void drained(StepRun r, long now) {
        int h = r.host;
        live.phase(h, HostPhase.PATCHING);
        fact(now, HistoryRecord.Op.HOST_PHASE, fleet.host(h).id(), HostPhase.PATCHING.name(), 0);
        for (int i : r.rebootInPlace) {
            fact(now, HistoryRecord.Op.DISRUPT_BEGIN, fleet.instance(i).id(), "reboot-in-place", 0);
            MaintenanceEvent e = events.get(i);
            if (e != null && (e.state == EventState.SCHEDULED || e.state == EventState.RESCHEDULED)) {
                e.state = EventState.TABLE.transition(e.state, EventState.STARTED);
                stats.forced++;
                notify(e, "started reboot-in-place", now);
            }
        }
        emit(new Effect.PatchHost(key("patch", fleet.host(h).id()), h, problem.advisory().fixedVersion()));
    }

    private void hostPatched(int h, long now) {
        if (live.phase(h) != HostPhase.PATCHING) {
            return;
        }
        live.phase(h, HostPhase.REBOOTING);
        fact(now, HistoryRecord.Op.HOST_PHASE, fleet.host(h).id(), HostPhase.REBOOTING.name(), 0);
        emit(new Effect.RebootHost(key("reboot", fleet.host(h).id()), h));
        long timeout = 3 * (policy.durations().reboot().toMillis() + policy.durations().patch().toMillis()) + 600_000;
        wake(now + timeout, "reboot-timeout:" + h);
    }

    private void hostRebooted(int h, long now) {
        if (live.phase(h) != HostPhase.REBOOTING) {
            return;
        }
        live.phase(h, HostPhase.VERIFYING);
        fact(now, HistoryRecord.Op.HOST_PHASE, fleet.host(h).id(), HostPhase.VERIFYING.name(), 0);
        emit(new Effect.VerifyHost(key("verify", fleet.host(h).id()), h));
    }

    private void hostVerified(int h, String version, long now) {
        if (live.phase(h) != HostPhase.VERIFYING) {
            return;
        }
        StepRun r = runOf(h);
        Host patchedHost = new Host(fleet.host(h).id(), fleet.host(h).zone(), fleet.host(h).rack(), fleet.host(h).cpus(),
                fleet.host(h).memoryMiB(), fleet.host(h).cpuAllocationRatio(), version, fleet.host(h).cpuModel(),
                fleet.host(h).liveMigration(), fleet.host(h).state(), fleet.host(h).agent());
        for (int i : r.rebootInPlace) {
            // The instances that rebooted with the host run again (the driver restarted them during verification).
            live.started(i, h, live.epoch(i) + 1);
            fact(now, HistoryRecord.Op.DISRUPT_END, fleet.instance(i).id(), "ok", 0);
            stats.rebootsInPlace++;
            long[] t = stats.perTenant.computeIfAbsent(fleet.instance(i).tenant(), k -> new long[2]);
            t[0]++;
            completeEvent(i, "rebooted in place", now);
        }
        budgets.releaseAll(r.hold);
        if (problem.advisory().affects(patchedHost)) {
            upButFailed.add(h);
            fail(r, "came back unpatched (" + version + ")", now);
            return;
        }
        live.phase(h, HostPhase.RETURNED);
        live.markPatched(h);
        stats.hostsPatched++;
        fact(now, HistoryRecord.Op.HOST_PHASE, fleet.host(h).id(), HostPhase.RETURNED.name(), 0);
        leaveMaintenance(r, now);
    }

    private void wakeup(Input.Wakeup w, long now) {
        if (w.reason().startsWith("reboot-timeout:")) {
            int h = Integer.parseInt(w.reason().substring("reboot-timeout:".length()));
            if (live.phase(h) == HostPhase.REBOOTING) {
                StepRun r = runOf(h);
                // Instances that rebooted with the host stay disrupted until they run elsewhere: their
                // group budget moves from the step to the rescue and is given back when they start.
                for (int i : r.rebootInPlace) {
                    int g = fleet.groupOf(i);
                    if (g >= 0 && budgets.detach(r.hold, g)) {
                        rescueHold.put(i, g);
                    }
                }
                budgets.releaseAll(r.hold);
                for (int i : r.rebootInPlace) {
                    pendingRescue.put(i, now);
                    fact(now, HistoryRecord.Op.EVENT, fleet.instance(i).id(), "host " + fleet.host(h).id()
                            + " lost: restarting it elsewhere", 0);
                }
                fail(r, "did not come back after reboot", now);
            }
        } else if (w.reason().equals("soak") && now >= soakEndMs) {
            fact(now, HistoryRecord.Op.CAMPAIGN, id, "soak over", 0);
        }
    }

    private void instanceStarted(Input.InstanceStarted s, long now) {
        if (!pendingRescue.containsKey(s.instance()) || live.epoch(s.instance()) >= s.epoch()) {
            return;
        }
        pendingRescue.remove(s.instance());
        Integer held = rescueHold.remove(s.instance());
        if (held != null) {
            budgets.release(held);
        }
        Integer target = rescueTarget.remove(s.instance());
        if (target != null) {
            incoming[target]--;
        }
        live.started(s.instance(), s.host(), s.epoch());
        stats.rescued++;
        fact(now, HistoryRecord.Op.DISRUPT_END, fleet.instance(s.instance()).id(), "rescued", 0);
        completeEvent(s.instance(), "restarted on another host after its host was lost", now);
    }

    /** Instances that rebooted in place on a host that never came back are started elsewhere. */
    private void rescue(long now) {
        for (Map.Entry<Integer, Long> e : new ArrayList<>(pendingRescue.entrySet())) {
            int i = e.getKey();
            if (e.getValue() < 0) {
                continue; // already started, waiting for the answer
            }
            int from = live.currentHost(i);
            int to = destinations.place(new PlacementRequest(i, from, false, false), -1);
            if (to < 0) {
                to = destinations.place(new PlacementRequest(i, from, false, true), -1);
            }
            String outcome = to < 0 ? null : reserveOutcome(to);
            if (to < 0) {
                // Last resort: a host that failed but is up (it came back unpatched). Running on a
                // cordoned, vulnerable host beats not running at all; the record says so.
                Placement p = destinations.rescueOnto(new PlacementRequest(i, from, false, true),
                        upButFailed.stream().mapToInt(Integer::intValue).iterator());
                if (p.found()) {
                    to = p.host();
                    outcome = fleet.host(to).id() + " rescue";
                }
            }
            if (to < 0) {
                continue;
            }
            live.reserve(i, to);
            incoming[to]++;
            rescueTarget.put(i, to);
            fact(now, HistoryRecord.Op.RESERVE, fleet.instance(i).id(), outcome, 0);
            emit(new Effect.StartInstance(key("rescue", fleet.instance(i).id()), i, to, live.epoch(i) + 1));
            pendingRescue.put(i, -1L);
        }
    }

    private void fail(StepRun r, String why, long now) {
        int h = r.host;
        live.phase(h, HostPhase.FAILED);
        stats.hostsFailed++;
        fact(now, HistoryRecord.Op.HOST_PHASE, fleet.host(h).id(), HostPhase.FAILED.name() + ": " + why, 0);
        leaveMaintenance(r, now);
        if (stats.hostsFailed >= policy.haltAfterFailures() && state == CampaignState.RUNNING) {
            endReason = stats.hostsFailed + " hosts failed (haltAfterFailures " + policy.haltAfterFailures()
                    + "); last: " + fleet.host(h).id() + " " + why;
            to(CampaignState.HALTED, now, "halted: " + endReason);
        }
    }

    private void leaveMaintenance(StepRun r, long now) {
        startsPossible = true;
        active.remove(r);
        throttle.leave(fleet.zoneOf(r.host));
        fact(now, HistoryRecord.Op.MAINTENANCE_END, fleet.host(r.host).id(), live.phase(r.host).name(), 0);
        if (r.canary && live.phase(r.host) != HostPhase.PARKED) {
            canariesActive--;
        }
        if (r.canary && canariesLeft == 0 && !canaryBusy() && live.phase(r.host) != HostPhase.PARKED) {
            soakEndMs = now + policy.soak().toMillis();
            if (soakEndMs > now) {
                wake(soakEndMs, "soak");
            }
        }
        sample(now);
    }

    // ---------------------------------------------------------------- tenants

    private void tenantMoveNow(int i, long now) {
        Instance inst = fleet.instance(i);
        int h = live.currentHost(i);
        MaintenanceEvent e = events.get(i);
        if (state != CampaignState.RUNNING || moveOfInstance.containsKey(i) || !live.vulnerable(h)
                || live.phase(h) != HostPhase.WAITING || e == null
                || !(e.state == EventState.SCHEDULED || e.state == EventState.RESCHEDULED)) {
            fact(now, HistoryRecord.Op.EVENT, inst.id(), "tenant move refused: nothing to do now", 0);
            return;
        }
        int to = destinations.place(new PlacementRequest(i, h, false, false), -1);
        if (to < 0) {
            fact(now, HistoryRecord.Op.EVENT, inst.id(), "tenant move refused: no patched host has room yet", 0);
            return;
        }
        live.reserve(i, to);
        incoming[to]++;
        fact(now, HistoryRecord.Op.RESERVE, inst.id(), reserveOutcome(to), 0);
        MoveRun m = new MoveRun(nextMoveId++, i, h, to, MoveKind.RELOCATE);
        m.tenant = true;
        moves.put(m.id, m);
        moveOfInstance.put(i, m);
        startMove(m, now);
    }

    private void tenantReschedule(int i, long notBefore, long now) {
        if (!events.reschedule(i, notBefore, now)) {
            fact(now, HistoryRecord.Op.EVENT, fleet.instance(i).id(), "reschedule refused", 0);
            return;
        }
        MaintenanceEvent e = events.get(i);
        StepRun owner = events.owner(i);
        if (owner != null && e.notBefore > owner.readyAt) {
            owner.readyAt = e.notBefore;
            queue.readyAt(owner.index, owner.readyAt);
        }
        stats.rescheduled++;
        notify(e, "rescheduled", now);
    }

    private void completeEvent(int i, String detail, long now) {
        MaintenanceEvent e = events.get(i);
        if (e != null && e.state == EventState.STARTED) {
            e.state = EventState.TABLE.transition(e.state, EventState.COMPLETED);
            stats.completedEvents++;
            notify(e, detail, now);
        }
    }

    // ---------------------------------------------------------------- helpers

    private StepRun runOf(int h) {
        for (StepRun r : active) {
            if (r.host == h) {
                return r;
            }
        }
        throw new IllegalStateException("no active step for host " + fleet.host(h).id());
    }

    private void maybeFinish(long now) {
        if (CampaignState.TABLE.terminal(state) && state != CampaignState.HALTED && state != CampaignState.ABORTED) {
            return;
        }
        boolean busy = !active.isEmpty() || !parked.isEmpty() || !moves.isEmpty() || !pendingRescue.isEmpty();
        if (busy) {
            return;
        }
        boolean queued = !queue.isEmpty();
        if (state == CampaignState.RUNNING && !queued) {
            stats.makespanMs = now;
            to(CampaignState.COMPLETED, now, "completed: " + stats.hostsPatched + " hosts patched, " + stats.hostsFailed
                    + " failed");
            cancelEventsNotStarted(now);
        } else if ((state == CampaignState.HALTED || state == CampaignState.ABORTED) && stats.makespanMs == 0) {
            stats.makespanMs = now;
            fact(now, HistoryRecord.Op.CAMPAIGN, id, "ended " + state.name().toLowerCase() + ": " + endReason, 0);
            cancelEventsNotStarted(now);
        }
    }

    /** The campaign has ended with nothing in flight: an event that has not started never will; its tenant is told. */
    private void cancelEventsNotStarted(long now) {
        for (MaintenanceEvent e : events.notStarted()) {
            e.state = EventState.TABLE.transition(e.state, EventState.CANCELLED);
            notify(e, "cancelled: the campaign " + state.name().toLowerCase(java.util.Locale.ROOT) + " without it", now);
        }
    }

    /** What is still in flight, for diagnostics. */
    public String describeInFlight() {
        StringBuilder sb = new StringBuilder("state " + state + "; " + throttle + ", canaries left " + canariesLeft
                + ", soak until " + soakEndMs + "; active hosts:");
        for (StepRun r : active) {
            sb.append(' ').append(fleet.host(r.host).id()).append('=').append(live.phase(r.host)).append("(remaining ")
                    .append(r.remaining).append(", waiting ").append(r.waiting.size()).append(", live in flight ")
                    .append(r.liveInFlight).append(')');
        }
        sb.append("; parked: ").append(parked.size());
        sb.append("; moves in flight: ").append(moves.size()).append("; rescues: ").append(pendingRescue.size())
                .append("; queued steps: ").append(queue.size());
        for (MoveRun m : moves.values()) {
            sb.append("; move ").append(fleet.instance(m.instance).id()).append(' ').append(m.state).append(' ')
                    .append(m.kind).append(" to ").append(m.to);
        }
        return sb.toString();
    }

    /** True when the campaign has ended and nothing is in flight any more. */
    public boolean settled() {
        return CampaignState.TABLE.terminal(state) && active.isEmpty() && parked.isEmpty() && moves.isEmpty()
                && pendingRescue.isEmpty();
    }

    private void to(CampaignState next, long now, String why) {
        state = CampaignState.TABLE.transition(state, next);
        fact(now, HistoryRecord.Op.CAMPAIGN, id, why, 0);
    }

    private void notify(MaintenanceEvent e, String detail, long now) {
        Instance inst = fleet.instance(e.instance);
        emit(new Effect.Notify(key("notify", inst.id() + "-" + e.state.name().toLowerCase()), inst.tenant(), inst.id(), e.id,
                e.state, e.notBefore, e.deadline, detail));
        fact(now, HistoryRecord.Op.EVENT, inst.id(), e.state.name() + " notBefore=" + e.notBefore + ": " + detail, 0);
    }

    private final Set<String> wakeups = new java.util.HashSet<>();

    private void wake(long at, String reason) {
        if (wakeups.add(at + "|" + reason)) {
            emit(new Effect.Wakeup(key("wake", reason + "@" + at), at, reason));
        }
    }

    private void sample(long now) {
        int vulnerable = 0;
        if (stats.vulnerableOverTime.size() < 100_000) {
            vulnerable = plan.affectedHosts().size() - stats.hostsPatched;
            stats.vulnerableOverTime.add(new long[] {now, vulnerable, throttle.inMaintenance()});
        }
    }

    private void fact(long now, String op, String target, String outcome, long epoch) {
        facts.accept(new HistoryRecord(now, "ferry", op, target, outcome, epoch));
    }

    /** The reserved host, marked when it is a bootstrap onto a host that is still vulnerable. */
    private String reserveOutcome(int to) {
        return live.vulnerable(to) ? fleet.host(to).id() + " bootstrap" : fleet.host(to).id();
    }

    /** Unique within the campaign and the same on a deterministic replay: the operation and a sequence number. */
    private String key(String op, String target) {
        return op + "/" + (effectSeq++);
    }

    private void begin() {
        out = new ArrayList<>();
    }

    private List<Effect> end(long now) {
        List<Effect> result = out;
        out = null;
        return result;
    }

    private void emit(Effect e) {
        out.add(e);
    }
}
