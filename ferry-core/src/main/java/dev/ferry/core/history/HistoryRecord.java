package dev.ferry.core.history;

import java.util.Objects;

/**
 * One line of a campaign's history: when (milliseconds from approval), who, and the typed fact.
 * Histories are append-only; the invariant checker decides the safety rules over a sequence of
 * these, and the campaign runtime rebuilds its state from its own ({@link Actor#FERRY}).
 */
public record HistoryRecord(long timeMs, Actor actor, Fact fact) {
    public HistoryRecord {
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(fact, "fact");
    }
}
