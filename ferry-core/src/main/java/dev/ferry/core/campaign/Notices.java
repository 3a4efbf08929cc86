package dev.ferry.core.campaign;

import dev.ferry.core.campaign.state.MaintenanceEvent;
import dev.ferry.core.campaign.state.StepRun;
import dev.ferry.core.history.EventCause;
import dev.ferry.core.history.Fact;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.core.planner.Move;
import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.core.planner.MoveKind;
import java.util.List;
import java.util.function.Function;

/**
 * The tenants' side of the runtime's decisions: which events are announced and when (at approval,
 * and for a fallback relocation), when a disruption's notice has run out, and telling the tenant
 * of each change of its event (a fact, and a {@link Effect.Notify} whose key the fact names). Every
 * move is an event: a live migration's is informational (the instance keeps running), and may
 * announce its fallback. Single-threaded.
 */
final class Notices {
    private final Ctx ctx;

    Notices(Ctx ctx) {
        this.ctx = ctx;
    }

    /** At approval: every planned disruption gets its event, every live migration its informational one. */
    void announce() {
        for (StepRun r : ctx.state.steps().runs()) {
            announce(r);
        }
    }

    /** The step's tenants are told: an event per move, informational for a live migration. */
    void announce(StepRun r) {
        for (Move m : r.step().moves()) {
            int i = ctx.fleet.instanceIndex(m.instance());
            if (m.kind() == MoveKind.LIVE_MIGRATE) {
                if (ctx.state.events().live(i) == null) {
                    EventTimes.Window w = ctx.times.live(i, r.step(), ctx.now);
                    String id = ctx.times.liveEventId(i, r.step().host());
                    tell(m.instance(), key -> new Fact.EventChanged(m.instance(), id, EventState.SCHEDULED, MoveKind.LIVE_MIGRATE,
                            w.notBeforeMs(), w.deadlineMs(), w.notAfterMs(), EventCause.PLANNED, ctx.times.expectedBlackoutMs(i),
                            r.step().host(), ctx.times.fallbackAfter(ctx.now), key));
                }
                continue;
            }
            if (ctx.state.events().get(i) != null) {
                continue; // a bootstrapped instance: one event covers it
            }
            EventTimes.Window w = ctx.times.planned(i, r.step(), ctx.now);
            tell(m.instance(), key -> new Fact.EventChanged(m.instance(), ctx.times.eventId(i), EventState.SCHEDULED, m.kind(),
                    w.notBeforeMs(), w.deadlineMs(), w.notAfterMs(), EventCause.PLANNED, 0, r.step().host(), null, key));
        }
    }

    /**
     * A relocation replaces a live migration that failed: its informational event is cancelled, and
     * the relocation gets its event (unless the instance has one), from the fallback time the
     * informational event announced, or after a notice period of its own.
     */
    void fallback(int instance) {
        MaintenanceEvent live = ctx.state.events().live(instance);
        if (live != null && live.pending()) {
            tell(live, EventState.CANCELLED, live.kind(), live.notBefore(), EventCause.LIVE_MIGRATION_FAILED, 0);
        }
        if (ctx.state.events().get(instance) != null) {
            return;
        }
        EventTimes.Window w = ctx.times.fallback(live == null ? null : live.fallbackAfter(), ctx.now);
        String id = ctx.instance(instance);
        tell(id, key -> new Fact.EventChanged(id, ctx.times.eventId(instance), EventState.SCHEDULED, MoveKind.RELOCATE,
                w.notBeforeMs(), w.deadlineMs(), w.notAfterMs(), EventCause.FALLBACK, 0, null, null, key));
    }

