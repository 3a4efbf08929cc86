package dev.ferry.core.campaign;

import dev.ferry.core.campaign.state.MaintenanceEvent;
import dev.ferry.core.campaign.state.MoveRun;
import dev.ferry.core.campaign.state.StepRun;
import dev.ferry.core.history.Fact;
import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.lifecycle.MoveState;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.core.scheduler.PlacementRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps draining hosts moving: starts what may start on a host in maintenance (relocations once
 * their notice has run out and their group's budget allows, live migrations in {@code perHost}
 * lanes), finds destinations for moves that have none, parks a host whose rest waits for a notice,
 * takes parked hosts back, falls back when nothing else progresses, and sends an emptied host on to
 * be patched. Single-threaded.
 */
final class Draining {
    private final Ctx ctx;
    private final Notices notices;

    Draining(Ctx ctx, Notices notices) {
        this.ctx = ctx;
        this.notices = notices;
    }

    /** Starts what may start on a draining host. */
    void pump(StepRun r) {
        ctx.starved.remove(r);
        if (ctx.state.live().phase(r.host()) != HostPhase.DRAINING || ctx.state.live().down(r.host())) {
            return;
        }
        if (ctx.state.state() == CampaignState.PAUSED) {
            if (r.remaining() == 0) {
                drained(r);
            }
            return;
        }
        // the waiting moves as they are now, in order (a started move leaves the list; no copy is made)
        List<MoveRun> waiting = r.waiting();
        int n = waiting.size();
        for (int k = 0, seen = 0; seen < n && k < waiting.size(); seen++) {
            MoveRun m = waiting.get(k);
            if (mayStart(r, m) && destination(r, m)) {
                startMove(m);
            }
            if (k < waiting.size() && waiting.get(k) == m) {
                k++;
            }
        }
        if (r.remaining() == 0) {
            drained(r);
        } else if (r.inFlight() == 0 && !r.waiting().isEmpty()) {
            long until = Long.MAX_VALUE;
            for (MoveRun m : r.waiting()) {
                MaintenanceEvent e = ctx.state.events().get(m.instance());
                if (m.kind() == MoveKind.LIVE_MIGRATE || e == null || e.notBefore() <= ctx.now) {
                    return; // something could still start
                }
                until = Math.min(until, e.notBefore());
            }
            park(r, until);
        }
    }

    /** A lane is free for a live migration; a relocation's notice has run out and its member of the group budget is held. */
    private boolean mayStart(StepRun r, MoveRun m) {
        if (m.kind() == MoveKind.LIVE_MIGRATE) {
            return r.liveInFlight() < ctx.policy.liveMigration().perHost();
        }
        MaintenanceEvent e = ctx.state.events().get(m.instance());
        if (e != null && e.notBefore() > ctx.now && !m.tenant()) {
            ctx.wake(e.notBefore(), WakeupReason.notice(ctx.instance(m.instance())));
            return false;
        }
        int g = ctx.fleet.groupOf(m.instance());
        if (!m.holdsBudget() && g >= 0) {
            if (!ctx.state.budgets().fitsOne(g)) {
                return false; // a fallback relocation waits for its group's budget
            }
            ctx.fact(new Fact.BudgetTaken(r.step().host(), ctx.fleet.groups().get(g).id(), m.id()));
        }
        return true;
    }

    /** The move has a destination (reserved now when it had none); false when none can take it now. */
    private boolean destination(StepRun r, MoveRun m) {
        if (m.to() >= 0) {
            return true;
        }
        boolean live = m.kind() == MoveKind.LIVE_MIGRATE;
        int to = ctx.destinations.place(new PlacementRequest(m.instance(), m.from(), live, false), -1);
        if (to < 0) {
            to = ctx.destinations.place(new PlacementRequest(m.instance(), m.from(), live, true), -1);
        }
        if (to < 0) {
            ctx.starved.add(r);
            if (!progressing()) {
                lastResort(r, m);
            }
            return false;
        }
        ctx.fact(new Fact.Reserved(ctx.instance(m.instance()), ctx.host(to), ctx.reservation(to), m.id()));
        return true;
    }

    /** Asks the hypervisors for the move, with the instance's next placement epoch; a disruption's event starts. */
    void startMove(MoveRun m) {
        int i = m.instance();
        long epoch = ctx.state.live().epoch(i) + 1;
        ctx.emit(new Effect.StartMove(ctx.key("move"), m.id(), i, m.from(), m.to(), m.kind(), epoch, m.postCopy()));
        ctx.fact(new Fact.MoveStarted(m.id(), ctx.instance(i), m.kind(), ctx.host(m.from()), ctx.host(m.to()), epoch, m.postCopy(),
                m.tenant()));
        if (m.kind().disruptive()) {
            ctx.fact(new Fact.DisruptionBegan(ctx.instance(i), m.tenant(), m.kind()));
            notices.start(i, m.kind(), m.tenant());
        }
    }

