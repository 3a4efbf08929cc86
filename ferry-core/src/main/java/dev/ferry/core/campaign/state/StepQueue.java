package dev.ferry.core.campaign.state;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.NavigableSet;
import java.util.PriorityQueue;
import java.util.TreeSet;

/**
 * The steps of a plan that have not started, by position in the plan: those whose tenants' notice
 * has run out, per zone, and the others by the time they become ready (stale entries are skipped
 * when they surface). A round of the runtime looks only at steps that could start, whatever the
 * size of the queue. Which steps are queued and when each is ready change by facts only
 * ({@link RuntimeState#apply}); {@link #promote} moves ready steps into their zone's set as time
 * passes. Not thread-safe.
 */
public final class StepQueue {
    private int[] zoneOfStep;
    private long[] readyAt;
    private final BitSet queued = new BitSet();
    private final List<TreeSet<Integer>> ready = new ArrayList<>();
    private final PriorityQueue<long[]> notReady =
            new PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    private int first;

    public StepQueue(int zones, int[] zoneOfStep) {
        this.zoneOfStep = zoneOfStep;
        this.readyAt = new long[zoneOfStep.length];
        for (int z = 0; z < zones; z++) {
            ready.add(new TreeSet<>());
        }
        queued.set(0, zoneOfStep.length);
    }

    /** The step becomes ready at {@code at} (later than before: it leaves the ready set until then). */
    void readyAt(int step, long at) {
        if (!queued.get(step)) {
            return;
        }
        readyAt[step] = at;
        ready.get(zoneOfStep[step]).remove(step);
        notReady.add(new long[] {at, step});
    }

    public long readyAt(int step) {
        return readyAt[step];
    }

    /** Moves the steps that are ready by {@code now} into their zone's ready set; true if any moved. */
    public boolean promote(long now) {
        boolean any = false;
        while (!notReady.isEmpty() && notReady.peek()[0] <= now) {
            long[] e = notReady.poll();
            int step = (int) e[1];
            if (queued.get(step) && readyAt[step] == e[0]) {
                ready.get(zoneOfStep[step]).add(step);
                any = true;
            }
        }
        return any;
    }

    /** Ready steps of the zone, in plan order (a view: the queue changes by facts only). */
    public NavigableSet<Integer> ready(int zone) {
        return Collections.unmodifiableNavigableSet(ready.get(zone));
    }

    public int zones() {
        return ready.size();
    }

    /** A step added while the campaign runs (a host the amended advisory affects now): queued, ready at once. */
    void add(int step, int zone) {
        if (step >= zoneOfStep.length) {
            zoneOfStep = java.util.Arrays.copyOf(zoneOfStep, Math.max(step + 1, 2 * zoneOfStep.length));
            readyAt = java.util.Arrays.copyOf(readyAt, zoneOfStep.length);
        }
        zoneOfStep[step] = zone;
        readyAt[step] = 0;
        queued.set(step);
        ready.get(zone).add(step);
        if (first < 0 || step < first) {
            first = step;
        }
    }

    /** The step started or was skipped. */
    void remove(int step) {
        queued.clear(step);
        ready.get(zoneOfStep[step]).remove(step);
    }

    public boolean queued(int step) {
        return queued.get(step);
    }

    /** The first queued step in plan order, or -1 (steps are never queued again, so the cursor only moves on). */
    public int first() {
        if (first >= 0) {
            first = queued.nextSetBit(first);
        }
        return first;
    }

    /** The next queued step after {@code step}, or -1. */
    public int next(int step) {
        return queued.nextSetBit(step + 1);
    }

    public boolean isEmpty() {
        return queued.isEmpty();
    }

    public int size() {
        return queued.cardinality();
    }

    /** When the next not-yet-ready step becomes ready, or {@code Long.MAX_VALUE}. */
    public long nextReadyAt() {
        return notReady.isEmpty() ? Long.MAX_VALUE : notReady.peek()[0];
    }

    /**
     * Which steps are queued and when each is ready, as text (tests compare two queues). The zones'
     * ready sets are left out: they follow from these and the clock ({@link #promote}, at the start
     * of every runtime call), not from facts.
     */
    String describe() {
        StringBuilder sb = new StringBuilder();
        for (int s = queued.nextSetBit(0); s >= 0; s = queued.nextSetBit(s + 1)) {
            sb.append(s).append('@').append(readyAt[s]).append(' ');
        }
        return sb.toString();
    }
}
