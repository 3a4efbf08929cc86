package dev.ferry.core.campaign;

import dev.ferry.core.campaign.state.MoveRun;
import dev.ferry.core.campaign.state.StepRun;
import dev.ferry.core.history.EventCause;
import dev.ferry.core.history.Fact;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.lifecycle.MoveState;

/**
 * Hosts that go down while the campaign runs (docs/server.md, "Hosts that go down"). A down host
 * takes nothing any more and is fenced first ({@link Effect.FenceHost}); only once it is fenced are
 * its instances started elsewhere (never two copies), a tenant's stop there counts as done, and its
 * step, if it was not done, fails with {@code went-down}. A move from it that is in flight is left
 * to its answer: a failure then rescues the instance instead of trying again. A host that is
 * rebooting is silent anyway: its reboot time-out decides. Single-threaded.
 */
final class HostLoss {
    private final Ctx ctx;
    private final Notices notices;
    private final Answers answers;

    HostLoss(Ctx ctx, Notices notices, Answers answers) {
        this.ctx = ctx;
        this.notices = notices;
        this.answers = answers;
    }

    void down(int h) {
        var live = ctx.state.live();
        if (h < 0 || live.down(h) || live.phase(h) == HostPhase.REBOOTING) {
            return;
        }
        ctx.fact(new Fact.HostDown(ctx.host(h)));
        ctx.emit(new Effect.FenceHost(ctx.key("fence"), h));
    }

    void fenced(int h, Fact.Fence how) {
        var live = ctx.state.live();
        if (h < 0 || !live.down(h) || live.fenced(h)) {
            return;
        }
        ctx.fact(new Fact.HostFenced(ctx.host(h), how));
        int n = ctx.fleet.instances().size();
        for (int i = 0; i < n; i++) {
            if (ctx.state.rescues().target(i) == h) {
                // a rescue was being started there: it starts somewhere else
                ctx.fact(new Fact.Released(ctx.instance(i), ctx.host(h), -1));
                ctx.fact(new Fact.RescueNeeded(ctx.instance(i), ctx.host(live.currentHost(i))));
            } else if (live.currentHost(i) == h) {
                strand(i, h);
            }
        }
        StepRun r = ctx.state.steps().ofHost(h);
        HostPhase p = live.phase(h);
        boolean campaigns = r != null && (p != HostPhase.WAITING || ctx.state.steps().queue().queued(r.index())); // not one that left
        if (campaigns && p != HostPhase.RETURNED && p != HostPhase.FAILED && p != HostPhase.SKIPPED) {
            ctx.fact(new Fact.BudgetReleased(ctx.host(h)));
            answers.fail(r, Fact.HostFailure.WENT_DOWN, null);
            if (ctx.state.steps().soakEndMs() > ctx.now) {
                ctx.wake(ctx.state.steps().soakEndMs(), WakeupReason.soak()); // it was the last canary
            }
        }
        ctx.startsPossible = true;
    }

    /**
     * A move from {@code m}'s source failed or one onto its destination completed, and that host is
     * down: true when the instance is to be rescued (the host is fenced: it is rescued now; not yet:
     * the fence will), so the move is not tried again.
     */
    boolean stranded(int i, int h) {
        var live = ctx.state.live();
        if (!live.down(h)) {
            return false;
        }
        if (live.fenced(h)) {
            strand(i, h);
        }
        return true;
    }

    /** The instance was on the fenced host: a tenant's stop there is done; anything else running starts elsewhere. */
    private void strand(int i, int h) {
        var live = ctx.state.live();
        if (live.stopped(i)) {
            if (live.stopping(i)) {
                ctx.fact(new Fact.DisruptionEnded(ctx.instance(i), Fact.DisruptionEnd.STOPPED, ctx.host(h), live.epoch(i)));
            }
            return;
        }
        MoveRun m = ctx.state.moves().ofInstance(i);
        if (m != null && m.state() == MoveState.IN_PROGRESS || ctx.state.rescues().pending().containsKey(i)) {
            return; // its answer decides; or it is being rescued already
        }
        if (m != null && m.state() == MoveState.RESERVED && m.to() >= 0) {
            ctx.fact(new Fact.Released(ctx.instance(i), ctx.host(m.to()), m.id()));
        }
        notices.cancel(i, EventCause.HOST_LOST);
        ctx.fact(new Fact.RescueNeeded(ctx.instance(i), ctx.host(h)));
    }
}