    /**
     * Everything left on a draining host waits for a fallback's notice: the host stays cordoned but
     * gives its maintenance slot back, so it does not hold its zone (or the fleet) for a day.
     */
    private void park(StepRun r, long until) {
        ctx.fact(new Fact.Parked(r.step().host(), until));
        leaveMaintenance(r);
        ctx.wake(until, WakeupReason.parked(r.step().host()));
    }

    /** Parked hosts whose notice has run out take a slot again before any new step. */
    void resumeParked() {
        if (ctx.state.steps().parked().isEmpty()) {
            return;
        }
        for (StepRun r : new ArrayList<>(ctx.state.steps().parked())) {
            int zone = ctx.fleet.zoneOf(r.host());
            if (r.readyAt() > ctx.now || !ctx.state.throttle().mayEnter(zone, ctx.policy.maxHostsInMaintenance())) {
                continue;
            }
            ctx.fact(new Fact.MaintenanceBegan(r.step().host(), ctx.fleet.host(r.host()).zone()));
            ctx.pumpLater(r);
            ctx.fact(new Fact.PhaseChanged(r.step().host(), HostPhase.DRAINING));
        }
    }

    /** The host gives its maintenance slot back (if it holds one); the soak starts when the last canary is done. */
    void leaveMaintenance(StepRun r) {
        ctx.startsPossible = true;
        HostPhase phase = ctx.state.live().phase(r.host());
        if (!ctx.state.steps().active().contains(r)) {
            return; // it went down while waiting or parked
        }
        ctx.fact(new Fact.MaintenanceEnded(r.step().host(), phase));
        var steps = ctx.state.steps();
        if (r.canary() && phase != HostPhase.PARKED && steps.canariesLeft() == 0 && steps.canariesActive() == 0
                && steps.soakEndMs() > ctx.now) {
            ctx.wake(steps.soakEndMs(), WakeupReason.soak());
        }
    }

    /** Something moves, patches, reboots, verifies or restarts somewhere: waiting may free room. */
    private boolean progressing() {
        for (MoveRun m : ctx.state.moves().all()) {
            if (m.state() == MoveState.IN_PROGRESS) {
                return true;
            }
        }
        for (StepRun a : ctx.state.steps().active()) {
            if (ctx.state.live().phase(a.host()) != HostPhase.DRAINING) {
                return true;
            }
        }
        return ctx.state.rescues().anyStarted();
    }

    /**
     * A waiting move with no destination while nothing else progresses: a live migration becomes a
     * relocation (its tenant gets notice), a relocation whose notice has run out reboots in place.
     */
    private void lastResort(StepRun r, MoveRun m) {
        int i = m.instance();
        if (m.kind() == MoveKind.LIVE_MIGRATE) {
            ctx.fact(new Fact.MoveRerouted(m.id(), ctx.instance(i), MoveKind.RELOCATE));
            notices.fallback(i);
            ctx.wake(ctx.state.events().get(i).notBefore(), WakeupReason.notice(ctx.instance(i)));
            return;
        }
        if (!notices.noticed(i)) {
            return;
        }
        int g = ctx.fleet.groupOf(i);
        if (!m.holdsBudget() && g >= 0) {
            if (!ctx.state.budgets().fitsOne(g)) {
                return;
            }
            ctx.fact(new Fact.BudgetTaken(r.step().host(), ctx.fleet.groups().get(g).id(), m.id()));
        }
        ctx.fact(new Fact.RebootsInPlace(ctx.instance(i), r.step().host(), ctx.fleet.host(r.host()).zone(), m.id()));
    }

    /** Every move is done: the host goes on to be patched; what stays on it reboots with it. */
    void drained(StepRun r) {
        int h = r.host();
        ctx.fact(new Fact.PhaseChanged(ctx.host(h), HostPhase.PATCHING));
        for (int i : new ArrayList<>(r.rebootInPlace())) {
            ctx.fact(new Fact.DisruptionBegan(ctx.instance(i), false, MoveKind.REBOOT_IN_PLACE));
            notices.start(i, MoveKind.REBOOT_IN_PLACE, false);
        }
        String fixed = r.fixedVersion() != null ? r.fixedVersion() : ctx.problem.advisory().fixedVersionFor(ctx.fleet.host(h));
        ctx.emit(new Effect.PatchHost(ctx.key("patch"), h, fixed));
    }
}
