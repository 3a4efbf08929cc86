package dev.ferry.store;

import java.util.List;

/** What each host's agent last reported. Thread-safe. */
public interface AgentStore {
    /** @param instances the instances as the agent sent them (a JSON array) */
    record Report(String host, String version, String instances, long reportedAt) {
    }

    /** Stores the host's latest report; a change of version (or a first report) is audited, heartbeats are not. */
    void report(Report report, String actor, String requestId);

    List<Report> all();
}
