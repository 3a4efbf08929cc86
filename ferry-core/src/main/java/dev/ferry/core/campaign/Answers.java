package dev.ferry.core.campaign;

import dev.ferry.core.campaign.state.MoveRun;
import dev.ferry.core.campaign.state.StepRun;
import dev.ferry.core.history.EventCause;
import dev.ferry.core.history.Fact;
import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.lifecycle.MoveState;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.OnCanaryFailure;
import dev.ferry.core.model.OnTimeout;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.core.scheduler.Placement;
import dev.ferry.core.scheduler.PlacementRequest;
import java.util.ArrayList;
import java.util.Map;

/**
 * What the runtime does with the hypervisors' answers and its own wake-ups: a completed move
 * switches the instance over; a failed one is retried elsewhere (three attempts), then goes to
 * post-copy or falls back to a relocation as the policy says; a host moves on through patching,
 * rebooting and verifying, or fails (after {@code haltAfterFailures} failures the campaign halts);
 * instances that rebooted with a host that never came back are restarted elsewhere.
 * Single-threaded.
 */
final class Answers {
    static final int MAX_MOVE_ATTEMPTS = 3;

    private final Ctx ctx;
    private final Notices notices;
    private final Draining draining;
    private final HostLoss loss;

    Answers(Ctx ctx, Notices notices, Draining draining) {
        this.ctx = ctx;
        this.notices = notices;
        this.draining = draining;
        this.loss = new HostLoss(ctx, notices, this);
    }

    /** Hosts that go down. */
    HostLoss loss() {
        return loss;
    }

    void moveCompleted(Input.MoveCompleted c) {
        MoveRun m = ctx.state.moves().get(c.moveId());
        if (m == null || m.state() != MoveState.IN_PROGRESS) {
            ctx.fact(new Fact.AnswerIgnored(c.moveId()));
            return;
        }
        int i = m.instance();
        StepRun r = m.run();
        long epoch = ctx.state.live().epoch(i) + 1;
        ctx.fact(new Fact.SwitchedOver(m.id(), ctx.instance(i), ctx.host(m.to()), epoch, c.downtimeMs()));
        if (m.kind() != MoveKind.LIVE_MIGRATE) {
            ctx.fact(new Fact.DisruptionEnded(ctx.instance(i), Fact.DisruptionEnd.MOVED, ctx.host(m.to()), epoch));
            notices.complete(i, EventCause.MOVED, c.downtimeMs());
        } else if (!ctx.state.live().vulnerable(m.to())) {
            notices.liveCompleted(i, c.downtimeMs()); // on a still-vulnerable host (a bootstrap) it moves again: its event goes on
        }
        if (r != null) {
            ctx.pumpLater(r);
        }
        loss.stranded(i, m.to()); // it landed on a host that went down meanwhile
    }

    void moveFailed(Input.MoveFailed f) {
        MoveRun m = ctx.state.moves().get(f.moveId());
        if (m == null || m.state() != MoveState.IN_PROGRESS) {
            ctx.fact(new Fact.AnswerIgnored(f.moveId()));
            return;
        }
        int i = m.instance();
        String id = ctx.instance(i);
        ctx.fact(new Fact.Released(id, ctx.host(m.to()), m.id()));
        long epoch = Math.max(ctx.state.live().epoch(i), f.runsAtEpoch());
        ctx.fact(new Fact.RolledBack(m.id(), id, f.reason(), f.notConverging(), epoch));
        if (m.kind().disruptive()) {
            ctx.fact(new Fact.DisruptionEnded(id, Fact.DisruptionEnd.ROLLED_BACK, ctx.host(m.from()), epoch));
        }
        if (m.run() != null) {
            ctx.pumpLater(m.run());
        }
        if (!loss.stranded(i, m.from())) {
            retry(m, f.notConverging());
        }
        healthGate();
    }

    /** Too many of Ferry's recent moves failed: the campaign halts (policy {@code haltOnFailedMoves}). */
    private void healthGate() {
        var gate = ctx.policy.haltOnFailedMoves();
        var moves = ctx.state.moves();
        CampaignState now = ctx.state.state();
        if (gate != null && (now == CampaignState.RUNNING || now == CampaignState.PAUSED)
                && gate.crossed(moves.failedInWindow(), moves.endedInWindow())) {
            ctx.fact(new Fact.CampaignChanged(ctx.id, now, CampaignState.HALTED, moves.failedInWindow() + " of the last "
                    + moves.endedInWindow() + " moves failed within " + gate.window().toMinutes() + " min (haltOnFailedMoves: "
                    + gate.percent() + "% of at least " + gate.minMoves() + ")"));
        }
    }

