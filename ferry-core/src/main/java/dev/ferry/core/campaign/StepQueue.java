package dev.ferry.core.campaign;

import java.util.BitSet;
import java.util.NavigableSet;
import java.util.PriorityQueue;
import java.util.TreeSet;

/**
 * The steps of a plan that have not started, by position in the plan: those whose tenants' notice
 * has run out, per zone, and the others by the time they become ready (stale entries are skipped
 * when they surface). A round of the runtime looks only at steps that could start, whatever the
 * size of the queue. Not thread-safe.
 */
final class StepQueue {
    private final int[] zoneOfStep;
    private final long[] readyAt;
    private final BitSet queued = new BitSet();
    private final TreeSet<Integer>[] ready;
    private final PriorityQueue<long[]> notReady =
            new PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    private int first;

    @SuppressWarnings("unchecked")
    StepQueue(int zones, int[] zoneOfStep) {
        this.zoneOfStep = zoneOfStep;
        this.readyAt = new long[zoneOfStep.length];
        this.ready = new TreeSet[zones];
        for (int z = 0; z < zones; z++) {
            ready[z] = new TreeSet<>();
        }
        queued.set(0, zoneOfStep.length);
    }

    /** The step becomes ready at {@code at} (later than before: it leaves the ready set until then). */
    void readyAt(int step, long at) {
        if (!queued.get(step)) {
            return;
        }
        readyAt[step] = at;
        ready[zoneOfStep[step]].remove(step);
        notReady.add(new long[] {at, step});
    }

    long readyAt(int step) {
        return readyAt[step];
    }

    /** Moves the steps that are ready by {@code now} into their zone's ready set; true if any moved. */
    boolean promote(long now) {
        boolean any = false;
        while (!notReady.isEmpty() && notReady.peek()[0] <= now) {
            long[] e = notReady.poll();
            int step = (int) e[1];
            if (queued.get(step) && readyAt[step] == e[0]) {
                ready[zoneOfStep[step]].add(step);
                any = true;
            }
        }
        return any;
    }

    /** Ready steps of the zone, in plan order; removing through the iterator dequeues nothing (use {@link #remove}). */
    NavigableSet<Integer> ready(int zone) {
        return ready[zone];
    }

    int zones() {
        return ready.length;
    }

    /** The step started or was skipped. */
    void remove(int step) {
        queued.clear(step);
        ready[zoneOfStep[step]].remove(step);
    }

    boolean queued(int step) {
        return queued.get(step);
    }

    /** The first queued step in plan order, or -1. */
    int first() {
        first = queued.nextSetBit(first);
        return first;
    }

    /** The next queued step after {@code step}, or -1. */
    int next(int step) {
        return queued.nextSetBit(step + 1);
    }

    boolean isEmpty() {
        return queued.isEmpty();
    }

    int size() {
        return queued.cardinality();
    }

    /** When the next not-yet-ready step becomes ready, or {@code Long.MAX_VALUE}. */
    long nextReadyAt() {
        return notReady.isEmpty() ? Long.MAX_VALUE : notReady.peek()[0];
    }
}
