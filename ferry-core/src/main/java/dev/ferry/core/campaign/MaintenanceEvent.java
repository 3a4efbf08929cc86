package dev.ferry.core.campaign;

import dev.ferry.core.planner.MoveKind;

/** A tenant's maintenance event (see {@link EventState}). Mutable; owned by the runtime's thread. */
final class MaintenanceEvent {
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
}