    /** Another destination, then post-copy or a relocation as the policy says; kept on its source when nothing can take it now. */
    private void retry(MoveRun m, boolean notConverging) {
        int i = m.instance();
        long id = ctx.nextMoveId++;
        int attempts = m.attempts() + 1;
        MoveKind kind = m.kind();
        boolean postCopy = false;
        if (kind == MoveKind.LIVE_MIGRATE && (notConverging || attempts >= MAX_MOVE_ATTEMPTS)) {
            if (notConverging && ctx.policy.liveMigrationFor(ctx.fleet.instance(i)).onTimeout() == OnTimeout.POSTCOPY) {
                postCopy = true;
            } else {
                kind = MoveKind.RELOCATE;
                notices.fallback(i);
            }
        }
        boolean live = kind == MoveKind.LIVE_MIGRATE;
        int to = ctx.destinations.place(new PlacementRequest(i, m.from(), live, false), m.to());
        if (to < 0) {
            to = ctx.destinations.place(new PlacementRequest(i, m.from(), live, false), -1);
        }
        if (to < 0) {
            to = ctx.destinations.place(new PlacementRequest(i, m.from(), live, true), -1);
        }
        if (to < 0 && kind == MoveKind.LIVE_MIGRATE) {
            kind = MoveKind.RELOCATE;
            notices.fallback(i);
            to = ctx.destinations.place(new PlacementRequest(i, m.from(), false, true), -1);
        }
        StepRun r = m.run();
        ctx.fact(new Fact.MoveCreated(id, ctx.instance(i), ctx.host(m.from()), kind, r == null ? null : r.step().host(), m.tenant(),
                attempts, postCopy, m.holdsBudget()));
        if (to >= 0) {
            ctx.fact(new Fact.Reserved(ctx.instance(i), ctx.host(to), ctx.reservation(to), id));
        }
    }

    void hostPatched(int h) {
        if (ctx.state.live().phase(h) != HostPhase.PATCHING || ctx.state.live().down(h)) {
            return;
        }
        ctx.fact(new Fact.PhaseChanged(ctx.host(h), HostPhase.REBOOTING));
        ctx.emit(new Effect.RebootHost(ctx.key("reboot"), h));
        var d = ctx.policy.durations();
        long timeout = 3 * (d.reboot().toMillis() + d.patch().toMillis()) + 600_000;
        ctx.wake(ctx.now + timeout, WakeupReason.rebootTimeout(ctx.host(h)));
    }

    void hostRebooted(int h) {
        if (ctx.state.live().phase(h) != HostPhase.REBOOTING) {
            return;
        }
        ctx.fact(new Fact.PhaseChanged(ctx.host(h), HostPhase.VERIFYING));
        ctx.emit(new Effect.VerifyHost(ctx.key("verify"), h));
    }

    /** The instances that rebooted with the host run again; the host returns patched, or fails when it is not. */
    void hostVerified(int h, String version) {
        if (ctx.state.live().phase(h) != HostPhase.VERIFYING || ctx.state.live().down(h)) {
            return;
        }
        StepRun r = ctx.state.steps().ofHost(h);
        for (int i : new ArrayList<>(r.rebootInPlace())) {
            // the driver restarted them during verification
            ctx.fact(new Fact.DisruptionEnded(ctx.instance(i), Fact.DisruptionEnd.REBOOTED_IN_PLACE, ctx.host(h),
                    ctx.state.live().epoch(i) + 1));
            notices.complete(i, EventCause.REBOOTED, 0);
        }
        ctx.fact(new Fact.BudgetReleased(ctx.host(h)));
        Host patched = ctx.fleet.host(h).withHypervisor(version);
        if (r.fixedVersion() != null ? !r.fixedVersion().equals(version) : ctx.problem.advisory().affects(patched)) {
            fail(r, Fact.HostFailure.CAME_BACK_UNPATCHED, version);
            return;
        }
        ctx.fact(new Fact.PhaseChanged(ctx.host(h), HostPhase.RETURNED));
        draining.leaveMaintenance(r);
    }

    void wakeup(Input.Wakeup w) {
        switch (w.reason().kind()) {
            case REBOOT_TIMEOUT -> rebootTimedOut(ctx.fleet.hostIndex(w.reason().subject()));
            case SOAK -> {
                if (ctx.now >= ctx.state.steps().soakEndMs()) {
                    ctx.fact(new Fact.SoakEnded(ctx.id));
                }
            }
            case READY, NOTICE, PARKED, NOT_AFTER -> {
                // time passed: the round after this input looks again
            }
        }
    }

    /**
     * The host did not come back: instances that rebooted with it stay disrupted until they run
     * elsewhere (their group budget moves from the step to the rescue), and the host fails.
     */
    private void rebootTimedOut(int h) {
        if (h < 0 || ctx.state.live().phase(h) != HostPhase.REBOOTING) {
            return;
        }
        StepRun r = ctx.state.steps().ofHost(h);
        for (int i : new ArrayList<>(r.rebootInPlace())) {
            ctx.fact(new Fact.RescueNeeded(ctx.instance(i), ctx.host(h)));
        }
        ctx.fact(new Fact.BudgetReleased(ctx.host(h)));
        fail(r, Fact.HostFailure.DID_NOT_COME_BACK, null);
    }

