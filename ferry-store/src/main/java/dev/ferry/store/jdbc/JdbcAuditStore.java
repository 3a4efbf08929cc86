package dev.ferry.store.jdbc;

import dev.ferry.store.Audit;
import dev.ferry.store.AuditStore;
import dev.ferry.store.Database;
import java.util.ArrayList;
import java.util.List;

/** {@link AuditStore} over the audit table. */
final class JdbcAuditStore implements AuditStore {
    private final Database db;

    JdbcAuditStore(Database db) {
        this.db = db;
    }

    @Override
    public void refused(Audit line) {
        db.tx(c -> {
            Sql.audit(c, line, false);
            return null;
        });
    }

    @Override
    public void done(Audit line) {
        db.tx(c -> {
            Sql.audit(c, line, true);
            return null;
        });
    }

    @Override
    public List<Line> page(String actor, String target, String action, long afterId, int limit) {
        StringBuilder sql = new StringBuilder("SELECT id, at, actor, request_id, action, target, outcome, detail FROM audit WHERE id > ?");
        List<Object> args = new ArrayList<>(List.of(afterId));
        if (actor != null) {
            sql.append(" AND actor = ?");
            args.add(actor);
        }
        if (target != null) {
            sql.append(" AND target = ?");
            args.add(target);
        }
        if (action != null) {
            sql.append(" AND action = ?");
            args.add(action);
        }
        sql.append(" ORDER BY id FETCH FIRST ").append(limit).append(" ROWS ONLY");
        return db.tx(c -> Sql.list(c, sql.toString(), rs -> new Line(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8)), args.toArray()));
    }
}
