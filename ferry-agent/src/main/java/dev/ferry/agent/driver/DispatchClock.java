package dev.ferry.agent.driver;

import dev.ferry.core.campaign.Effect;

/**
 * The dispatch latency of each effect: from its dispatch (right after the round that asked for it
 * was stored) until its first request leaves for an agent, told to the driver's observer. Kept on
 * the effect's own thread until that request.
 */
final class DispatchClock {
    private record Begun(Effect effect, long dispatchedNanos, AgentDriver.Observer observer) {
    }

    private static final ThreadLocal<Begun> BEGUN = new ThreadLocal<>();

    private DispatchClock() {
    }

    /** On the effect's thread, before its work: it was dispatched at {@code dispatchedNanos} (System.nanoTime). */
    static void begin(Effect effect, long dispatchedNanos, AgentDriver.Observer observer) {
        BEGUN.set(new Begun(effect, dispatchedNanos, observer));
    }

    /** A request is about to leave on this thread: the first of its effect is timed. */
    static void leaving() {
        Begun b = BEGUN.get();
        if (b != null) {
            BEGUN.remove();
            b.observer().dispatched(b.effect(), System.nanoTime() - b.dispatchedNanos());
        }
    }
}
