package dev.ferry.core.campaign.state;

import dev.ferry.core.lifecycle.MoveState;
import dev.ferry.core.planner.MoveKind;

/** One instance move as the runtime carries it out (see {@link MoveState}). Changed by {@link RuntimeState#apply} only. */
public final class MoveRun {
    final long id;
    final int instance;
    final int from;
    /** The reserved destination, or −1 while none is. */
    int to = -1;
    MoveKind kind;
    MoveState state = MoveState.RESERVED;
    int attempts;
    boolean postCopy;
    boolean tenant;
    boolean holdsBudget;
    /** The step it belongs to; null for a tenant's own move. */
    StepRun run;

    MoveRun(long id, int instance, int from, MoveKind kind) {
        this.id = id;
        this.instance = instance;
        this.from = from;
        this.kind = kind;
    }

    public long id() {
        return id;
    }

    public int instance() {
        return instance;
    }

    public int from() {
        return from;
    }

    public int to() {
        return to;
    }

    public MoveKind kind() {
        return kind;
    }

    public MoveState state() {
        return state;
    }

    public int attempts() {
        return attempts;
    }

    public boolean postCopy() {
        return postCopy;
    }

    /** The tenant asked for it (it needs no notice). */
    public boolean tenant() {
        return tenant;
    }

    public boolean holdsBudget() {
        return holdsBudget;
    }

    public StepRun run() {
        return run;
    }

    String describe() {
        return id + ":" + instance + " " + from + "->" + to + " " + kind + " " + state + " a" + attempts + (postCopy ? " pc" : "")
                + (tenant ? " tenant" : "") + (holdsBudget ? " budget" : "") + " step " + (run == null ? "-" : run.step.host());
    }
}
