package dev.ferry.core.campaign.state;

import dev.ferry.core.lifecycle.EventState;
import dev.ferry.core.planner.MoveKind;

/** A tenant's maintenance event (see {@link EventState}). Changed by {@link RuntimeState#apply} only. */
public final class MaintenanceEvent {
    final String id;
    final int instance;
    final MoveKind kind;
    EventState state = EventState.SCHEDULED;
    long notBefore;
    final long deadline;
    long notAfter;
    final Long fallbackAfter;

    MaintenanceEvent(String id, int instance, MoveKind kind, long notBefore, long deadline, long notAfter, Long fallbackAfter) {
        this.id = id;
        this.instance = instance;
        this.kind = kind;
        this.notBefore = notBefore;
        this.deadline = deadline;
        this.notAfter = notAfter;
        this.fallbackAfter = fallbackAfter;
    }

    public String id() {
        return id;
    }

    public int instance() {
        return instance;
    }

    public MoveKind kind() {
        return kind;
    }

    public EventState state() {
        return state;
    }

    /** Scheduled or rescheduled: it has not started. */
    public boolean pending() {
        return state == EventState.SCHEDULED || state == EventState.RESCHEDULED;
    }

    public long notBefore() {
        return notBefore;
    }

    /** The latest its tenant may reschedule it to. */
    public long deadline() {
        return deadline;
    }

    /** The latest it starts (Ferry moves it later only with a new notice saying why). */
    public long notAfter() {
        return notAfter;
    }

    /** An informational event's announced fallback: if the live migration fails, the instance restarts after this; or null. */
    public Long fallbackAfter() {
        return fallbackAfter;
    }

    /** An informational event: a live migration, which does not interrupt the instance. */
    public boolean informational() {
        return kind == MoveKind.LIVE_MIGRATE;
    }

    String describe() {
        return id + " " + kind + " " + state + " " + notBefore + ".." + deadline + ".." + notAfter
                + (fallbackAfter == null ? "" : " fallback " + fallbackAfter);
    }
}
