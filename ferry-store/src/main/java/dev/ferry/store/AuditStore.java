package dev.ferry.store;

import java.util.List;

/** The audit trail: refused attempts written alone, and operators' queries. Thread-safe. */
public interface AuditStore {
    /** One stored line; {@code outcome} is {@code ok} or {@code refused}. */
    record Line(long id, long at, String actor, String requestId, String action, String target, String outcome, String detail) {
    }

    /** A refused attempt: nothing else changed, so the line is its own transaction. */
    void refused(Audit line);

    /** An action that changed nothing stored (a guest rebooted on its host): its line alone. */
    void done(Audit line);

    /** Lines by actor, target or action (null: any), oldest first, after line {@code afterId}; at most {@code limit}. */
    List<Line> page(String actor, String target, String action, long afterId, int limit);
}
