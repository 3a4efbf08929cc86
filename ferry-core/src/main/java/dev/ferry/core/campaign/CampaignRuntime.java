package dev.ferry.core.campaign;

import dev.ferry.core.campaign.state.CampaignStats;
import dev.ferry.core.campaign.state.MaintenanceEvent;
import dev.ferry.core.campaign.state.MoveRun;
import dev.ferry.core.campaign.state.RuntimeState;
import dev.ferry.core.campaign.state.StepRun;
import dev.ferry.core.history.EffectKeys;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.RefusalReason;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.core.scheduler.Placement;
import dev.ferry.core.scheduler.PlacementRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * Carries a plan out against what really happens. It takes the plan's steps as an ordered
 * proposal, not a timetable: a step starts when its preconditions hold now ({@link Starting}), so a
 * slow host never stalls the others; draining hosts are kept moving ({@link Draining}); answers
 * and wake-ups move hosts on or make them fail ({@link Answers}); tenants hear of every change of
 * their events ({@link Notices}).
 *
 * <p>Every call takes the current time and returns a {@link Result}: the facts it recorded and the
 * effects to apply. The runtime's state ({@link RuntimeState}) changes only by applying those
 * facts, one by one as they are recorded, so the same facts rebuild it ({@link #restore}). Nothing
 * here performs I/O or reads a clock. Single-threaded.
 */
public final class CampaignRuntime {
    private final Ctx ctx;
    private final Notices notices;
    private final Starting starting;
    private final Draining draining;
    private final Answers answers;
    private final TenantLifecycle lifecycle;
    private final HostChanges changes;

    public CampaignRuntime(PlanningProblem problem, Plan plan, String id) {
        this.ctx = new Ctx(problem, plan, id, new RuntimeState(problem, plan, id));
        this.notices = new Notices(ctx);
        this.starting = new Starting(ctx, notices);
        this.draining = new Draining(ctx, notices);
        this.answers = new Answers(ctx, notices, draining);
        this.lifecycle = new TenantLifecycle(ctx, notices);
        this.changes = new HostChanges(ctx, notices);
    }

    /**
     * A runtime whose state is rebuilt from a campaign's history (its own facts applied in order,
     * nothing decided again); its sequences continue after the highest effect key and move id the
     * history holds. What it decides next may differ from what the first runtime would have decided
     * (search hints start afresh) but rests on the same state.
     */
    public static CampaignRuntime restore(PlanningProblem problem, Plan plan, String id, List<HistoryRecord> history) {
        CampaignRuntime runtime = new CampaignRuntime(problem, plan, id);
        Ctx ctx = runtime.ctx;
        for (HistoryRecord r : history) {
            ctx.state.apply(r);
            switch (r.fact()) {
                case Fact.MoveCreated m -> ctx.nextMoveId = Math.max(ctx.nextMoveId, m.move() + 1);
                case Fact.EffectApplied e -> ctx.effectSeq = Math.max(ctx.effectSeq, EffectKeys.sequence(e.key()) + 1);
                case Fact.EventChanged c when c.notice() != null -> // decided, maybe never applied: its key is not used again
                        ctx.effectSeq = Math.max(ctx.effectSeq, EffectKeys.sequence(c.notice()) + 1);
                default -> {
                }
            }
        }
        ctx.pumpAll = true;
        ctx.startsPossible = true;
        ctx.starved.addAll(ctx.state.steps().active());
        return runtime;
    }

    /** Everything the runtime knows; read-only for callers (it changes by the runtime's facts). */
    public RuntimeState view() {
        return ctx.state;
    }

    public CampaignState state() {
        return ctx.state.state();
    }

    public String endReason() {
        return ctx.state.endReason();
    }

    public CampaignStats stats() {
        return ctx.state.stats();
    }

    public String id() {
        return ctx.id;
    }

    /** The host the instance runs on (or is being started on) now. */
    public int currentHost(int instance) {
        return ctx.state.live().currentHost(instance);
    }

    /** The instance's placement epoch: raised by every start and switch-over. */
    public long epoch(int instance) {
        return ctx.state.live().epoch(instance);
    }

    /** Affected by the advisory and not patched yet. */
    public boolean vulnerable(int host) {
        return ctx.state.live().vulnerable(host);
    }

    /** The maintenance phase of a host (WAITING for hosts the campaign has not touched). */
    public HostPhase phase(int host) {
        return ctx.state.live().phase(host);
    }

    /** The campaign has ended (it may still finish what is in flight after a halt or an abort). */
    public boolean finished() {
        return CampaignState.TABLE.terminal(state());
    }

    /** True when the campaign has ended and nothing is in flight any more (but rescues that wait for room after a halt). */
    public boolean settled() {
        return finished() && (ctx.state.idle() || ctx.onlyRescuesWaiting());
    }

    // ---------------------------------------------------------------- operator actions

    /** Approves and starts the campaign: notices go out, then the first steps start. */
    public Result approve(long now) {
        ctx.begin(now);
        ctx.fact(new Fact.CampaignChanged(ctx.id, state(), CampaignState.APPROVED, ""));
        ctx.fact(new Fact.CampaignChanged(ctx.id, state(), CampaignState.RUNNING, ""));
        notices.announce();
        ctx.fact(new Fact.StepsQueued(ctx.id));
        schedule();
        return ctx.end(null);
    }

    public Result pause(long now) {
        ctx.begin(now);
        ctx.fact(new Fact.CampaignChanged(ctx.id, state(), CampaignState.PAUSED, ""));
        return ctx.end(null);
    }

    public Result resume(long now) {
        ctx.begin(now);
        ctx.fact(new Fact.CampaignChanged(ctx.id, state(), CampaignState.RUNNING, ""));
        ctx.pumpAll = true;
        ctx.startsPossible = true;
        schedule();
        return ctx.end(null);
    }

    /** Stops starting anything new; what is in flight finishes. */
    public Result abort(long now, String reason) {
        ctx.begin(now);
        ctx.fact(new Fact.CampaignChanged(ctx.id, state(), CampaignState.ABORTED, reason));
        maybeFinish(); // nothing in flight: it has ended now
        return ctx.end(null);
    }

    // ---------------------------------------------------------------- placement outside the plan

    /**
     * A tenant launches or starts an instance while the campaign runs. The campaign owns placement,
     * so it chooses the host and holds the room, which it will not use for its own moves.
     * {@code withIt} is the campaign's fleet with the instance appended as its last instance. The
     * result's placement is the host, or the refusal; nothing is held when refused.
     */
    public Result placeOutside(Fleet withIt, long now) {
        return placeOutside(withIt, null, now);
    }

    /**
     * The same, for an instance whose id is {@code id} when {@code withIt}'s last instance only stands
     * for its size and group (so that one such fleet serves many launches: the simulator's churn).
     */
    public Result placeOutside(Fleet withIt, String id, long now) {
        ctx.begin(now);
        Placement p = ctx.destinations.outside(withIt);
        if (p.found()) {
            var inst = withIt.instance(withIt.instances().size() - 1);
            ctx.fact(new Fact.Held(id != null ? id : inst.id(), ctx.host(p.host()), inst.milliCpus(), inst.memoryMiB()));
        }
        return ctx.end(p);
    }

    /** The room an instance placed outside the plan held is given back (it stopped or was terminated). */
    public Result releaseOutside(String instanceId, int host, long milliCpu, long memoryMiB, long now) {
        ctx.begin(now);
        ctx.fact(new Fact.Unheld(instanceId, ctx.host(host), milliCpu, memoryMiB));
        ctx.startsPossible = true;
        return ctx.end(null);
    }

    // ---------------------------------------------------------------- inputs

    public Result on(Input input, long now) {
        ctx.begin(now);
        // A wake-up may end a notice somewhere: look at every draining host. (A reboot time-out concerns one host.)
        ctx.pumpAll = input instanceof Input.Wakeup w && w.reason().kind() != WakeupReason.Kind.REBOOT_TIMEOUT;
        ctx.startsPossible |= ctx.pumpAll || input instanceof Input.MoveFailed || input instanceof Input.TenantMoveNow
                || input instanceof Input.HostVerified || input instanceof Input.InstanceStarted
                || input instanceof Input.InstanceStopped || input instanceof Input.HostFenced;
        if (!ctx.starved.isEmpty()) {
            for (StepRun r : ctx.starved) {
                ctx.pumpLater(r);
            }
        }
        switch (input) {
            case Input.MoveCompleted c -> answers.moveCompleted(c);
            case Input.MoveFailed f -> answers.moveFailed(f);
            case Input.HostPatched p -> answers.hostPatched(p.host());
            case Input.HostRebooted r -> answers.hostRebooted(r.host());
            case Input.HostVerified v -> answers.hostVerified(v.host(), v.version());
            case Input.InstanceStarted s -> answers.instanceStarted(s);
            case Input.TenantMoveNow t -> tenantMoveNow(t.instance());
            case Input.TenantReschedule r -> tenantReschedule(r.instance(), r.notBeforeMs());
            case Input.Wakeup w -> answers.wakeup(w);
            case Input.TenantStop s -> lifecycle.stop(s.instance(), s.terminate());
            case Input.TenantStart s -> lifecycle.start(s.instance());
            case Input.TenantReboot b -> lifecycle.reboot(b.instance());
            case Input.InstanceStopped s -> answers.instanceStopped(s);
            case Input.HostDown d -> answers.loss().down(d.host());
            case Input.HostFenced f -> answers.loss().fenced(f.host(), f.how());
            case Input.HostJoined j -> changes.joined(j.host(), j.fixedVersion());
            case Input.HostLeft l -> changes.left(l.host(), l.version());
            case Input.InstanceReset s -> {
                // done as decided: the reboot's fact was recorded when the tenant asked
            }
        }
        schedule();
        return ctx.end(null);
    }

    // ---------------------------------------------------------------- tenants

    /** The tenant asks for its disruption now: relocated at once to a patched host, or refused with the reason. */
    private void tenantMoveNow(int i) {
        RefusalReason refusal = moveNowRefusal(i);
        int h = ctx.state.live().currentHost(i);
        int to = refusal != null ? -1 : ctx.destinations.place(new PlacementRequest(i, h, false, false), -1);
        if (refusal == null && to < 0) {
            refusal = RefusalReason.NO_ROOM; // nothing is ever started on a vulnerable host on a tenant's behalf
        }
        if (refusal != null) {
            ctx.fact(new Fact.Refused(ctx.instance(i), Fact.TenantRequest.MOVE_NOW, refusal));
            return;
        }
        long id = ctx.nextMoveId++;
        ctx.fact(new Fact.MoveCreated(id, ctx.instance(i), ctx.host(h), MoveKind.RELOCATE, null, true, 0, false, false));
        ctx.fact(new Fact.Reserved(ctx.instance(i), ctx.host(to), ctx.reservation(to), id));
        draining.startMove(ctx.state.moves().get(id));
    }

    private RefusalReason moveNowRefusal(int i) {
        int h = ctx.state.live().currentHost(i);
        MaintenanceEvent e = ctx.state.events().get(i);
        if (state() != CampaignState.RUNNING) {
            return RefusalReason.NOT_RUNNING;
        }
        if (ctx.state.moves().ofInstance(i) != null) {
            return RefusalReason.MOVE_IN_FLIGHT;
        }
        if (ctx.state.live().down(h)) {
            return RefusalReason.HOST_DOWN;
        }
        if (!ctx.state.live().vulnerable(h)) {
            return RefusalReason.NOT_VULNERABLE;
        }
        if (ctx.state.live().phase(h) != HostPhase.WAITING) {
            return RefusalReason.HOST_IN_MAINTENANCE;
        }
        if (e == null) {
            return RefusalReason.NO_EVENT;
        }
        return e.pending() ? null : RefusalReason.EVENT_NOT_PENDING;
    }

    private void tenantReschedule(int i, long notBefore) {
        MaintenanceEvent e = ctx.state.events().get(i);
        RefusalReason refusal = EventTimes.rescheduleRefusal(e, notBefore, ctx.now);
        if (refusal != null) {
            ctx.fact(new Fact.Refused(ctx.instance(i), Fact.TenantRequest.RESCHEDULE, refusal));
            return;
        }
        notices.reschedule(e, notBefore);
    }

    // ---------------------------------------------------------------- the round

    /**
     * Running: start what may start, then keep draining hosts moving. Halted or aborted: no new
     * host, but hosts already in maintenance are finished so none is left half-drained. Paused: no
     * new host and no new move; answers are still taken, and a host whose moves are all done goes on
     * to be patched, so nothing is left drained for nothing.
     */
    private void schedule() {
        CampaignState s = state();
        boolean ending = s == CampaignState.HALTED || s == CampaignState.ABORTED;
        if (s == CampaignState.RUNNING || ending) {
            draining.resumeParked();
        }
        if (s == CampaignState.RUNNING) {
            starting.startSteps();
        }
        if (s == CampaignState.RUNNING || ending || s == CampaignState.PAUSED) {
            List<StepRun> runs = ctx.pumpAll ? new ArrayList<>(ctx.state.steps().active()) : ctx.toPump;
            for (int k = 0; k < runs.size(); k++) {
                StepRun r = runs.get(k);
                ctx.pumpQueued.clear(r.index());
                if (ctx.state.steps().active().contains(r)) {
                    draining.pump(r);
                }
            }
            answers.rescue();
        }
        ctx.pumpQueued.clear();
        ctx.toPump.clear();
        ctx.pumpAll = false;
        maybeFinish();
        CampaignState now = state();
        if (now == CampaignState.RUNNING || now == CampaignState.PAUSED
                || (now == CampaignState.HALTED || now == CampaignState.ABORTED) && !ctx.state.settled()) {
            notices.delayOverdue(); // after the end's cancellations: an event that will not happen is not delayed
        }
    }

    private void maybeFinish() {
        CampaignState s = state();
        if (CampaignState.TABLE.terminal(s) && s != CampaignState.HALTED && s != CampaignState.ABORTED) {
            return;
        }
        boolean stuck = !ctx.state.idle() && ctx.onlyRescuesWaiting();
        if (!ctx.state.idle() && !stuck) {
            return;
        }
        if (stuck && s == CampaignState.RUNNING && ctx.state.steps().queue().isEmpty()) {
            // hosts were lost and no host has room for what ran there: the operator must add some
            ctx.fact(new Fact.CampaignChanged(ctx.id, s, CampaignState.HALTED, ctx.state.rescues().pending().size()
                    + " instances of lost hosts cannot be restarted: no host has room"));
            s = state();
        }
        if (stuck && s == CampaignState.RUNNING) {
            return; // steps are still queued: escalation decides them first
        }
        if (s == CampaignState.RUNNING && ctx.state.steps().queue().isEmpty()) {
            CampaignStats st = stats();
            ctx.fact(new Fact.CampaignChanged(ctx.id, s, CampaignState.COMPLETED, st.hostsPatched() + " hosts patched, "
                    + st.hostsFailed() + " failed"));
            notices.cancelNotStarted();
        } else if ((s == CampaignState.HALTED || s == CampaignState.ABORTED) && !ctx.state.settled()) {
            ctx.fact(new Fact.CampaignSettled(ctx.id, s, endReason()));
            notices.cancelNotStarted();
        }
    }

    /** What is still in flight, for diagnostics. */
    public String describeInFlight() {
        var steps = ctx.state.steps();
        StringBuilder sb = new StringBuilder("state " + state() + "; " + ctx.state.throttle() + ", canaries left "
                + steps.canariesLeft() + ", soak until " + steps.soakEndMs() + "; active hosts:");
        for (StepRun r : steps.active()) {
            sb.append(' ').append(ctx.host(r.host())).append('=').append(phase(r.host())).append("(remaining ")
                    .append(r.remaining()).append(", waiting ").append(r.waiting().size()).append(", live in flight ")
                    .append(r.liveInFlight()).append(')');
        }
        sb.append("; parked: ").append(steps.parked().size()).append("; moves in flight: ").append(ctx.state.moves().all().size())
                .append("; rescues: ").append(ctx.state.rescues().pending().size()).append("; queued steps: ")
                .append(steps.queue().size());
        for (MoveRun m : ctx.state.moves().all()) {
            sb.append("; move ").append(ctx.instance(m.instance())).append(' ').append(m.state()).append(' ').append(m.kind())
                    .append(" to ").append(m.to());
        }
        return sb.toString();
    }
}
