package dev.ferry.core.campaign.state;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Instances that rebooted in place with a host that never came back, to be started elsewhere:
 * which are pending (and since when, or started and waiting for the answer), where each was
 * started, the group budget each still holds, and the failed hosts that are up (the last resort).
 * Changed by {@link RuntimeState#apply} only; not thread-safe.
 */
public final class Rescues {
    /** Instance → when it was found stranded, or −1 once it was started somewhere (waiting for the answer). */
    final Map<Integer, Long> pending = new HashMap<>();
    final Map<Integer, Integer> target = new HashMap<>();
    final Map<Integer, Integer> heldGroup = new HashMap<>();
    /** Hosts that failed by coming back unpatched: up, cordoned, still vulnerable. */
    final TreeSet<Integer> upButFailed = new TreeSet<>();

    /** Pending rescues: instance → since when, or −1 when started and waiting for the answer (iteration order is stable). */
    public Map<Integer, Long> pending() {
        return Collections.unmodifiableMap(pending);
    }

    public boolean isEmpty() {
        return pending.isEmpty();
    }

    /** Some rescue was started and waits for its answer. */
    public boolean anyStarted() {
        return pending.containsValue(-1L);
    }

    public NavigableSet<Integer> upButFailed() {
        return Collections.unmodifiableNavigableSet(upButFailed);
    }

    String describe() {
        return "pending " + new TreeMap<>(pending) + " target " + new TreeMap<>(target) + " held " + new TreeMap<>(heldGroup)
                + " up " + upButFailed;
    }
}
