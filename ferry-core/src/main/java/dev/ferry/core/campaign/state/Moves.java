package dev.ferry.core.campaign.state;

import dev.ferry.core.admission.GroupBudgets;
import dev.ferry.core.planner.MoveKind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The moves in flight or waiting: by id and by instance, how many are on their way to each host,
 * and which instances arrived on a still-vulnerable host (a bootstrap) and how. Changed by
 * {@link RuntimeState#apply} only; not thread-safe.
 */
public final class Moves {
    final Map<Long, MoveRun> byId = new HashMap<>();
    final Map<Integer, MoveRun> byInstance = new HashMap<>();
    /** Moves and rescues on their way to each host: a host with arrivals pending must not start its step. */
    final int[] incoming;
    /** Instances that switched over onto a still-vulnerable host (bootstrap), by host, and how they came. */
    final Map<Integer, List<Integer>> arrivals = new HashMap<>();
    final Map<Integer, MoveKind> arrivalKind = new HashMap<>();
    /** How Ferry's moves ended within the health gate's window: {time, 1 failed / 0 switched over}, oldest first. */
    private final ArrayDeque<long[]> outcomes = new ArrayDeque<>();
    private final long outcomeWindowMs;
    private int failedInWindow;

    Moves(int hosts, long outcomeWindowMs) {
        this.incoming = new int[hosts];
        this.outcomeWindowMs = outcomeWindowMs;
    }

    /** Ferry's move {@code m} ended at {@code t} ({@code failed}, or switched over); a tenant's own moves do not count. */
    void ended(MoveRun m, boolean failed, long t) {
        if (outcomeWindowMs <= 0 || m == null || m.tenant) {
            return;
        }
        outcomes.addLast(new long[] {t, failed ? 1 : 0});
        failedInWindow += failed ? 1 : 0;
        while (outcomes.peekFirst()[0] <= t - outcomeWindowMs) {
            failedInWindow -= (int) outcomes.pollFirst()[1];
        }
    }

    /** Ferry's moves that ended within the window before the last one that ended: how many, and how many failed. */
    public int endedInWindow() {
        return outcomes.size();
    }

    public int failedInWindow() {
        return failedInWindow;
    }

    public MoveRun get(long id) {
        return byId.get(id);
    }

    /** The instance's move (waiting or in flight), or null. */
    public MoveRun ofInstance(int instance) {
        return byInstance.get(instance);
    }

    public Collection<MoveRun> all() {
        return Collections.unmodifiableCollection(byId.values());
    }

    public boolean isEmpty() {
        return byId.isEmpty();
    }

    public int incoming(int host) {
        return incoming[host];
    }

    /** Instances that arrived on {@code host} by a bootstrap move. */
    public List<Integer> arrivals(int host) {
        return Collections.unmodifiableList(arrivals.getOrDefault(host, List.of()));
    }

    /** How an instance arrived on a still-vulnerable host (relocate when not recorded). */
    public MoveKind arrivalKind(int instance) {
        return arrivalKind.getOrDefault(instance, MoveKind.RELOCATE);
    }

    /**
     * The instance's move that has not started is dropped (its tenant stopped it); its step has one
     * move less, and the budget the move held is given back. Returns the move, or null.
     */
    /** The instance came onto a still-vulnerable host (a bootstrap, a rescue): that host's step moves it again, by {@code kind}. */
    void arrived(int instance, int host, MoveKind kind) {
        arrivals.computeIfAbsent(host, k -> new ArrayList<>()).add(instance);
        arrivalKind.put(instance, kind);
    }

    /**
     * The instance lost its host: a move of it that had not started is dropped, and one that failed
     * from that host (not tried again) is forgotten. Returns the step whose group budget unit the
     * dropped move held (it goes to the rescue: the member stays disrupted), or null.
     */
    StepRun lost(int instance, int group, GroupBudgets budgets) {
        MoveRun m = byInstance.get(instance);
        if (m != null && m.state == dev.ferry.core.lifecycle.MoveState.RESERVED) {
            boolean held = m.holdsBudget && group >= 0;
            m.holdsBudget = false; // not given back to the group: moved to the rescue
            drop(instance, group, budgets); // its room was released by its own fact
            return held ? m.run : null;
        } else if (m != null && m.state == dev.ferry.core.lifecycle.MoveState.ROLLED_BACK) {
            byInstance.remove(instance);
        }
        return null;
    }

    MoveRun drop(int instance, int group, GroupBudgets budgets) {
        MoveRun m = byInstance.remove(instance);
        if (m == null) {
            return null;
        }
        byId.remove(m.id);
        StepRun run = m.run;
        if (run != null) {
            run.waiting.remove(m);
            run.remaining--;
            if (m.holdsBudget && group >= 0) {
                budgets.releaseOne(run.hold, group);
            }
        }
        return m;
    }

    String describe() {
        List<String> moves = new ArrayList<>();
        new TreeMap<>(byId).values().forEach(m -> moves.add(m.describe()));
        Map<Integer, Long> byInst = new TreeMap<>();
        byInstance.forEach((i, m) -> byInst.put(i, m.id));
        return "moves " + moves + " byInstance " + byInst + " incoming " + java.util.Arrays.toString(incoming) + " arrivals "
                + new TreeMap<>(arrivals) + " kinds " + new TreeMap<>(arrivalKind);
    }
}
