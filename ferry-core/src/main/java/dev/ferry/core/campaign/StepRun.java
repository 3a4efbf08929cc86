package dev.ferry.core.campaign;

import dev.ferry.core.planner.Step;
import java.util.ArrayList;
import java.util.List;

/** One planned step (one host) as the runtime carries it out. Mutable; owned by the runtime's thread. */
final class StepRun {
    final int host;
    final Step step;
    final List<MoveRun> waiting = new ArrayList<>();
    final List<Integer> rebootInPlace = new ArrayList<>();
    boolean canary;
    /** The latest notBefore of the events of its instances: the step cannot start earlier. */
    long readyAt;
    int remaining;
    int liveInFlight;
    /** Moves of this step that a driver is carrying out now. */
    int inFlight;
    /** The group budget its disruptions hold. */
    final GroupBudgets.Hold hold = new GroupBudgets.Hold();

    /** Position in the plan's order. */
    int index;
    /** Already in {@code toPump} for this input. */
    boolean pumpQueued;

    StepRun(int host, Step step) {
        this.host = host;
        this.step = step;
    }
}
