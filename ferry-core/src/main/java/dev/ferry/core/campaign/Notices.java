package dev.ferry.core.campaign;

import dev.ferry.core.campaign.state.MaintenanceEvent;
import dev.ferry.core.campaign.state.StepRun;
import dev.ferry.core.history.EventCause;
import dev.ferry.core.history.Fact;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.core.planner.Move;
import dev.ferry.core.planner.MoveKind;

/**
 * The tenants' side of the runtime's decisions: which events are announced and when (at approval,
 * and for a fallback relocation), when a disruption's notice has run out, and telling the tenant
 * of each change of its event (a fact, and a {@link Effect.Notify}). Single-threaded.
 */
final class Notices {
    private final Ctx ctx;

    Notices(Ctx ctx) {
        this.ctx = ctx;
    }

    /** At approval: every planned disruption gets its event, every live migration its informational notice. */
    void announce() {
        for (StepRun r : ctx.state.steps().runs()) {
            announce(r);
        }
    }

    /** The step's tenants are told: an event per disruptive move, the informational notice per live migration. */
    void announce(StepRun r) {
        for (Move m : r.step().moves()) {
            int i = ctx.fleet.instanceIndex(m.instance());
            if (m.kind() == MoveKind.LIVE_MIGRATE) {
                if (!ctx.state.events().informed(i)) {
                    ctx.fact(new Fact.Informed(m.instance(), r.step().start() * 1000));
                }
                continue;
            }
            if (ctx.state.events().get(i) != null) {
                continue; // a bootstrapped instance: one event covers it
            }
            EventTimes.Window w = ctx.times.planned(i, r.step(), ctx.now);
            tell(new Fact.EventChanged(m.instance(), ctx.times.eventId(i), EventState.SCHEDULED, m.kind(), w.notBeforeMs(),
                    w.deadlineMs(), EventCause.PLANNED, 0, r.step().host()));
        }
    }

    /** A relocation replaces a live migration that failed: its event, unless the instance has one. */
    void fallback(int instance) {
        if (ctx.state.events().get(instance) != null) {
            return;
        }
        EventTimes.Window w = ctx.times.fallback(ctx.state.events().informed(instance),
                ctx.state.events().noticeEndMs(instance, ctx.policy.notice().toMillis()), ctx.now);
        tell(new Fact.EventChanged(ctx.instance(instance), ctx.times.eventId(instance), EventState.SCHEDULED, MoveKind.RELOCATE,
                w.notBeforeMs(), w.deadlineMs(), EventCause.FALLBACK, 0, null));
    }

    /** The instance has an event whose notice has run out (one with a fresh notice is made when it has none). */
    boolean noticed(int instance) {
        MaintenanceEvent e = ctx.state.events().get(instance);
        if (e == null) {
            fallback(instance);
            e = ctx.state.events().get(instance);
        }
        if (e.notBefore() > ctx.now) {
            ctx.wake(e.notBefore(), WakeupReason.notice(ctx.instance(instance)));
            return false;
        }
        return true;
    }

    /** The disruption of {@code kind} begins: its pending event starts. */
    void start(int instance, MoveKind kind, boolean byTenant) {
        MaintenanceEvent e = ctx.state.events().get(instance);
        if (e != null && e.pending()) {
            tell(change(e, EventState.STARTED, kind, e.notBefore(),
                    byTenant ? EventCause.STARTED_BY_TENANT : EventCause.STARTED_BY_FERRY, 0));
        }
    }

    /** The disruption is over: its started event completes. */
    void complete(int instance, EventCause cause, long downtimeMs) {
        MaintenanceEvent e = ctx.state.events().get(instance);
        if (e != null && e.state() == EventState.STARTED) {
            tell(change(e, EventState.COMPLETED, e.kind(), e.notBefore(), cause, downtimeMs));
        }
    }

    /** The tenant moves its event later (checked before). */
    void reschedule(MaintenanceEvent e, long notBefore) {
        tell(change(e, EventState.RESCHEDULED, e.kind(), Math.max(e.notBefore(), notBefore), EventCause.RESCHEDULED, 0));
    }

    /** The tenant stopped or terminated the instance: its pending event will not happen. */
    void cancelByTenant(int instance, boolean terminated) {
        cancel(instance, terminated ? EventCause.TERMINATED_BY_TENANT : EventCause.STOPPED_BY_TENANT);
    }

    /** A pending event will not happen, for {@code cause} (its instance's host went down: {@code HOST_LOST}). */
    void cancel(int instance, EventCause cause) {
        MaintenanceEvent e = ctx.state.events().get(instance);
        if (e != null && e.pending()) {
            tell(change(e, EventState.CANCELLED, e.kind(), e.notBefore(), cause, 0));
        }
    }

    /** The campaign has ended with nothing in flight: an event that has not started never will; its tenant is told. */
    void cancelNotStarted() {
        EventCause cause = EventCause.cancelledBy(ctx.state.state());
        for (MaintenanceEvent e : ctx.state.events().notStarted()) {
            tell(change(e, EventState.CANCELLED, e.kind(), e.notBefore(), cause, 0));
        }
    }

    private Fact.EventChanged change(MaintenanceEvent e, EventState state, MoveKind kind, long notBefore, EventCause cause,
                                     long downtimeMs) {
        return new Fact.EventChanged(ctx.instance(e.instance()), e.id(), state, kind, notBefore, e.deadline(), cause, downtimeMs,
                null);
    }

    /** Tells the tenant (the effect) and records the change (the fact changes the event). */
    private void tell(Fact.EventChanged change) {
        int i = ctx.fleet.instanceIndex(change.instance());
        ctx.emit(new Effect.Notify(ctx.key("notify"), ctx.fleet.instance(i).tenant(), change));
        ctx.fact(change);
    }
}
