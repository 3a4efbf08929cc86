package dev.ferry.store;

import java.util.List;
import java.util.Map;

/** What each host's agent last reported. Thread-safe. */
public interface AgentStore {
    /** @param instances the instances as the agent sent them (a JSON array) */
    record Report(String host, String version, String instances, long reportedAt) {
    }

    /** A report with who sent it, for the audit of a change of version. */
    record Entry(Report report, String actor, String requestId) {
    }

    /** Stores the host's latest report; a change of version (or a first report) is audited, heartbeats are not. */
    default void report(Report report, String actor, String requestId) {
        reportAll(List.of(new Entry(report, actor, requestId)));
    }

    /**
     * Stores many reports in one transaction (a group commit of the heartbeats that arrived
     * together), in their order: each host's last one is kept; each change of version is audited.
     */
    void reportAll(List<Entry> entries);

    List<Report> all();

    /** Up to {@code limit} reports in host order, of the hosts after {@code afterHost} (null: from the first). */
    List<Report> page(String afterHost, int limit);

    /** The reports stored after {@code ms} (strictly), in host order: what agents said by themselves since then. */
    List<Report> since(long ms);

    /** When each host's agent last reported, by host (the health watch: no instance lists read). */
    Map<String, Long> reportedAt();
}
