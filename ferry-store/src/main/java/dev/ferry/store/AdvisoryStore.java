package dev.ferry.store;

import java.util.List;
import java.util.Optional;

/** Registered advisories, as their latest documents, amended or withdrawn. Thread-safe. */
public interface AdvisoryStore {
    /** {@code amendedAt}, {@code withdrawnAt}: when, or null. */
    record Advisory(String id, String title, String document, int affectedHosts, long createdAt, Long amendedAt, Long withdrawnAt) {
        public Advisory(String id, String title, String document, int affectedHosts, long createdAt) {
            this(id, title, document, affectedHosts, createdAt, null, null);
        }
    }

    /** What an amendment or a withdrawal did: done, or why not; how many proposals it superseded. */
    record Change(Outcome outcome, String runningCampaign, int superseded) {
    }

    enum Outcome {
        DONE, NOT_FOUND, WITHDRAWN, CAMPAIGN_RUNNING
    }

    /** Registers it with its audit line; false (nothing written) when an advisory with its id exists. */
    boolean register(Advisory advisory, Audit audit);

    /**
     * Replaces a registered advisory's document (same id), with its audit line, and supersedes the
     * proposals made on the old one. A running campaign keeps the document it was proposed with.
     * Not for a withdrawn advisory.
     */
    Change amend(String id, String title, String document, int affectedHosts, long at, Audit audit);

    /** Withdraws it (kept, marked) and supersedes its proposals; refused while a campaign on it runs. */
    Change withdraw(String id, long at, Audit audit);

    Optional<Advisory> get(String id);

    /** Every id, in order. */
    List<String> ids();
}
