package dev.ferry.store.jdbc;

import dev.ferry.store.Audit;
import dev.ferry.store.Database;
import dev.ferry.store.WebhookStore;
import java.sql.PreparedStatement;
import java.util.List;

/** {@link WebhookStore} over the webhooks and outbox tables. */
final class JdbcWebhookStore implements WebhookStore {
    private final Database db;

    JdbcWebhookStore(Database db) {
        this.db = db;
    }

    @Override
    public void register(Webhook w, Audit audit) {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO webhooks VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, w.id());
                ps.setString(2, w.tenant());
                ps.setString(3, w.url());
                ps.setString(4, w.secret());
                ps.setLong(5, w.createdAt());
                ps.executeUpdate();
            }
            Sql.audit(c, audit, true);
            return null;
        });
    }

    @Override
    public List<Webhook> list(String tenant) {
        return db.tx(c -> Sql.list(c, "SELECT id, url, created_at FROM webhooks WHERE tenant = ? ORDER BY id",
                rs -> new Webhook(rs.getString(1), tenant, rs.getString(2), null, rs.getLong(3)), tenant));
    }

    @Override
    public boolean delete(String tenant, String id, Audit audit) {
        return db.tx(c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM webhooks WHERE id = ? AND tenant = ?")) {
                ps.setString(1, id);
                ps.setString(2, tenant);
                n = ps.executeUpdate();
            }
            if (n == 1) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM outbox WHERE webhook_id = ? AND delivered_at IS NULL")) {
                    ps.setString(1, id);
                    ps.executeUpdate();
                }
                Sql.audit(c, audit, true);
            }
            return n == 1;
        });
    }

    @Override
    public List<Delivery> due(long now, int batch, String node) {
        return db.tx(c -> {
            long dbNow = Sql.dbNow(c, db.postgres());
            List<Delivery> due = Sql.list(c, "SELECT o.id, o.delivery_id, o.body, o.attempts, w.url, w.secret FROM outbox o"
                    + " JOIN webhooks w ON w.id = o.webhook_id WHERE o.delivered_at IS NULL AND o.next_attempt_at <= ?"
                    + " AND o.claimed_until < ? ORDER BY o.id FETCH FIRST " + batch + " ROWS ONLY", rs -> new Delivery(rs.getLong(1),
                    rs.getString(2), rs.getString(3), rs.getInt(4), rs.getString(5), rs.getString(6)), now, dbNow);
            List<Delivery> claimed = new java.util.ArrayList<>();
            for (Delivery d : due) {
                // a conditional claim: a node that claimed it meanwhile keeps it
                if (Sql.update(c, "UPDATE outbox SET claimed_until = ?, claimed_by = ? WHERE id = ? AND claimed_until < ?",
                        dbNow + CLAIM_MS, node, d.id(), dbNow) == 1) {
                    claimed.add(d);
                }
            }
            return claimed;
        });
    }

    @Override
    public boolean stillClaimed(long id, String node) {
        return db.tx(c -> Sql.one(c, "SELECT COUNT(*) FROM outbox WHERE id = ? AND claimed_by = ? AND claimed_until >= ?"
                + " AND delivered_at IS NULL", id, node, Sql.dbNow(c, db.postgres())) > 0);
    }

    @Override
    public void delivered(long id, long at) {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE outbox SET delivered_at = ?, attempts = attempts + 1,"
                    + " last_error = NULL, claimed_until = 0 WHERE id = ?")) {
                ps.setLong(1, at);
                ps.setLong(2, id);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public void failed(long id, long nextAttemptAt, String error) {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE outbox SET next_attempt_at = ?, attempts = attempts + 1,"
                    + " last_error = ?, claimed_until = 0 WHERE id = ?")) {
                ps.setLong(1, nextAttemptAt);
                ps.setString(2, Sql.cut(error, 1000));
                ps.setLong(3, id);
                ps.executeUpdate();
            }
            return null;
        });
    }
}
