package dev.ferry.server.engine;

import dev.ferry.core.campaign.Ports;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.verify.InvariantChecker;
import dev.ferry.formats.HistoryV1;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The store port of the runner and the sink of the runtime's facts: checks every fact, compares
 * replayed facts with the stored ones, and buffers new facts, keys and event changes for the next
 * commit. A campaign stored before history/v2 has v1 lines: a replayed fact is compared with the v1
 * line it would have been, and facts v1 had no line for are not compared. Single-threaded.
 */
final class FactRecorder implements Ports.Store {
    /** One stored fact: typed (history/v2), or the v1 line stored before typed facts. */
    record Stored(HistoryRecord fact, HistoryV1.Line v1) {
    }

    private final List<Stored> storedFacts;
    private final InvariantChecker checker;
    /** The engine's list: a divergence is added there before the replay stops. */
    private final List<String> violations;
    private final Set<String> keys;
    private final List<HistoryRecord> newFacts = new ArrayList<>();
    private final List<String> newKeys = new ArrayList<>();
    private final List<EngineStore.EventChange> newEvents = new ArrayList<>();
    /** Stored facts replayed so far. */
    private int replayed;
    /** Facts stored or to be stored: the next one's sequence number. */
    private long seq;
    /** The last fact appended was one of the stored ones: what follows it in the same effect was stored too. */
    private boolean lastReplayed;

    FactRecorder(List<Stored> storedFacts, Set<String> storedKeys, InvariantChecker checker, List<String> violations) {
        this.storedFacts = storedFacts;
        this.keys = new HashSet<>(storedKeys);
        this.checker = checker;
        this.violations = violations;
        this.seq = storedFacts.size();
    }

    boolean replaying() {
        return replayed < storedFacts.size();
    }

    @Override
    public void append(HistoryRecord r) {
        lastReplayed = replaying();
        if (lastReplayed) {
            compare(r);
        } else {
            newFacts.add(r);
        }
        checker.accept(r);
    }

    private void compare(HistoryRecord r) {
        Stored stored = storedFacts.get(replayed);
        if (stored.v1() == null) {
            if (!stored.fact().equals(r)) {
                diverged(stored.fact().toString(), r.toString());
            }
            replayed++;
            return;
        }
        HistoryV1.Line line = HistoryV1.line(r);
        if (line == null) {
            return; // history/v1 had no line for this fact: nothing to compare, nothing to store
        }
        if (!stored.v1().equals(line)) {
            diverged(stored.v1().toJson(), line.toJson());
        }
        replayed++;
    }

    private void diverged(String stored, String replayed) {
        violations.add("replay diverged at fact " + this.replayed + ": stored " + stored + ", replayed " + replayed);
        throw new IllegalStateException(violations.get(violations.size() - 1));
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
        seq += newFacts.size();
        newFacts.clear();
        newKeys.clear();
        newEvents.clear();
    }

    /** The sequence number of the first pending fact. */
    long firstNewSeq() {
        return seq;
    }
}
