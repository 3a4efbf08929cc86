package dev.ferry.store.jdbc;

import dev.ferry.store.CampaignStore;
import dev.ferry.store.ClusterStore;
import dev.ferry.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** {@link ClusterStore} over the cluster_lease, cluster_members and campaign_commands tables. */
final class JdbcClusterStore implements ClusterStore {
    private static final String LEASE = "SELECT holder, term, since_ms, expires_ms FROM cluster_lease WHERE name = 'leader'";

    private final Database db;

    JdbcClusterStore(Database db) {
        this.db = db;
    }

    @Override
    public Lease claim(String node, long term, long ttlMs, boolean force) {
        return db.tx(c -> {
            Lease l = read(c, LEASE + " FOR UPDATE");
            long now = l.nowMs();
            if (term > 0 && node.equals(l.holder()) && l.term() == term) {
                // ours, at our term: renewed even when it ran out, since no one took it meanwhile
                Sql.update(c, "UPDATE cluster_lease SET expires_ms = ? WHERE name = 'leader'", now + ttlMs);
                return new Lease(node, term, l.sinceMs(), now + ttlMs, now);
            }
            // taken when it ran out, was never held, or this name holds it at another term: a process of this
            // name that started again is a new holder, fenced from the one before by the next term
            if (force || l.holder() == null || l.expiresMs() < now || node.equals(l.holder())) {
                Sql.update(c, "UPDATE cluster_lease SET holder = ?, term = ?, since_ms = ?, expires_ms = ? WHERE name = 'leader'",
                        node, l.term() + 1, now, now + ttlMs);
                return new Lease(node, l.term() + 1, now, now + ttlMs, now);
            }
            return l;
        });
    }

    @Override
    public void release(String node, long term) {
        db.tx(c -> Sql.update(c, "UPDATE cluster_lease SET expires_ms = 0 WHERE name = 'leader' AND holder = ? AND term = ?",
                node, term));
    }

    @Override
    public Lease lease() {
        return db.tx(c -> read(c, LEASE));
    }

    private Lease read(Connection c, String sql) throws SQLException {
        long now = Sql.dbNow(c, db.postgres());
        return Sql.first(c, sql, rs -> new Lease(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), now)).orElseThrow();
    }

    @Override
    public void heartbeat(String node, String address, long startedMs, boolean tookLease) {
        db.tx(c -> {
            long now = Sql.dbNow(c, db.postgres());
            int n = Sql.update(c, "UPDATE cluster_members SET address = ?, heartbeat_ms = ?, leaderships = leaderships + ?"
                    + " WHERE node = ?", address, now, tookLease ? 1 : 0, node);
            if (n == 0) {
                Sql.update(c, "INSERT INTO cluster_members (node, address, started_ms, heartbeat_ms, leaderships)"
                        + " VALUES (?, ?, ?, ?, ?)", node, address, startedMs, now, tookLease ? 1 : 0);
            }
            // members silent for a day are forgotten
            Sql.update(c, "DELETE FROM cluster_members WHERE heartbeat_ms < ?", now - 86_400_000L);
            return null;
        });
    }

    @Override
    public List<Member> members() {
        return db.tx(c -> Sql.list(c, "SELECT node, address, started_ms, heartbeat_ms, leaderships FROM cluster_members"
                + " ORDER BY heartbeat_ms DESC, node", rs -> new Member(rs.getString(1), rs.getString(2), rs.getLong(3),
                rs.getLong(4), rs.getLong(5))));
    }

    @Override
    public void leave(String node) {
        db.tx(c -> Sql.update(c, "DELETE FROM cluster_members WHERE node = ?", node));
    }

    @Override
    public long enqueue(String campaign, CampaignStore.Input in, long atMs) {
        return db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO campaign_commands (campaign, kind, instance, arg_ms, reason,"
                    + " actor, request_id, submitted_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", new String[] {"id"})) {
                ps.setString(1, campaign);
                ps.setString(2, in.kind());
                ps.setString(3, in.instance());
                Sql.setLong(ps, 4, in.argMs());
                ps.setString(5, in.reason());
                ps.setString(6, in.actor());
                ps.setString(7, in.requestId());
                ps.setLong(8, atMs);
                ps.executeUpdate();
                try (var keys = ps.getGeneratedKeys()) {
                    keys.next();
                    return keys.getLong(1);
                }
            }
        });
    }

    @Override
    public List<QueuedCommand> take(long term, int max) {
        return db.tx(c -> {
            List<QueuedCommand> open = Sql.list(c, "SELECT id, campaign, kind, instance, arg_ms, reason, actor, request_id"
                    + " FROM campaign_commands WHERE done_ms IS NULL AND (taken_term IS NULL OR taken_term < ?) ORDER BY id"
                    + " FETCH FIRST " + max + " ROWS ONLY FOR UPDATE", rs -> new QueuedCommand(rs.getLong(1), rs.getString(2),
                    new CampaignStore.Input(0, 0, 0, rs.getString(3), rs.getString(4), Sql.getLong(rs, 5), rs.getString(6),
                            rs.getString(7), rs.getString(8))), term);
            for (QueuedCommand q : open) {
                Sql.update(c, "UPDATE campaign_commands SET taken_term = ? WHERE id = ?", term, q.id());
            }
            return open;
        });
    }

    @Override
    public boolean answer(long id, long term, boolean ok, String outcome, long atMs) {
        return db.tx(c -> {
            long current = Sql.one(c, "SELECT term FROM cluster_lease WHERE name = 'leader' FOR UPDATE");
            return current == term && Sql.update(c, "UPDATE campaign_commands SET done_ms = ?, ok = ?, outcome = ? WHERE id = ?"
                    + " AND done_ms IS NULL AND taken_term = ?", atMs, ok, Sql.cut(outcome, 2000), id, term) == 1;
        });
    }

    @Override
    public boolean withdraw(long id, long atMs) {
        return db.tx(c -> Sql.update(c, "UPDATE campaign_commands SET done_ms = ?, ok = ?, outcome = ? WHERE id = ?"
                + " AND done_ms IS NULL AND taken_term IS NULL", atMs, false, "withdrawn: no leader took it in time", id) == 1);
    }

    @Override
    public Optional<Outcome> outcome(long id) {
        return db.tx(c -> Sql.first(c, "SELECT ok, outcome FROM campaign_commands WHERE id = ? AND done_ms IS NOT NULL",
                rs -> new Outcome(rs.getBoolean(1), rs.getString(2)), id));
    }

    @Override
    public boolean applied(String campaign, String requestId, String kind, String instance) {
        String sql = "SELECT COUNT(*) FROM inputs WHERE campaign = ? AND request_id = ? AND kind = ? AND instance ";
        return db.tx(c -> (instance == null ? Sql.one(c, sql + "IS NULL", campaign, requestId, kind)
                : Sql.one(c, sql + "= ?", campaign, requestId, kind, instance)) > 0);
    }
}
