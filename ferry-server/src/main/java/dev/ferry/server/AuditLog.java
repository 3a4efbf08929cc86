package dev.ferry.server;

import dev.ferry.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The audit trail: every state change, in the same transaction as the change, and every refused
 * attempt. Never holds a token or a secret.
 */
public final class AuditLog {
    private final Database db;

    public AuditLog(Database db) {
        this.db = db;
    }

    /** Writes one line inside the caller's transaction. */
    public static void write(Connection c, long at, String actor, String requestId, String action, String target,
                             boolean ok, String detail) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit (at, actor, request_id, action, target, outcome, detail)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, at);
            ps.setString(2, cut(actor, 200));
            ps.setString(3, cut(requestId, 100));
            ps.setString(4, cut(action, 100));
            ps.setString(5, cut(target, 200));
            ps.setString(6, ok ? "ok" : "refused");
            ps.setString(7, cut(detail, 2000));
            ps.executeUpdate();
        }
    }

    /** A refused attempt: nothing else changed, so the line is its own transaction. */
    public void refused(long at, String actor, String requestId, String action, String target, String detail) {
        db.tx(c -> {
            write(c, at, actor, requestId, action, target, false, detail);
            return null;
        });
    }

    public static String cut(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }
}
