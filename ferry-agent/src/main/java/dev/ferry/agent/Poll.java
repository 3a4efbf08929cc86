package dev.ferry.agent;

import java.util.concurrent.Callable;

/**
 * Waiting on something outside this process that has no way to tell us (a QEMU socket appearing, a
 * migration ending, an agent coming back from a reboot): ask every {@code everyMs} until it answers
 * or {@code timeoutMs} passes.
 */
public final class Poll {
    private Poll() {
    }

    /**
     * The first non-null answer of {@code probe}, or null once {@code timeoutMs} has passed. An
     * {@link java.io.IOException} from the probe counts as "not yet" (the other side may be down for
     * a moment); other exceptions end the wait.
     */
    public static <T> T until(long timeoutMs, long everyMs, Callable<T> probe) throws Exception {
        return until(timeoutMs, everyMs, everyMs, probe);
    }

    /**
     * As {@link #until(long, long, Callable)}, asking first after {@code firstMs}, then twice as long
     * each time up to {@code maxMs} (a host away for minutes is not asked ten times a second).
     */
    public static <T> T until(long timeoutMs, long firstMs, long maxMs, Callable<T> probe) throws Exception {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        long everyMs = firstMs;
        while (true) {
            try {
                T t = probe.call();
                if (t != null) {
                    return t;
                }
            } catch (java.io.IOException e) {
                // not reachable yet
            }
            if (System.nanoTime() >= deadline) {
                return null;
            }
            Thread.sleep(everyMs); // the other side has no blocking wait to offer
            everyMs = Math.min(maxMs, everyMs * 2);
        }
    }
}
