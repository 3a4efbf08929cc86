package dev.ferry.core.campaign;

import dev.ferry.core.planner.MoveKind;

/** One instance move as the runtime carries it out (see {@link MoveState}). Mutable; owned by the runtime's thread. */
final class MoveRun {
    final long id;
    final int instance;
    final int from;
    int to;
    MoveKind kind;
    MoveState state = MoveState.RESERVED;
    int attempts;
    boolean postCopy;
    boolean tenant;
    boolean holdsBudget;
    StepRun run;

    MoveRun(long id, int instance, int from, int to, MoveKind kind) {
        this.id = id;
        this.instance = instance;
        this.from = from;
        this.to = to;
        this.kind = kind;
    }
}
