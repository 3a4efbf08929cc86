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

    MaintenanceEvent(String id, int instance, MoveKind kind, long notBefore, long deadline) {
        this.id = id;
        this.instance = instance;
        this.kind = kind;
        this.notBefore = notBefore;
        this.deadline = deadline;
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

    public long deadline() {
        return deadline;
    }

    String describe() {
        return id + " " + kind + " " + state + " " + notBefore + ".." + deadline;
    }
}
