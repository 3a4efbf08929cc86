package dev.ferry.core.campaign;

import dev.ferry.core.admission.Refusal;
import dev.ferry.core.campaign.state.MaintenanceEvent;
import dev.ferry.core.campaign.state.StepRun;
import dev.ferry.core.history.Fact;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.planner.Move;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.core.scheduler.PlacementRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.NavigableSet;
import java.util.Map;
import java.util.Set;

/**
 * Which steps start now. A step (one host) starts when its preconditions hold now: the canaries
 * first, one at a time, then the soak; the caps ({@link dev.ferry.core.admission.Throttle}); no
 * move or rescue still on its way to the host; a destination for every instance that is valid on
 * the live fleet (the planned one when it still passes the scheduler's filters, otherwise one
 * re-placed through the same chain); every non-live instance's notice run out; its groups'
 * budgets ({@link dev.ferry.core.admission.GroupBudgets}). A step that cannot start says why,
 * as a {@link Refusal}. When nothing is in flight, steps are escalated like the planner does.
 * Single-threaded.
 */
final class Starting {
    static final int STEP_ATTEMPTS_PER_ROUND = 16;

    private final Ctx ctx;
    private final Notices notices;

    Starting(Ctx ctx, Notices notices) {
        this.ctx = ctx;
        this.notices = notices;
    }

    /** Starts what may start now (the campaign is running). */
    void startSteps() {
        var steps = ctx.state.steps();
        if (ctx.now < steps.soakEndMs()) {
            return;
        }
        ctx.startsPossible |= steps.queue().promote(ctx.now);
        if (!ctx.startsPossible && !ctx.state.idle()) {
            return;
        }
        ctx.startsPossible = false;
        boolean canaryPhase = steps.canariesLeft() > 0 || steps.canariesActive() > 0;
        // No slot can be free beyond what the zones allow at once: do not even look then.
        int cap = canaryPhase ? 1 : ctx.state.throttle().effectiveCap();
        if (ctx.state.throttle().inMaintenance() < cap || ctx.state.idle()) {
            if (canaryPhase) {
                startCanary();
            } else {
                startReady(cap);
            }
        }
        if (steps.queue().nextReadyAt() != Long.MAX_VALUE) {
            ctx.wake(steps.queue().nextReadyAt(), WakeupReason.ready());
        }
        if ((ctx.state.idle() || ctx.onlyRescuesWaiting()) && !steps.queue().isEmpty()) {
            escalate(canaryPhase); // rescues that wait for room free none: waiting for them frees nothing either
        }
    }

    /** Canaries: the first steps of the plan, one at a time, in plan order. */
    private void startCanary() {
        int first = ctx.state.steps().queue().first();
        if (ctx.state.steps().canariesActive() > 0 || first < 0) {
            return;
        }
        StepRun r = ctx.state.steps().run(first);
        if (r.step().canary() && r.readyAt() <= ctx.now) {
            tryStart(r, false);
        }
    }

    /**
     * Ready steps: first those holding an event that waited past its latest start, in plan order
     * (ahead of other work, within the same caps and the same limit of attempts a round), then zones
     * already in maintenance, then the zone whose next step comes first in the plan.
     */
    private void startReady(int cap) {
        var queue = ctx.state.steps().queue();
        var throttle = ctx.state.throttle();
        int failures = 0;
        java.util.Set<Integer> tried = new java.util.HashSet<>();
        for (StepRun r : ctx.state.events().urgentSteps(queue)) {
            if (throttle.inMaintenance() >= cap || failures >= STEP_ATTEMPTS_PER_ROUND) {
                return;
            }
            if (r.readyAt() <= ctx.now && queue.ready(ctx.fleet.zoneOf(r.host())).contains(r.index())) {
                tried.add(r.index()); // once a round: not again in its zone's turn below
                if (tryStart(r, false) != null) {
                    failures++;
                }
            }
        }
        List<Integer> zones = new ArrayList<>();
        for (int z = 0; z < queue.zones(); z++) {
            if (!queue.ready(z).isEmpty()) {
                zones.add(z);
            }
        }
        zones.sort(Comparator.comparing((Integer z) -> !throttle.zoneActive(z)).thenComparing(z -> queue.ready(z).first()));
        for (int z : zones) {
            // a started step leaves the ready set (by its fact): walk on from where it was, no copy
            NavigableSet<Integer> ready = queue.ready(z);
            for (Integer s = ready.isEmpty() ? null : ready.first(); s != null; s = ready.higher(s)) {
                if (failures >= STEP_ATTEMPTS_PER_ROUND) {
                    break;
                }
                if (throttle.inMaintenance() >= cap) {
                    return;
                }
                if (!throttle.zoneOpen(z)) {
                    break; // this zone is full or not its turn
                }
                if (tried.contains(s)) {
                    continue;
                }
                if (tryStart(ctx.state.steps().run(s), false) != null) {
                    failures++;
                }
            }
        }
    }