    void instanceStarted(Input.InstanceStarted s) {
        int i = s.instance();
        var live = ctx.state.live();
        if (live.starting(i) && live.epoch(i) == s.epoch() && live.currentHost(i) == s.host()) {
            ctx.fact(new Fact.DisruptionEnded(ctx.instance(i), Fact.DisruptionEnd.STARTED, ctx.host(s.host()), s.epoch()));
            return; // a tenant's start
        }
        var rescues = ctx.state.rescues();
        if (!rescues.pending().containsKey(i) || rescues.target(i) != s.host() || s.epoch() != rescues.epoch(i, live.epoch(i))) {
            return; // not the start of its current rescue (a late one from a target that went down meanwhile)
        }
        ctx.fact(new Fact.DisruptionEnded(ctx.instance(i), Fact.DisruptionEnd.RESCUED, ctx.host(s.host()), s.epoch()));
        notices.complete(i, EventCause.RESCUED, 0);
    }

    /** A tenant's stop is done: the room it kept until now is given back. */
    void instanceStopped(Input.InstanceStopped s) {
        int i = s.instance();
        if (ctx.state.live().stopping(i) && ctx.state.live().currentHost(i) == s.host()) {
            ctx.fact(new Fact.DisruptionEnded(ctx.instance(i), Fact.DisruptionEnd.STOPPED, ctx.host(s.host()), ctx.state.live().epoch(i)));
        }
    }

    /** Instances that rebooted in place on a host that never came back are started elsewhere. */
    void rescue() {
        for (Map.Entry<Integer, Long> e : new ArrayList<>(ctx.state.rescues().pending().entrySet())) {
            int i = e.getKey();
            if (e.getValue() < 0) {
                continue; // already started, waiting for the answer
            }
            int from = ctx.state.live().currentHost(i);
            int to = ctx.destinations.place(new PlacementRequest(i, from, false, false), -1);
            if (to < 0) {
                to = ctx.destinations.place(new PlacementRequest(i, from, false, true), -1);
            }
            Fact.Reservation reservation = to < 0 ? null : ctx.reservation(to);
            if (to < 0) {
                // Last resort: a host that failed but is up (it came back unpatched). Running on a
                // cordoned, vulnerable host beats not running at all; the reservation says so.
                Placement p = ctx.destinations.rescueOnto(new PlacementRequest(i, from, false, true),
                        ctx.state.rescues().upButFailed().stream().mapToInt(Integer::intValue)
                                .filter(h -> !ctx.state.live().down(h)).iterator());
                if (p.found()) {
                    to = p.host();
                    reservation = Fact.Reservation.RESCUE;
                }
            }
            if (to < 0) {
                continue;
            }
            ctx.fact(new Fact.Reserved(ctx.instance(i), ctx.host(to), reservation, -1));
            ctx.emit(new Effect.StartInstance(ctx.key("rescue"), i, to, ctx.state.rescues().epoch(i, ctx.state.live().epoch(i))));
        }
    }

    /**
     * The host failed: it stays cordoned; a failed canary halts the campaign (unless the policy's
     * {@code onCanaryFailure} is {@code continue}), and so do {@code haltAfterFailures} failures.
     */
    void fail(StepRun r, Fact.HostFailure why, String version) {
        int h = r.host();
        ctx.fact(new Fact.HostFailed(ctx.host(h), why, version));
        draining.leaveMaintenance(r);
        int failed = ctx.state.stats().hostsFailed();
        String text = switch (why) {
            case CAME_BACK_UNPATCHED -> "came back unpatched (" + version + ")";
            case DID_NOT_COME_BACK -> "did not come back after reboot";
            case WENT_DOWN -> "went down";
        };
        CampaignState now = ctx.state.state();
        boolean live = now == CampaignState.RUNNING || now == CampaignState.PAUSED; // a paused campaign halts too
        if (r.canary() && ctx.policy.onCanaryFailure() == OnCanaryFailure.HALT && live) {
            ctx.fact(new Fact.CampaignChanged(ctx.id, now, CampaignState.HALTED, "canary " + ctx.host(h) + " " + text
                    + " (onCanaryFailure: halt)"));
        } else if (failed >= ctx.policy.haltAfterFailures() && live) {
            ctx.fact(new Fact.CampaignChanged(ctx.id, now, CampaignState.HALTED, failed
                    + " hosts failed (haltAfterFailures " + ctx.policy.haltAfterFailures() + "); last: " + ctx.host(h) + " " + text));
        }
    }
}