    /** The live migration switched over: its informational event completes, with the blackout measured. */
    void liveCompleted(int instance, long downtimeMs) {
        MaintenanceEvent live = ctx.state.events().live(instance);
        if (live != null && live.pending()) {
            tell(live, EventState.COMPLETED, live.kind(), live.notBefore(), EventCause.MOVED, downtimeMs);
        }
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
            tell(e, EventState.STARTED, kind, e.notBefore(),
                    byTenant ? EventCause.STARTED_BY_TENANT : EventCause.STARTED_BY_FERRY, 0);
        }
    }

    /** The disruption is over: its started event completes. */
    void complete(int instance, EventCause cause, long downtimeMs) {
        MaintenanceEvent e = ctx.state.events().get(instance);
        if (e != null && e.state() == EventState.STARTED) {
            tell(e, EventState.COMPLETED, e.kind(), e.notBefore(), cause, downtimeMs);
        }
    }

    /**
     * Events whose latest start has come without them: each is given a later one (as long again as
     * its step takes twice, at least an hour; a day while the campaign is paused or halted) and its
     * tenant is told why. Called at the end of every round, after whatever could start has started.
     */
    void delayOverdue() {
        List<MaintenanceEvent> late = ctx.state.events().overdue(ctx.now);
        if (late.isEmpty()) {
            return;
        }
        EventCause why = delayCause();
        for (MaintenanceEvent e : late) {
            StepRun owner = ctx.state.events().owner(e.instance());
            // a paused or halted campaign tells its tenants once a day at most, not once per step window
            long window = why == EventCause.DELAYED_PAUSED ? EventTimes.PAUSED_DELAY_MS : owner == null ? EventTimes.MIN_START_WINDOW_MS
                    : EventTimes.startWindow((owner.step().end() - owner.step().start()) * 1000);
            long notAfter = ctx.now + window;
            String instance = ctx.instance(e.instance());
            tell(instance, key -> new Fact.EventChanged(instance, e.id(), EventState.RESCHEDULED, e.kind(), e.notBefore(), e.deadline(),
                    notAfter, why, 0, null, null, key));
        }
    }

    /** Why events wait past their latest start now: the campaign is not running, the canaries are not done, or capacity. */
    private EventCause delayCause() {
        if (ctx.state.state() != CampaignState.RUNNING) {
            return EventCause.DELAYED_PAUSED;
        }
        var steps = ctx.state.steps();
        return steps.canariesLeft() > 0 || ctx.now < steps.soakEndMs() ? EventCause.DELAYED_BY_CANARIES : EventCause.DELAYED_BY_CAPACITY;
    }

    /** The tenant moves its event later (checked before). */
    void reschedule(MaintenanceEvent e, long notBefore) {
        tell(e, EventState.RESCHEDULED, e.kind(), Math.max(e.notBefore(), notBefore), EventCause.RESCHEDULED, 0);
    }

    /** The tenant stopped or terminated the instance: its pending events will not happen. */
    void cancelByTenant(int instance, boolean terminated) {
        cancel(instance, terminated ? EventCause.TERMINATED_BY_TENANT : EventCause.STOPPED_BY_TENANT);
    }

    /** The instance's pending informational event announced for the step of {@code host} will not happen, for {@code cause}. */
    void cancelLive(int instance, String host, EventCause cause) {
        MaintenanceEvent live = ctx.state.events().live(instance);
        if (live != null && live.pending() && live.id().equals(ctx.times.liveEventId(instance, host))) {
            tell(live, EventState.CANCELLED, live.kind(), live.notBefore(), cause, 0);
        }
    }

    /** The instance's pending events will not happen, for {@code cause} (its instance's host went down: {@code HOST_LOST}). */
    void cancel(int instance, EventCause cause) {
        for (MaintenanceEvent e : new MaintenanceEvent[] {ctx.state.events().live(instance), ctx.state.events().get(instance)}) {
            if (e != null && e.pending()) {
                tell(e, EventState.CANCELLED, e.kind(), e.notBefore(), cause, 0);
            }
        }
    }

    /** The campaign has ended with nothing in flight: an event that has not started never will; its tenant is told. */
    void cancelNotStarted() {
        EventCause cause = EventCause.cancelledBy(ctx.state.state());
        for (MaintenanceEvent e : ctx.state.events().notStarted()) {
            tell(e, EventState.CANCELLED, e.kind(), e.notBefore(), cause, 0);
        }
    }

    /** Tells the tenant of a change of its event {@code e}; the rest of the event stays as it was. */
    private void tell(MaintenanceEvent e, EventState state, MoveKind kind, long notBefore, EventCause cause, long downtimeMs) {
        String instance = ctx.instance(e.instance());
        tell(instance, key -> new Fact.EventChanged(instance, e.id(), state, kind, notBefore, e.deadline(), e.notAfter(), cause,
                downtimeMs, null, e.fallbackAfter(), key));
    }

    /** Tells the tenant (the effect) and records the change (the fact changes the event and names the effect). */
    private void tell(String instance, Function<String, Fact.EventChanged> make) {
        int i = ctx.fleet.instanceIndex(instance);
        String key = ctx.key("notify");
        Fact.EventChanged change = make.apply(key);
        ctx.emit(new Effect.Notify(key, ctx.fleet.instance(i).tenant(), change));
        ctx.fact(change);
        if ((change.state() == EventState.SCHEDULED || change.state() == EventState.RESCHEDULED) && change.kind() != MoveKind.LIVE_MIGRATE
                && change.notAfterMs() > ctx.now) {
            ctx.wake(change.notAfterMs(), WakeupReason.notAfter());
        }
    }
}