    /**
     * Nothing is in flight, so waiting frees nothing: try each queued step with fallbacks, in plan
     * order; a step that cannot start even so, and is not waiting for a notice, can never start.
     */
    private void escalate(boolean canaryPhase) {
        var queue = ctx.state.steps().queue();
        boolean waiting = false;
        List<StepRun> blocked = new ArrayList<>();
        List<Refusal> why = new ArrayList<>();
        for (int k = queue.first(); k >= 0; k = queue.next(k)) {
            StepRun r = ctx.state.steps().run(k);
            if (canaryPhase && !r.step().canary()) {
                continue;
            }
            if (r.readyAt() > ctx.now) {
                waiting = true; // its notice runs; a wake-up is set for it
                continue;
            }
            Refusal refusal = tryStart(r, true);
            if (refusal == null) {
                return;
            }
            if (refusal.kind().waits()) {
                waiting = true;
            } else {
                blocked.add(r);
                why.add(refusal);
            }
        }
        if (!waiting) {
            for (int k = 0; k < blocked.size(); k++) {
                ctx.fact(new Fact.HostSkipped(blocked.get(k).step().host(), why.get(k)));
            }
            if (canaryPhase && ctx.state.steps().canariesLeft() > 0) {
                ctx.fact(new Fact.CanariesGivenUp(ctx.id));
            }
        }
    }

    /** One instance's way out of a step being decided. */
    private record Planned(long id, int instance, int to, MoveKind kind) {
    }

    /** A step being decided: the moves placed so far (their room held only in {@link #trial}), who stays, why not. */
    private static final class Draft {
        final Destinations.Trial trial;
        final List<Planned> moves = new ArrayList<>();
        final List<Integer> stay = new ArrayList<>();
        /** Instances that reboot in place because no host in the zone can take them. */
        final List<Integer> nowhere = new ArrayList<>();
        int replaced;
        int gone;
        Refusal refusal;

        Draft(Destinations.Trial trial) {
            this.trial = trial;
        }
    }

    /**
     * Tries to start a step now; null when it started, else why not. With {@code escalate} (nothing
     * else is in flight, so nothing will free up by waiting) an instance without a valid destination
     * may go to a vulnerable host (bootstrap), fall back from live migration to relocation, and
     * finally reboot in place — each non-live fallback only once its tenant has had notice.
     */
    Refusal tryStart(StepRun r, boolean escalate) {
        int h = r.host();
        if (ctx.state.live().down(h)) {
            return Refusal.of(Refusal.Kind.HOST_DOWN, ctx.host(h) + " is down; it fails once it is fenced");
        }
        int zone = ctx.fleet.zoneOf(h);
        if (!ctx.state.throttle().zoneOpen(zone)) {
            return ctx.state.throttle().refusal(zone, ctx.fleet.host(h).zone(), Integer.MAX_VALUE);
        }
        if (ctx.state.moves().incoming(h) > 0) {
            return Refusal.of(Refusal.Kind.ARRIVALS_PENDING, ctx.state.moves().incoming(h) + " moves are on their way to "
                    + ctx.host(h));
        }
        String stopping = stoppingOn(r);
        if (stopping != null) {
            // its guest still runs until the hypervisor confirms the stop: the host is not empty of it yet
            return Refusal.of(Refusal.Kind.ARRIVALS_PENDING, "the tenant's stop of " + stopping + " on " + ctx.host(h)
                    + " is not confirmed yet");
        }
        Draft draft = new Draft(new Destinations.Trial(ctx.state.live()));
        for (Move m : onHost(r, draft)) {
            place(r, m, escalate, draft);
            if (draft.refusal != null && !draft.refusal.kind().waits()) {
                break;
            }
        }
        Map<Integer, Integer> disrupted = new HashMap<>();
        if (draft.refusal == null) {
            draft.refusal = noticeAndBudgets(r, draft, disrupted);
        }
        if (draft.refusal != null) {
            return draft.refusal;
        }
        commit(r, draft, disrupted);
        return null;
    }

