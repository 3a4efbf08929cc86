package dev.ferry.store.jdbc;

import dev.ferry.store.Database;
import dev.ferry.store.RequestStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

/** {@link RequestStore} over the idempotency table. */
final class JdbcRequestStore implements RequestStore {
    private final Database db;

    JdbcRequestStore(Database db) {
        this.db = db;
    }

    @Override
    public Stored begin(String tokenHash, String key, String method, String path, String bodyHash, long now) {
        return db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT method, path, body_hash, status, content_type, response"
                    + " FROM idempotency WHERE token_hash = ? AND idem_key = ?")) {
                ps.setString(1, tokenHash);
                ps.setString(2, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        Long status = Sql.getLong(rs, 4); // null while the first request is in flight
                        return new Stored(rs.getString(1), rs.getString(2), rs.getString(3), status == null ? null : status.intValue(),
                                rs.getString(5), rs.getString(6));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO idempotency (token_hash, idem_key, method, path, body_hash,"
                    + " created_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, tokenHash);
                ps.setString(2, key);
                ps.setString(3, method);
                ps.setString(4, path);
                ps.setString(5, bodyHash);
                ps.setLong(6, now);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public void finish(String tokenHash, String key, int status, String contentType, String response) {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE idempotency SET status = ?, content_type = ?, response = ?"
                    + " WHERE token_hash = ? AND idem_key = ?")) {
                ps.setInt(1, status);
                ps.setString(2, contentType);
                ps.setString(3, response);
                ps.setString(4, tokenHash);
                ps.setString(5, key);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public void forget(String tokenHash, String key) {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM idempotency WHERE token_hash = ? AND idem_key = ?")) {
                ps.setString(1, tokenHash);
                ps.setString(2, key);
                ps.executeUpdate();
            }
            return null;
        });
    }
}
