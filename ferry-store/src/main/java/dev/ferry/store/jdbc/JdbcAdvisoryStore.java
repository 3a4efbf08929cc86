package dev.ferry.store.jdbc;

import dev.ferry.store.AdvisoryStore;
import dev.ferry.store.Audit;
import dev.ferry.store.Database;
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
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO advisories VALUES (?, ?, ?, ?, ?)")) {
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
        return db.tx(c -> Sql.first(c, "SELECT id, title, document, affected_hosts, created_at FROM advisories WHERE id = ?",
                rs -> new Advisory(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getLong(5)), id));
    }

    @Override
    public List<String> ids() {
        return db.tx(c -> Sql.list(c, "SELECT id FROM advisories ORDER BY id", rs -> rs.getString(1)));
    }
}