    /**
     * What is on the host now: the plan's moves for instances still there, plus instances that
     * arrived since (a bootstrap re-placed at run time) with a move of the kind that brought them.
     */
    private List<Move> onHost(StepRun r, Draft draft) {
        int h = r.host();
        var live = ctx.state.live();
        var moves = ctx.state.moves();
        List<Move> planned = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (Move m : r.step().moves()) {
            int i = ctx.fleet.instanceIndex(m.instance());
            seen.add(i);
            if (live.currentHost(i) == h && !live.stopped(i) && moves.ofInstance(i) == null) {
                planned.add(m);
            } else if (live.currentHost(i) != h || live.stopped(i)) {
                draft.gone++; // moved or stopped already (the tenant did it): the step adapts
            }
        }
        for (int i : moves.arrivals(h)) {
            if (live.currentHost(i) == h && !live.stopped(i) && !seen.contains(i) && moves.ofInstance(i) == null) {
                planned.add(new Move(ctx.instance(i), ctx.host(h), ctx.host(h), moves.arrivalKind(i), false,
                        "arrived by a bootstrap move at run time"));
            }
        }
        return planned;
    }

    /** An instance of the step's host that its tenant stopped and whose stop is not confirmed yet, or null. */
    private String stoppingOn(StepRun r) {
        var live = ctx.state.live();
        if (!live.anyStartingOrStopping()) {
            return null;
        }
        for (Move m : r.step().moves()) {
            int i = ctx.fleet.instanceIndex(m.instance());
            if (live.stopping(i) && live.currentHost(i) == r.host()) {
                return m.instance();
            }
        }
        for (int i : ctx.state.moves().arrivals(r.host())) {
            if (live.stopping(i) && live.currentHost(i) == r.host()) {
                return ctx.instance(i);
            }
        }
        return null;
    }

    /** A destination for one instance of the step, validated against the live fleet and the step's own reservations. */
    private void place(StepRun r, Move m, boolean escalate, Draft draft) {
        int h = r.host();
        int i = ctx.fleet.instanceIndex(m.instance());
        MoveKind kind = m.kind();
        if (kind == MoveKind.REBOOT_IN_PLACE) {
            draft.stay.add(i);
            return;
        }
        int to = ctx.fleet.hostIndex(m.to());
        PlacementRequest req = new PlacementRequest(i, h, kind == MoveKind.LIVE_MIGRATE, m.bootstrap());
        if (to == h || ctx.destinations.veto(draft.trial, req, to) != null) {
            to = ctx.destinations.place(draft.trial, req, -1);
            if (to < 0 && escalate) {
                to = ctx.destinations.place(draft.trial, new PlacementRequest(i, h, kind == MoveKind.LIVE_MIGRATE, true), -1);
            }
            if (to < 0 && escalate && kind == MoveKind.LIVE_MIGRATE) {
                if (!notices.noticed(i)) {
                    // every instance that needs notice gets it now, not one by one
                    draft.refusal = Refusal.of(Refusal.Kind.NOTICE, "instance " + m.instance() + " waits for the notice of its fallback");
                    return;
                }
                kind = MoveKind.RELOCATE;
                to = ctx.destinations.place(draft.trial, new PlacementRequest(i, h, false, true), -1);
            }
            if (to < 0 && escalate) {
                if (!notices.noticed(i)) {
                    draft.refusal = Refusal.of(Refusal.Kind.NOTICE, "instance " + m.instance() + " waits for the notice of its fallback");
                    return;
                }
                draft.stay.add(i);
                draft.nowhere.add(i);
                draft.replaced++;
                return;
            }
            if (to < 0) {
                draft.refusal = Refusal.of(Refusal.Kind.NO_ROOM, "no host in zone " + ctx.fleet.host(h).zone()
                        + " can take instance " + m.instance() + " now");
                return;
            }
            if (draft.refusal != null) {
                return;
            }
            draft.replaced++;
        }
        if (draft.refusal != null) {
            return;
        }
        draft.trial.reserve(i, to);
        draft.moves.add(new Planned(ctx.nextMoveId++, i, to, kind));
    }

