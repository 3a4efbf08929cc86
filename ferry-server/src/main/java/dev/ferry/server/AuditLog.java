package dev.ferry.server;

import dev.ferry.store.Audit;
import dev.ferry.store.AuditStore;
import java.util.List;

/**
 * The audit trail: every state change is audited by its store in the same transaction; refused
 * attempts are written here, on their own. Never holds a token or a secret. Thread-safe.
 */
public final class AuditLog {
    private final AuditStore store;

    public AuditLog(AuditStore store) {
        this.store = store;
    }

    /** A refused attempt: nothing else changed, so the line is its own transaction. */
    public void refused(long at, String actor, String requestId, String action, String target, String detail) {
        store.refused(new Audit(at, actor, requestId, action, target, detail));
    }

    /** An action that changed nothing stored, audited alone. */
    public void done(long at, String actor, String requestId, String action, String target, String detail) {
        store.done(new Audit(at, actor, requestId, action, target, detail));
    }

    /** Lines by actor, target or action, oldest first; {@code after} is the id of the previous page's last line. */
    public Page<AuditStore.Line> page(String actor, String target, String action, String after, int limit) {
        long afterId;
        try {
            afterId = after == null ? 0 : Long.parseLong(after);
        } catch (NumberFormatException e) {
            throw Refused.invalid("cursor is not one this server gave out");
        }
        List<AuditStore.Line> fetched = store.page(actor, target, action, afterId, limit + 1);
        return Page.of(fetched, limit, a -> Long.toString(a.id()));
    }

    public static String cut(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }
}
