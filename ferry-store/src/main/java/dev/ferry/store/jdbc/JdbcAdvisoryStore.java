package dev.ferry.store.jdbc;

import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.store.AdvisoryStore;
import dev.ferry.store.Audit;
import dev.ferry.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** {@link AdvisoryStore} over the advisories table. */
final class JdbcAdvisoryStore implements AdvisoryStore {
    private final Database db;

    JdbcAdvisoryStore(Database db) {
        this.db = db;
    }

    @Override
    public boolean register(Advisory a, Audit audit) {
        return db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO advisories (id, title, created_at, affected_hosts, document)"
                    + " VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, a.id());
                ps.setString(2, a.title());
                ps.setLong(3, a.createdAt());
                ps.setInt(4, a.affectedHosts());
                ps.setString(5, a.document());
                ps.executeUpdate();
            } catch (SQLException e) {
                if (Database.duplicateKey(e)) {
                    return false;
                }
                throw e;
            }
            Sql.audit(c, audit, true);
            return true;
        });
    }

    @Override
    public Optional<Advisory> get(String id) {
        return db.tx(c -> Sql.first(c, "SELECT id, title, document, affected_hosts, created_at, amended_at, withdrawn_at FROM advisories"
                + " WHERE id = ?", rs -> new Advisory(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getLong(5),
                Sql.getLong(rs, 6), Sql.getLong(rs, 7)), id));
    }

    private static final String SUPERSEDE = Sql.transition("end_reason = ?", CampaignState.PROPOSED, CampaignState.SUPERSEDED)
            + " AND advisory = ?";

    @Override
    public Change amend(String id, String title, String document, int affectedHosts, long at, Audit audit) {
        return db.tx(c -> {
            Sql.lock(c, "campaign-lock"); // serialized with approvals: none approves the old rules after this
            Change refused = check(c, id, false);
            if (refused != null) {
                return refused;
            }
            Sql.update(c, "UPDATE advisories SET title = ?, document = ?, affected_hosts = ?, amended_at = ? WHERE id = ?", title,
                    document, affectedHosts, at, id);
            int superseded = Sql.update(c, SUPERSEDE, "advisory " + id + " was amended", id);
            Sql.audit(c, audit.detail(audit.detail() + (superseded > 0 ? "; " + superseded + " proposal(s) superseded" : "")), true);
            return new Change(Outcome.DONE, null, superseded);
        });
    }

    @Override
    public Change withdraw(String id, long at, Audit audit) {
        return db.tx(c -> {
            Sql.lock(c, "campaign-lock");
            Change refused = check(c, id, true);
            if (refused != null) {
                return refused;
            }
            Sql.update(c, "UPDATE advisories SET withdrawn_at = ? WHERE id = ?", at, id);
            int superseded = Sql.update(c, SUPERSEDE, "advisory " + id + " was withdrawn", id);
            Sql.audit(c, audit.detail(audit.detail() + (superseded > 0 ? "; " + superseded + " proposal(s) superseded" : "")), true);
            return new Change(Outcome.DONE, null, superseded);
        });
    }

    /** Why the advisory cannot change now, or null. */
    private static Change check(Connection c, String id, boolean withdrawing) throws SQLException {
        Optional<Long> withdrawn = Sql.first(c, "SELECT COALESCE(withdrawn_at, -1) FROM advisories WHERE id = ?", rs -> rs.getLong(1), id);
        if (withdrawn.isEmpty()) {
            return new Change(Outcome.NOT_FOUND, null, 0);
        }
        if (withdrawn.get() >= 0) {
            return new Change(Outcome.WITHDRAWN, null, 0);
        }
        Optional<String> running = Sql.first(c, "SELECT id FROM campaigns WHERE advisory = ? AND state IN ('running', 'paused')",
                rs -> rs.getString(1), id);
        return withdrawing && running.isPresent() ? new Change(Outcome.CAMPAIGN_RUNNING, running.get(), 0) : null;
    }

    @Override
    public List<String> ids() {
        return db.tx(c -> Sql.list(c, "SELECT id FROM advisories ORDER BY id", rs -> rs.getString(1)));
    }
}
