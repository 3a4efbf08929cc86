package dev.ferry.sim;

import java.util.PriorityQueue;

/**
 * The discrete-event kernel: one thread, virtual time in milliseconds, events ordered by time and
 * then by the order they were scheduled (so equal times never depend on hashing or threads).
 * Not thread-safe.
 */
public final class SimKernel {
    private record Event(long time, long seq, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            int c = Long.compare(time, o.time);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private long now;
    private long seq;
    private long processed;

    /** Runs {@code action} at {@code timeMs} (not before now). */
    public void at(long timeMs, Runnable action) {
        queue.add(new Event(Math.max(timeMs, now), seq++, action));
    }

    /** Runs the next event; false when there is none. */
    public boolean step() {
        Event e = queue.poll();
        if (e == null) {
            return false;
        }
        now = e.time;
        processed++;
        e.action.run();
        return true;
    }

    public long now() {
        return now;
    }

    public long processed() {
        return processed;
    }

}
