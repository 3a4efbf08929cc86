package dev.ferry.core.campaign.state;

import dev.ferry.core.admission.GroupBudgets;
import dev.ferry.core.admission.Throttle;
import dev.ferry.core.history.Actor;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.lifecycle.MoveState;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.core.planner.Step;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything a campaign's runtime knows, in small holders that change only here, by applying one
 * of its own facts ({@link #apply}): the live fleet, the caps in use, the group budgets, the steps,
 * the moves, the rescues, the tenants' events, the counters and the campaign's state. The runtime
 * decides from this state and records facts; the same facts, applied to a fresh state, rebuild it
 * ({@code CampaignRuntime.restore}; the tests compare the two). Facts of other actors (the runner, the
 * hypervisors) are history, not runtime state: they are ignored here. Not thread-safe.
 */
public final class RuntimeState {
    private final PlanningProblem problem;
    private final Fleet fleet;
    private final Plan plan;
    private final String campaign;
    private final LiveFleet live;
    private final Throttle throttle;
    private final GroupBudgets budgets;
    private final Steps steps;
    private final Moves moves;
    private final Rescues rescues = new Rescues();
    private final Events events = new Events();
    private final CampaignStats stats = new CampaignStats();
    private CampaignState state = CampaignState.PROPOSED;
    private String endReason = "";
    private boolean settled;

    public RuntimeState(PlanningProblem problem, Plan plan, String campaign) {
        this.problem = problem;
        this.fleet = problem.fleet();
        this.plan = plan;
        this.campaign = campaign;
        boolean[] affected = new boolean[fleet.hosts().size()];
        for (int h = 0; h < affected.length; h++) {
            affected[h] = problem.advisory().affects(fleet.host(h));
        }
        this.live = new LiveFleet(fleet, affected);
        this.throttle = new Throttle(problem.policy(), fleet.zones().size());
        this.budgets = new GroupBudgets(fleet);
        var gate = problem.policy().haltOnFailedMoves();
        this.moves = new Moves(fleet.hosts().size(), gate == null ? 0 : gate.window().toMillis());
        int[] zoneOfStep = new int[plan.steps().size()];
        for (int s = 0; s < zoneOfStep.length; s++) {
            zoneOfStep[s] = fleet.zoneOf(fleet.hostIndex(plan.steps().get(s).host()));
        }
        this.steps = new Steps(new StepQueue(fleet.zones().size(), zoneOfStep));
        for (Step s : plan.steps()) {
            StepRun r = new StepRun(fleet.hostIndex(s.host()), s, steps.runs.size());
            steps.runs.add(r);
            steps.byHost.put(r.host, r);
        }
        for (var skipped : plan.skippedHosts()) {
            live.skip(fleet.hostIndex(skipped.host()));
        }
        steps.canariesLeft = (int) plan.steps().stream().filter(Step::canary).count();
    }

    // ---------------------------------------------------------------- reading

    public String campaign() {
        return campaign;
    }

    public LiveFleet live() {
        return live;
    }

    /** The caps in use (read-only: facts change them). */
    public dev.ferry.core.admission.Caps throttle() {
        return throttle;
    }

    /** The group budgets in use (read-only: facts change them). */
    public dev.ferry.core.admission.Budgets budgets() {
        return budgets;
    }

    public Steps steps() {
        return steps;
    }

    public Moves moves() {
        return moves;
    }

    public Rescues rescues() {
        return rescues;
    }

    public Events events() {
        return events;
    }

    public CampaignStats stats() {
        return stats;
    }

    public CampaignState state() {
        return state;
    }

    /** Why a halted or aborted campaign ended ("" otherwise). */
    public String endReason() {
        return endReason;
    }

    /** A halted or aborted campaign has settled (nothing in flight any more). */
    public boolean settled() {
        return settled;
    }

    /** Nothing in maintenance, parked, moving, being rescued, or being started or stopped by its tenant. */
    public boolean idle() {
        return steps.active.isEmpty() && steps.parked.isEmpty() && moves.isEmpty() && rescues.isEmpty() && !live.anyStartingOrStopping();
    }

    // ---------------------------------------------------------------- applying facts

    /** Applies one fact of the history; facts of other actors than the runtime change nothing here. */
    public void apply(HistoryRecord r) {
        if (r.actor() != Actor.FERRY) {
            return;
        }
        long t = r.timeMs();
        switch (r.fact()) {
            case Fact.CampaignChanged c -> campaignChanged(c, t);
            case Fact.StepsQueued q -> steps.runs.forEach(run -> steps.queue.readyAt(run.index, run.readyAt));
            case Fact.SoakEnded s -> {
            }
            case Fact.CanariesGivenUp c -> steps.canariesLeft = 0;
            case Fact.CampaignSettled s -> settled = stats.settledAt(t);
            case Fact.StepStarted s -> stepStarted(s);
            case Fact.Cordoned c -> live.phase(host(c.host()), HostPhase.CORDONED);
            case Fact.MaintenanceBegan b -> maintenanceBegan(b, t);
            case Fact.MaintenanceEnded e -> maintenanceEnded(e, t);
            case Fact.PhaseChanged p -> phaseChanged(p);
            case Fact.Parked p -> parked(p);
            case Fact.HostFailed f -> hostFailed(f, t);
            case Fact.HostDown d -> live.markDown(host(d.host()));
            case Fact.StepAdded a -> steps.join(host(a.host()), a.fixedVersion(), t, live, stats);
            case Fact.HostDropped d -> steps.drop(host(d.host()), t, problem.policy().soak().toMillis(), live, stats);
            case Fact.HostFenced f -> live.markFenced(host(f.host()));
            case Fact.HostSkipped s -> hostSkipped(s);
            case Fact.BudgetTaken b -> {
                budgets.take(step(b.host()).hold, fleet.groupIndex(b.group()), 1);
                if (b.move() >= 0) {
                    moves.byId.get(b.move()).holdsBudget = true;
                }
            }
            case Fact.BudgetReleased b -> budgets.releaseAll(step(b.host()).hold);
            case Fact.MoveCreated m -> moveCreated(m);
            case Fact.Reserved res -> reserved(res);
            case Fact.Released rel -> {
                live.release(instance(rel.instance()), host(rel.host()));
                moves.incoming[host(rel.host())]--;
                if (rel.move() < 0) {
                    rescues.target.remove(instance(rel.instance())); // a rescue's start onto a host that went down
                }
            }
            case Fact.MoveStarted m -> moveStarted(m);
            case Fact.SwitchedOver s -> switchedOver(s, t);
            case Fact.RolledBack b -> rolledBack(b, t);
            case Fact.AnswerIgnored a -> { }
            case Fact.MoveRerouted m -> moves.byId.get(m.move()).kind = m.kind();
            case Fact.RebootsInPlace rip -> rebootsInPlace(rip);
            case Fact.DisruptionEnded e -> disruptionEnded(e);
            case Fact.RescueNeeded n -> rescueNeeded(n, t);
            case Fact.Held h -> live.hold(host(h.host()), h.milliCpu(), h.memoryMiB());
            case Fact.Unheld h -> live.hold(host(h.host()), -h.milliCpu(), -h.memoryMiB());
            case Fact.Informed inf -> { } // histories from before live migrations were tenants' events: nothing to apply
            case Fact.EventChanged e -> eventChanged(e);
            case Fact.TenantStopped s -> tenantStopped(s);
            case Fact.TenantStarted s -> {
                live.startStopped(instance(s.instance()), host(s.host()), s.epoch());
                stats.tenantStarted(live.affected(host(s.host()))); // an affected host only once it is patched
            }
            case Fact.TenantRebooted b -> stats.tenantReboots++;
            case Fact.DisruptionBegan b -> { }
            case Fact.Refused f -> { }
            case Fact.MigrationMeasured m -> { }
            case Fact.Ran ran -> { }
            case Fact.Stopped s -> { }
            case Fact.EffectApplied e -> { }
            case Fact.Legacy l -> { }
        }
    }

    private void parked(Fact.Parked p) {
        StepRun run = step(p.host());
        live.phase(run.host, HostPhase.PARKED);
        run.readyAt = p.untilMs();
        steps.parked.add(run);
    }

    private void hostSkipped(Fact.HostSkipped s) {
        StepRun run = step(s.host());
        steps.queue.remove(run.index);
        live.phase(run.host, HostPhase.SKIPPED);
        stats.hostsSkipped++;
    }

    /** A move not started yet is dropped (its reservation was released by its own fact); the room goes when it has stopped. */
    private void tenantStopped(Fact.TenantStopped s) {
        int i = instance(s.instance());
        moves.drop(i, fleet.groupOf(i), budgets);
        events.owner.remove(i);
        live.stop(i, s.terminated());
        stats.tenantStopped(s.terminated());
    }

    private void campaignChanged(Fact.CampaignChanged c, long t) {
        if (c.from() != state) {
            throw new IllegalStateException("campaign " + campaign + " is " + state + ", the fact says " + c.from());
        }
        state = CampaignState.TABLE.transition(state, c.to());
        switch (c.to()) {
            case RUNNING -> {
                if (c.from() == CampaignState.APPROVED) {
                    sample(t);
                }
            }
            case HALTED, ABORTED -> endReason = c.reason();
            case COMPLETED -> stats.makespanMs = t;
            default -> {
            }
        }
    }

    private void stepStarted(Fact.StepStarted s) {
        StepRun run = step(s.host());
        stats.replaced += s.replanned();
        Map<Integer, Integer> share = new LinkedHashMap<>();
        for (Fact.GroupShare g : s.budget()) {
            share.put(fleet.groupIndex(g.group()), g.members());
        }
        budgets.take(run.hold, share);
        run.canary = s.canary();
        if (run.canary) {
            steps.canariesLeft--;
            steps.canariesActive++;
        }
        for (String i : s.rebootInPlace()) {
            run.rebootInPlace.add(instance(i));
        }
        run.remaining = s.moves();
        steps.queue.remove(run.index);
    }

    private void maintenanceBegan(Fact.MaintenanceBegan b, long t) {
        StepRun run = step(b.host());
        boolean resumed = steps.parked.remove(run);
        throttle.enter(fleet.zoneOf(run.host));
        steps.active.add(run);
        if (!resumed) {
            sample(t);
        }
    }

    private void maintenanceEnded(Fact.MaintenanceEnded e, long t) {
        StepRun run = step(e.host());
        steps.active.remove(run);
        throttle.leave(fleet.zoneOf(run.host));
        boolean parked = e.phase() == HostPhase.PARKED;
        if (run.canary && !parked) {
            steps.canariesActive--;
        }
        if (run.canary && steps.canariesLeft == 0 && steps.canariesActive == 0 && !parked) {
            steps.soakEndMs = t + problem.policy().soak().toMillis();
        }
        sample(t);
    }

    private void phaseChanged(Fact.PhaseChanged p) {
        int h = host(p.host());
        live.phase(h, p.phase());
        if (p.phase() == HostPhase.RETURNED) {
            live.markPatched(h);
            stats.hostsPatched++;
        }
    }

    private void hostFailed(Fact.HostFailed f, long t) {
        int h = host(f.host());
        if (f.why() == Fact.HostFailure.CAME_BACK_UNPATCHED) {
            rescues.upButFailed.add(h);
        }
        steps.failed(h, t, problem.policy().soak().toMillis());
        live.phase(h, HostPhase.FAILED);
        stats.hostsFailed++;
    }

    private void moveCreated(Fact.MoveCreated c) {
        MoveRun m = new MoveRun(c.move(), instance(c.instance()), host(c.from()), c.kind());
        m.attempts = c.attempt();
        m.postCopy = c.postCopy();
        m.tenant = c.byTenant();
        m.holdsBudget = c.holdsBudget();
        m.run = c.step() == null ? null : step(c.step());
        moves.byId.put(m.id, m);
        moves.byInstance.put(m.instance, m);
        if (m.run != null) {
            m.run.waiting.add(m);
        }
    }

    private void reserved(Fact.Reserved res) {
        int i = instance(res.instance());
        int h = host(res.host());
        live.reserve(i, h);
        moves.incoming[h]++;
        if (res.move() >= 0) {
            moves.byId.get(res.move()).to = h;
        } else {
            rescues.target.put(i, h);
            rescues.pending.put(i, -1L);
            rescues.attempts.merge(i, 1, Integer::sum);
        }
    }

    private void moveStarted(Fact.MoveStarted s) {
        MoveRun m = moves.byId.get(s.move());
        m.state = MoveState.TABLE.transition(m.state, MoveState.IN_PROGRESS);
        if (m.run != null) {
            m.run.inFlight++;
            if (m.kind == MoveKind.LIVE_MIGRATE) {
                m.run.liveInFlight++;
            }
            m.run.waiting.remove(m);
        }
    }

    private void switchedOver(Fact.SwitchedOver s, long t) {
        MoveRun m = moves.byId.get(s.move());
        moves.ended(m, false, t);
        m.state = MoveState.TABLE.transition(m.state, MoveState.SWITCHED_OVER);
        moves.incoming[m.to]--;
        moves.byId.remove(m.id);
        moves.byInstance.remove(m.instance);
        live.switchOver(m.instance, m.to, s.epoch());
        if (live.vulnerable(m.to)) {
            moves.arrived(m.instance, m.to, m.kind);
        }
        if (m.kind == MoveKind.LIVE_MIGRATE) {
            stats.liveMigrations++;
        } else {
            stats.relocations++;
            stats.tenantDisruption(fleet.instance(m.instance).tenant(), s.downtimeMs());
        }
        StepRun run = m.run;
        if (run != null) {
            run.moveEnded(m.kind);
            if (m.holdsBudget && fleet.groupOf(m.instance) >= 0) {
                budgets.releaseOne(run.hold, fleet.groupOf(m.instance));
            }
            run.remaining--;
        }
    }

    private void rolledBack(Fact.RolledBack b, long t) {
        MoveRun m = moves.byId.get(b.move());
        moves.ended(m, !b.notConverging(), t); // not converging is the guest's nature, not the fleet's health
        m.state = MoveState.TABLE.transition(m.state, MoveState.ROLLED_BACK);
        stats.failedMigrations++;
        if (m.run != null) {
            m.run.moveEnded(m.kind);
        }
        moves.byId.remove(m.id);
        live.raiseEpoch(m.instance, b.epoch()); // a relocation that failed may have started it again where it was
    }

    private void rebootsInPlace(Fact.RebootsInPlace rip) {
        if (rip.move() < 0) {
            return; // decided as its step started: the step's own fact has it
        }
        MoveRun m = moves.byId.get(rip.move());
        StepRun run = m.run;
        run.waiting.remove(m);
        moves.byId.remove(m.id);
        moves.byInstance.remove(m.instance);
        run.remaining--;
        run.rebootInPlace.add(m.instance);
        stats.replaced++;
    }

    private void disruptionEnded(Fact.DisruptionEnded e) {
        int i = instance(e.instance());
        switch (e.end()) {
            case REBOOTED_IN_PLACE -> {
                live.started(i, host(e.host()), e.epoch());
                stats.rebootsInPlace++;
                stats.tenantDisruption(fleet.instance(i).tenant(), 0);
            }
            case RESCUED -> {
                rescues.pending.remove(i);
                rescues.attempts.remove(i);
                Integer held = rescues.heldGroup.remove(i);
                if (held != null) {
                    budgets.release(held);
                }
                Integer target = rescues.target.remove(i);
                if (target != null) {
                    moves.incoming[target]--;
                }
                live.started(i, host(e.host()), e.epoch());
                if (live.vulnerable(host(e.host()))) { // a last resort: moved again by that host's own step
                    moves.arrived(i, host(e.host()), MoveKind.of(fleet.instance(i).onHostMaintenance()));
                }
                stats.rescued++;
            }
            case STARTED -> live.startedUp(i);
            case STOPPED -> live.stoppedDown(i);
            case MOVED, ROLLED_BACK -> {
                // the move's own fact (switched over, rolled back) changed what there was to change
            }
        }
    }

    private void rescueNeeded(Fact.RescueNeeded n, long t) {
        int i = instance(n.instance());
        int g = fleet.groupOf(i);
        StepRun held = moves.lost(i, g, budgets); // its move's unit of the group budget, if it held one
        StepRun lost = steps.byHost.get(host(n.lostHost()));
        rescues.need(i, g, held != null ? held : lost != null && lost.rebootInPlace.contains(i) ? lost : null, budgets, t);
        live.startedUp(i); // a tenant's start onto the lost host will not come up there
    }

    private void eventChanged(Fact.EventChanged c) {
        StepRun owner = c.state() == EventState.SCHEDULED && c.step() != null ? step(c.step()) : null;
        events.apply(c, instance(c.instance()), owner, steps.queue, stats);
    }

    private void sample(long t) {
        stats.sample(t, plan.affectedHosts().size() + stats.hostsJoined - stats.hostsDropped - stats.hostsPatched, throttle.inMaintenance());
    }

    private int host(String id) {
        int h = fleet.hostIndex(id);
        if (h < 0) {
            throw new IllegalArgumentException("a fact names host " + id + ", which the campaign's fleet does not have");
        }
        return h;
    }

    private int instance(String id) {
        int i = fleet.instanceIndex(id);
        if (i < 0) {
            throw new IllegalArgumentException("a fact names instance " + id + ", which the campaign's fleet does not have");
        }
        return i;
    }

    private StepRun step(String host) {
        StepRun run = steps.byHost.get(host(host));
        if (run == null) {
            throw new IllegalArgumentException("a fact names the step of host " + host + ", which the plan does not have");
        }
        return run;
    }

    /** Everything this state holds, as text: equal texts, equal states (restore tests). Not for large fleets. */
    public String describe() {
        StringBuilder groups = new StringBuilder();
        for (int g = 0; g < fleet.groups().size(); g++) {
            groups.append(budgets.disrupted(g)).append(' ');
        }
        return "state " + state + " '" + endReason + "' settled " + settled + "\nlive " + live.describe() + "\nthrottle " + throttle
                + "\nbudgets " + groups
                + "\nsteps " + steps.describe() + "\nmoves " + moves.describe() + "\nrescues " + rescues.describe() + "\nevents "
                + events.describe() + "\nstats " + stats.describe();
    }
}
