package dev.ferry.core.campaign;

import dev.ferry.core.campaign.state.StepRun;
import dev.ferry.core.history.EventCause;
import dev.ferry.core.history.Fact;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.planner.Move;

/**
 * The advisory changes while the campaign runs (docs/server.md, "Advisories during a campaign"): a
 * host it affects now joins as a new step, last in order, its tenants told with the usual notice;
 * a host that needs no patching any more (fixed outside the campaign, or left alone by the amended
 * advisory) leaves before its step starts, and its instances' pending events are cancelled. A host
 * already in maintenance, patched, failed, skipped or down is not changed. Single-threaded.
 */
final class HostChanges {
    private final Ctx ctx;
    private final Notices notices;

    HostChanges(Ctx ctx, Notices notices) {
        this.ctx = ctx;
        this.notices = notices;
    }

    void joined(int h, String fixedVersion) {
        var live = ctx.state.live();
        StepRun before = ctx.state.steps().ofHost(h);
        boolean queued = before != null && ctx.state.steps().queue().queued(before.index());
        if (h < 0 || fixedVersion == null || live.affected(h) || queued || live.down(h) || live.phase(h) != HostPhase.WAITING) {
            return;
        }
        ctx.fact(new Fact.StepAdded(ctx.host(h), fixedVersion));
        notices.announce(ctx.state.steps().ofHost(h));
        ctx.fact(new Fact.StepsQueued(ctx.id)); // its readiness follows its tenants' notice, as the plan's steps' do
        ctx.startsPossible = true;
    }

    void left(int h, String version) {
        StepRun r = h < 0 ? null : ctx.state.steps().ofHost(h);
        if (r == null || !ctx.state.steps().queue().queued(r.index()) || !ctx.state.live().affected(h)) {
            return; // started already (it is patched as planned), or not the campaign's
        }
        ctx.fact(new Fact.HostDropped(ctx.host(h), version));
        for (Move m : r.step().moves()) {
            int i = ctx.fleet.instanceIndex(m.instance());
            if (ctx.state.events().owner(i) == r) {
                notices.cancel(i, EventCause.HOST_FIXED);
            } else if (m.kind() == dev.ferry.core.planner.MoveKind.LIVE_MIGRATE) {
                notices.cancelLive(i, r.step().host(), EventCause.HOST_FIXED);
            }
        }
        ctx.startsPossible = true;
    }
}