    /** Notice and group budgets, for what will actually be disrupted; null when both allow the start. */
    private Refusal noticeAndBudgets(StepRun r, Draft draft, Map<Integer, Integer> disrupted) {
        List<Integer> disruptive = new ArrayList<>(draft.stay);
        for (Planned p : draft.moves) {
            if (p.kind().disruptive()) {
                disruptive.add(p.instance());
            }
        }
        long wakeAt = Long.MAX_VALUE;
        for (int i : disruptive) {
            MaintenanceEvent e = ctx.state.events().get(i);
            if (e == null) {
                notices.fallback(i);
                e = ctx.state.events().get(i);
            }
            if (e.notBefore() > ctx.now) {
                wakeAt = Math.min(wakeAt, e.notBefore());
            }
            if (ctx.fleet.groupOf(i) >= 0) {
                disrupted.merge(ctx.fleet.groupOf(i), 1, Integer::sum);
            }
        }
        if (wakeAt != Long.MAX_VALUE) {
            ctx.wake(wakeAt, WakeupReason.notice(ctx.host(r.host())));
            return Refusal.of(Refusal.Kind.NOTICE, "a tenant's notice runs until " + wakeAt + " ms");
        }
        return ctx.state.budgets().check(disrupted);
    }

    /** The step starts: its facts, in order (each applied as it is recorded), and the cordon. */
    private void commit(StepRun r, Draft draft, Map<Integer, Integer> disrupted) {
        int h = r.host();
        String host = ctx.host(h);
        List<String> stay = new ArrayList<>();
        draft.stay.forEach(i -> stay.add(ctx.instance(i)));
        List<Fact.GroupShare> budget = new ArrayList<>();
        disrupted.forEach((g, n) -> budget.add(new Fact.GroupShare(ctx.fleet.groups().get(g).id(), n)));
        ctx.fact(new Fact.StepStarted(host, r.step().canary(), draft.moves.size(), stay, budget, draft.replaced + draft.gone));
        ctx.pumpLater(r);
        ctx.emit(new Effect.Cordon(ctx.key("cordon"), h));
        ctx.fact(new Fact.Cordoned(host));
        ctx.fact(new Fact.MaintenanceBegan(host, ctx.fleet.host(h).zone()));
        ctx.fact(new Fact.PhaseChanged(host, HostPhase.DRAINING));
        for (int i : draft.nowhere) {
            ctx.fact(new Fact.RebootsInPlace(ctx.instance(i), host, ctx.fleet.host(h).zone(), -1));
        }
        for (Planned p : draft.moves) {
            ctx.fact(new Fact.MoveCreated(p.id(), ctx.instance(p.instance()), host, p.kind(), host, false, 0, false,
                    p.kind().disruptive()));
            ctx.fact(new Fact.Reserved(ctx.instance(p.instance()), ctx.host(p.to()), ctx.reservation(p.to()), p.id()));
        }
    }
}
