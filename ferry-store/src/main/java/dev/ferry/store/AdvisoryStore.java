package dev.ferry.store;

import java.util.List;
import java.util.Optional;

/** Registered advisories, as the documents they were registered with. Thread-safe. */
public interface AdvisoryStore {
    record Advisory(String id, String title, String document, int affectedHosts, long createdAt) {
    }

    /** Registers it with its audit line; false (nothing written) when an advisory with its id exists. */
    boolean register(Advisory advisory, Audit audit);

    Optional<Advisory> get(String id);

    /** Every id, in order. */
    List<String> ids();
}
