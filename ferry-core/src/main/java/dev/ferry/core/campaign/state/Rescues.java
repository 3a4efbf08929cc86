package dev.ferry.core.campaign.state;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Instances that lost their host (it never came back from its reboot, or it went down), to be started elsewhere:
 * which are pending (and since when, or started and waiting for the answer), where each was
 * started, the group budget each still holds, and the failed hosts that are up (the last resort).
 * Changed by {@link RuntimeState#apply} only; not thread-safe.
 */
public final class Rescues {
    /** Instance → when it was found stranded, or −1 once it was started somewhere (waiting for the answer). */
    final Map<Integer, Long> pending = new HashMap<>();
    final Map<Integer, Integer> target = new HashMap<>();
    final Map<Integer, Integer> heldGroup = new HashMap<>();
    /** Starts tried for each pending rescue (a target that went down before it answered is tried no more). */
    final Map<Integer, Integer> attempts = new HashMap<>();
    /** Hosts that failed by coming back unpatched: up, cordoned, still vulnerable. */
    final TreeSet<Integer> upButFailed = new TreeSet<>();

    /** Pending rescues: instance → since when, or −1 when started and waiting for the answer (iteration order is stable). */
    public Map<Integer, Long> pending() {
        return Collections.unmodifiableMap(pending);
    }

    public boolean isEmpty() {
        return pending.isEmpty();
    }

    /** The host a started rescue of the instance goes to, or −1. */
    public int target(int instance) {
        return target.getOrDefault(instance, -1);
    }

    /**
     * The placement epoch of the instance's current rescue start: one past its epoch for each start
     * tried, so a start after a target was fenced (by superseded epochs) is newer than the one that
     * target was sent.
     */
    public long epoch(int instance, long runningEpoch) {
        return runningEpoch + Math.max(1, attempts.getOrDefault(instance, 0));
    }

    /** Some rescue was started and waits for its answer. */
    public boolean anyStarted() {
        return pending.containsValue(-1L);
    }

    public NavigableSet<Integer> upButFailed() {
        return Collections.unmodifiableNavigableSet(upButFailed);
    }

    /** The instance is to be started elsewhere; a group member keeps its budget, moved from the lost host's step (if any) to the rescue. */
    void need(int instance, int group, StepRun lostStep, dev.ferry.core.admission.GroupBudgets budgets, long since) {
        if (group >= 0 && lostStep != null && budgets.detach(lostStep.hold, group)) {
            heldGroup.put(instance, group);
        }
        pending.put(instance, since);
    }

    String describe() {
        return "pending " + new TreeMap<>(pending) + " target " + new TreeMap<>(target) + " attempts " + new TreeMap<>(attempts)
                + " held " + new TreeMap<>(heldGroup)
                + " up " + upButFailed;
    }
}
