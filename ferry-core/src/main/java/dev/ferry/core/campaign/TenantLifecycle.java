package dev.ferry.core.campaign;

import dev.ferry.core.campaign.state.MoveRun;
import dev.ferry.core.campaign.state.StepRun;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.RefusalReason;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.lifecycle.MoveState;

/**
 * Tenants keep using their instances while the campaign runs (docs/server.md, "The tenant's view
 * of a campaign"). A stop (or a terminate) drops a move that has not started, cancels the pending
 * event and gives the room back once the hypervisor has stopped the guest; a start places the instance on a safe host (never cordoned, in
 * maintenance or vulnerable); a reboot stays where it is and leaves the event as it was. Only an
 * instance that is being moved or rescued, or that is down with its host, is refused. Each
 * decision is a fact and an effect for the hypervisor. Single-threaded.
 */
final class TenantLifecycle {
    private final Ctx ctx;
    private final Notices notices;

    TenantLifecycle(Ctx ctx, Notices notices) {
        this.ctx = ctx;
        this.notices = notices;
    }

    void stop(int i, boolean terminate) {
        var live = ctx.state.live();
        RefusalReason why = live.terminated(i) ? RefusalReason.TERMINATED
                : live.stopped(i) && !terminate ? RefusalReason.STOPPED : live.stopped(i) ? null : busy(i, true);
        Fact.TenantRequest request = terminate ? Fact.TenantRequest.TERMINATE : Fact.TenantRequest.STOP;
        if (why != null) {
            ctx.fact(new Fact.Refused(ctx.instance(i), request, why));
            return;
        }
        int h = live.currentHost(i);
        boolean running = !live.stopped(i);
        MoveRun m = ctx.state.moves().ofInstance(i);
        if (m != null && m.to() >= 0) {
            ctx.fact(new Fact.Released(ctx.instance(i), ctx.host(m.to()), m.id()));
        }
        StepRun run = m == null ? null : m.run();
        ctx.fact(new Fact.TenantStopped(ctx.instance(i), ctx.host(h), terminate));
        notices.cancelByTenant(i, terminate);
        if (running) {
            ctx.emit(new Effect.StopInstance(ctx.key("stop"), i, h, terminate));
        }
        if (run != null) {
            ctx.pumpLater(run); // one move less: the host may go on
        }
    }

    void start(int i) {
        var live = ctx.state.live();
        RefusalReason why = live.terminated(i) ? RefusalReason.TERMINATED
                : !live.stopped(i) ? RefusalReason.NOT_STOPPED : live.stopping(i) ? RefusalReason.STOPPING : null;
        int to = why != null ? -1 : ctx.destinations.start(i);
        if (why == null && to < 0) {
            why = RefusalReason.NO_ROOM;
        }
        if (why != null) {
            ctx.fact(new Fact.Refused(ctx.instance(i), Fact.TenantRequest.START, why));
            return;
        }
        long epoch = live.epoch(i) + 1;
        ctx.fact(new Fact.TenantStarted(ctx.instance(i), ctx.host(to), epoch));
        ctx.emit(new Effect.StartInstance(ctx.key("start"), i, to, epoch));
    }

    void reboot(int i) {
        var live = ctx.state.live();
        RefusalReason why = live.terminated(i) ? RefusalReason.TERMINATED
                : live.stopped(i) ? RefusalReason.STOPPED : busy(i, false);
        if (why != null) {
            ctx.fact(new Fact.Refused(ctx.instance(i), Fact.TenantRequest.REBOOT, why));
            return;
        }
        int h = live.currentHost(i);
        ctx.fact(new Fact.TenantRebooted(ctx.instance(i), ctx.host(h)));
        ctx.emit(new Effect.RebootInstance(ctx.key("reset"), i, h));
    }

    /**
     * Why a running instance cannot be stopped ({@code stop}) or rebooted now, or null: it is being
     * moved or rescued, or it stays on a host in maintenance to reboot with it (down while the host
     * is patched, rebooted and verified; until then it can be rebooted but not stopped).
     */
    private RefusalReason busy(int i, boolean stop) {
        int h = ctx.state.live().currentHost(i);
        if (ctx.state.live().down(h)) {
            return RefusalReason.HOST_DOWN;
        }
        MoveRun m = ctx.state.moves().ofInstance(i);
        if (m != null && m.state() != MoveState.RESERVED || ctx.state.rescues().pending().containsKey(i)) {
            return RefusalReason.MOVE_IN_FLIGHT;
        }
        if (ctx.state.live().starting(i)) {
            return RefusalReason.STARTING;
        }
        StepRun run = ctx.state.steps().ofHost(h);
        HostPhase phase = ctx.state.live().phase(h);
        if (run == null || !run.rebootInPlace().contains(i) || phase == HostPhase.WAITING || phase == HostPhase.RETURNED
                || phase == HostPhase.FAILED) {
            return null;
        }
        boolean down = phase == HostPhase.PATCHING || phase == HostPhase.REBOOTING || phase == HostPhase.VERIFYING;
        return down ? RefusalReason.HOST_IN_MAINTENANCE : stop ? RefusalReason.REBOOTS_WITH_HOST : null;
    }
}
