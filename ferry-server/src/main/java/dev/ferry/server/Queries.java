package dev.ferry.server;

import dev.ferry.core.history.HistoryRecord;
import dev.ferry.formats.HistoryV1;
import dev.ferry.store.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/** Operators' queries over the stored history (facts) and the audit log, paginated by key. Thread-safe. */
public final class Queries {
    /** A stored fact with its campaign and position. */
    public record Fact(String campaign, long seq, HistoryRecord record) {
    }

    public record AuditLine(long id, long at, String actor, String requestId, String action, String target, String outcome,
                            String detail) {
    }

    private final Database db;

    public Queries(Database db) {
        this.db = db;
    }

    /**
     * Facts by campaign, target (a host or an instance) or tenant (the facts about its instances),
     * in (campaign, seq) order; {@code after} is the cursor "campaign/seq" of the previous page.
     */
    public Page<Fact> history(String campaign, String target, String tenant, String after, int limit) {
        String afterCampaign = "";
        long afterSeq = -1;
        if (after != null) {
            int slash = after.lastIndexOf('/');
            try {
                afterCampaign = after.substring(0, slash);
                afterSeq = Long.parseLong(after.substring(slash + 1));
            } catch (RuntimeException e) {
                throw ApiException.badRequest("cursor is not one this server gave out");
            }
        }
        StringBuilder sql = new StringBuilder("SELECT campaign, seq, " + HistoryRows.COLUMNS + " FROM facts"
                + " WHERE (campaign > ? OR (campaign = ? AND seq > ?))");
        List<Object> args = new ArrayList<>(List.of(afterCampaign, afterCampaign, afterSeq));
        if (campaign != null) {
            sql.append(" AND campaign = ?");
            args.add(campaign);
        }
        if (target != null) {
            sql.append(" AND target = ?");
            args.add(target);
        }
        if (tenant != null) {
            sql.append(" AND target IN (SELECT id FROM instances WHERE tenant = ?)");
            args.add(tenant);
        }
        sql.append(" ORDER BY campaign, seq FETCH FIRST ").append(limit + 1).append(" ROWS ONLY");
        return db.tx(c -> {
            List<Fact> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                for (int k = 0; k < args.size(); k++) {
                    ps.setObject(k + 1, args.get(k));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    HistoryV1.Reader v1 = new HistoryV1.Reader();
                    while (rs.next()) {
                        out.add(new Fact(rs.getString(1), rs.getLong(2), HistoryRows.read(rs, 3, v1)));
                    }
                }
            }
            return Page.of(out, limit, f -> f.campaign() + "/" + f.seq());
        });
    }

    /** Audit lines by actor, target or action, oldest first; {@code after} is the id of the previous page's last line. */
    public Page<AuditLine> audit(String actor, String target, String action, String after, int limit) {
        long afterId;
        try {
            afterId = after == null ? 0 : Long.parseLong(after);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("cursor is not one this server gave out");
        }
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
        sql.append(" ORDER BY id FETCH FIRST ").append(limit + 1).append(" ROWS ONLY");
        return db.tx(c -> {
            List<AuditLine> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                for (int k = 0; k < args.size(); k++) {
                    ps.setObject(k + 1, args.get(k));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new AuditLine(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                                rs.getString(6), rs.getString(7), rs.getString(8)));
                    }
                }
            }
            return Page.of(out, limit, a -> Long.toString(a.id()));
        });
    }
}
