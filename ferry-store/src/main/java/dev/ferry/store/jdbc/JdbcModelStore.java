package dev.ferry.store.jdbc;

import dev.ferry.store.Audit;
import dev.ferry.store.Database;
import dev.ferry.store.ModelStore;
import java.sql.PreparedStatement;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** {@link ModelStore} over the models table; a new version is the latest plus one (a taken number is retried). */
final class JdbcModelStore implements ModelStore {
    private static final String LATEST = "SELECT version, learned_at, campaign, document FROM models ORDER BY version DESC";

    private final Database db;

    JdbcModelStore(Database db) {
        this.db = db;
    }

    @Override
    public Optional<Version> latest() {
        return db.tx(c -> Sql.first(c, LATEST, JdbcModelStore::version));
    }

    @Override
    public Version learn(String campaign, long at, UnaryOperator<String> next, Audit audit) {
        for (int attempt = 0; ; attempt++) {
            try {
                return learnOnce(campaign, at, next, audit);
            } catch (dev.ferry.store.StoreException e) {
                if (attempt == 4 || !(e.getCause() instanceof java.sql.SQLException s && Database.duplicateKey(s))) {
                    throw e;
                }
                // another controller stored this version meanwhile: learn on top of it
            }
        }
    }

    private Version learnOnce(String campaign, long at, UnaryOperator<String> next, Audit audit) {
        return db.tx(c -> {
            Optional<Version> last = Sql.first(c, LATEST, JdbcModelStore::version);
            Version v = new Version(last.map(Version::version).orElse(0) + 1, at, campaign,
                    next.apply(last.map(Version::document).orElse(null)));
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO models (version, learned_at, campaign, document)"
                    + " VALUES (?, ?, ?, ?)")) {
                ps.setInt(1, v.version());
                ps.setLong(2, v.learnedAt());
                ps.setString(3, v.campaign());
                ps.setString(4, v.document());
                ps.executeUpdate(); // a version another controller took meanwhile fails the insert (a duplicate key)
            }
            Sql.audit(c, audit.detail("version " + v.version() + (campaign == null ? " imported" : " from campaign " + campaign)), true);
            return v;
        });
    }

    private static Version version(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new Version(rs.getInt(1), rs.getLong(2), rs.getString(3), rs.getString(4));
    }
}
