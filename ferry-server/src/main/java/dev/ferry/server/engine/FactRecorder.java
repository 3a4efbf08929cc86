package dev.ferry.server.engine;

import dev.ferry.core.campaign.HistoryRecord;
import dev.ferry.core.campaign.Ports;
import dev.ferry.core.verify.InvariantChecker;
import java.util.ArrayList;
import java.util.List;

/**
 * The store port of the runner and the runtime's fact sink: checks every fact, compares replayed
 * facts with the stored ones, and buffers new facts, keys and event changes for the next commit.
 */
final class FactRecorder implements Ports.Store {
    private final List<String> storedFacts;
    private final InvariantChecker checker;
    /** The engine's list: a divergence is added there before the replay stops. */
    private final List<String> violations;
    private final java.util.Set<String> keys;
    private final List<HistoryRecord> newFacts = new ArrayList<>();
    private final List<String> newKeys = new ArrayList<>();
    private final List<EngineStore.EventChange> newEvents = new ArrayList<>();
    private final List<HistoryRecord> recent = new ArrayList<>();
    private long seq;
    private int appended;
    /** The last fact appended was one of the stored ones: what follows it in the same effect was stored too. */
    private boolean lastReplayed;

    FactRecorder(List<String> storedFacts, java.util.Set<String> storedKeys, InvariantChecker checker, List<String> violations) {
        this.storedFacts = storedFacts;
        this.keys = new java.util.HashSet<>(storedKeys);
        this.checker = checker;
        this.violations = violations;
    }

    boolean replaying() {
        return seq < storedFacts.size();
    }

    @Override
    public void append(HistoryRecord r) {
        lastReplayed = replaying();
        if (lastReplayed) {
            String stored = storedFacts.get((int) seq);
            if (!stored.equals(r.toJson())) {
                violations.add("replay diverged at fact " + seq + ": stored " + stored + ", replayed " + r.toJson());
                throw new IllegalStateException(violations.get(violations.size() - 1));
            }
        } else {
            newFacts.add(r);
        }
        seq++;
        appended++;
        recent.add(r);
        if (recent.size() > 64) {
            recent.remove(0);
        }
        checker.accept(r);
    }

    @Override
    public boolean markApplied(String key) {
        if (keys.contains(key)) {
            // stored before the crash: rebuild the in-process world while replaying; never again afterwards
            return replaying();
        }
        keys.add(key);
        newKeys.add(key);
        return true;
    }

    void event(EngineStore.EventChange e) {
        if (!lastReplayed) {
            newEvents.add(e);
        }
    }

    int appended() {
        return appended;
    }

    /** The runtime's refusal among the facts appended since {@code before} (a tenant request it could not do). */
    String refusalSince(int before) {
        int n = appended - before;
        for (int k = Math.max(0, recent.size() - n); k < recent.size(); k++) {
            String o = recent.get(k).outcome();
            if (o.contains("refused")) {
                return o;
            }
        }
        return null;
    }

    boolean hasNew() {
        return !newFacts.isEmpty() || !newKeys.isEmpty() || !newEvents.isEmpty();
    }

    List<HistoryRecord> pendingFacts() {
        return List.copyOf(newFacts);
    }

    List<String> pendingKeys() {
        return List.copyOf(newKeys);
    }

    List<EngineStore.EventChange> pendingEvents() {
        return List.copyOf(newEvents);
    }

    /** The pending facts, keys and events are stored: forget them (kept until then, so a failed commit loses nothing). */
    void committed() {
        newFacts.clear();
        newKeys.clear();
        newEvents.clear();
    }

    long firstNewSeq() {
        return seq - newFacts.size();
    }
}
