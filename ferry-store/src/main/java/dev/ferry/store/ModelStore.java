package dev.ferry.store;

import java.util.Optional;
import java.util.function.UnaryOperator;

/** The versions of the learned duration and tenant model (JSON documents), newest last. Thread-safe. */
public interface ModelStore {
    /** One version: {@code campaign} is the campaign whose measurements it was the first to hold (null: imported). */
    record Version(int version, long learnedAt, String campaign, String document) {
    }

    Optional<Version> latest();

    /**
     * Stores the next version, {@code next} applied to the latest document (null when there is none),
     * with its audit line, in one transaction; returns it ({@code campaign} null: an imported model). Two
     * controllers learning at once take turns.
     */
    Version learn(String campaign, long at, UnaryOperator<String> next, Audit audit);
}
