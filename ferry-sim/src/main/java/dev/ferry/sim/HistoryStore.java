package dev.ferry.sim;

import dev.ferry.core.campaign.Ports;
import dev.ferry.core.history.EffectKeys;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.verify.InvariantChecker;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The simulator's store: every fact goes through the invariant checker as it is appended (so the
 * rules are checked after every event), is optionally kept, and is optionally streamed out (a
 * history file). Effect keys are remembered to refuse a second application. Not thread-safe.
 */
final class HistoryStore implements Ports.Store {
    private final InvariantChecker checker;
    private final List<HistoryRecord> kept;
    private final Consumer<HistoryRecord> lines;
    private final EffectKeys applied = new EffectKeys();
    private long records;

    HistoryStore(InvariantChecker checker, boolean keep, Consumer<HistoryRecord> lines) {
        this.checker = checker;
        this.kept = keep ? new ArrayList<>() : null;
        this.lines = lines;
    }

    @Override
    public void append(HistoryRecord record) {
        records++;
        if (checker != null) {
            checker.accept(record);
        }
        if (kept != null) {
            kept.add(record);
        }
        if (lines != null) {
            lines.accept(record);
        }
    }

    @Override
    public boolean markApplied(String key) {
        return applied.add(key);
    }

    List<HistoryRecord> kept() {
        return kept == null ? List.of() : kept;
    }

    long records() {
        return records;
    }
}
