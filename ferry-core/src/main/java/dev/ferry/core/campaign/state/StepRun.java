package dev.ferry.core.campaign.state;

import dev.ferry.core.admission.GroupBudgets;
import dev.ferry.core.planner.Step;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** One planned step (one host) as the runtime carries it out. Changed by {@link RuntimeState#apply} only; not thread-safe. */
public final class StepRun {
    final int host;
    final Step step;
    /** Position in the plan's order. */
    final int index;
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
    /** For a step added while the campaign runs: the version to patch to (null: the advisory's). */
    String fixedVersion;

    StepRun(int host, Step step, int index) {
        this.host = host;
        this.step = step;
        this.index = index;
    }

    public int host() {
        return host;
    }

    public Step step() {
        return step;
    }

    public int index() {
        return index;
    }

    /** Moves not started yet, in the order they will be tried. */
    public List<MoveRun> waiting() {
        return Collections.unmodifiableList(waiting);
    }

    /** Instances that stay and reboot with the host. */
    public List<Integer> rebootInPlace() {
        return Collections.unmodifiableList(rebootInPlace);
    }

    public boolean canary() {
        return canary;
    }

    /** The version this step patches to, when it was added by an amended advisory (null: the campaign's advisory decides). */
    public String fixedVersion() {
        return fixedVersion;
    }

    public long readyAt() {
        return readyAt;
    }

    /** Moves not completed yet (waiting or in flight). */
    public int remaining() {
        return remaining;
    }

    public int liveInFlight() {
        return liveInFlight;
    }

    public int inFlight() {
        return inFlight;
    }

    public GroupBudgets.Hold hold() {
        return hold;
    }

    String describe() {
        List<Long> waitingIds = new ArrayList<>();
        for (MoveRun m : waiting) {
            waitingIds.add(m.id);
        }
        return step.host() + "{waiting " + waitingIds + " rip " + rebootInPlace + " canary " + canary + " readyAt " + readyAt
                + " remaining " + remaining + " live " + liveInFlight + " inFlight " + inFlight + " hold " + hold.describe() + "}";
    }

    /** A move of this step switched over or rolled back: it is in flight no more. */
    void moveEnded(dev.ferry.core.planner.MoveKind kind) {
        inFlight--;
        if (kind == dev.ferry.core.planner.MoveKind.LIVE_MIGRATE) {
            liveInFlight--;
        }
    }
}
