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

    /** The time of the next event; {@link Long#MAX_VALUE} when there is none. */
    public long nextTime() {
        Event e = queue.peek();
        return e == null ? Long.MAX_VALUE : e.time;
    }

    /**
     * Moves time forward to {@code timeMs} without running anything (an input from outside arrives
     * then). Refused when an event before that time is still queued: it would run in the past.
     */
    public void advanceTo(long timeMs) {
        if (timeMs < now || nextTime() < timeMs) {
            throw new IllegalStateException("cannot advance from " + now + " to " + timeMs + " past an event at " + nextTime());
        }
        now = timeMs;
    }

    public long now() {
        return now;
    }

    public long processed() {
        return processed;
    }

}
