package dev.ferry.store.jdbc;

import dev.ferry.store.Audit;
import dev.ferry.store.Database;
import dev.ferry.store.TokenStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** {@link TokenStore} over the tokens table. */
final class JdbcTokenStore implements TokenStore {
    private static final String SELECT = "SELECT token_hash, name, role, tenant, created_at, expires_at FROM tokens";

    private final Database db;

    JdbcTokenStore(Database db) {
        this.db = db;
    }

    @Override
    public void create(Token t) {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO tokens (token_hash, name, role, tenant, created_at,"
                    + " expires_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, t.hash());
                ps.setString(2, t.name());
                ps.setString(3, t.role());
                ps.setString(4, t.scope());
                ps.setLong(5, t.createdAt());
                Sql.setLong(ps, 6, t.expiresAt());
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public boolean anyOperator(long now) {
        return db.tx(c -> Sql.one(c, VALID_OPERATORS, now) > 0);
    }

    private static final String VALID_OPERATORS = "SELECT COUNT(*) FROM tokens WHERE role = 'operator'"
            + " AND (expires_at IS NULL OR expires_at > ?)";

    @Override
    public Optional<Token> find(String hash) {
        return db.tx(c -> Sql.first(c, SELECT + " WHERE token_hash = ?", JdbcTokenStore::token, hash));
    }

    @Override
    public List<Token> list() {
        return db.tx(c -> Sql.list(c, SELECT + " ORDER BY created_at, token_hash", JdbcTokenStore::token));
    }

    @Override
    public Revoked revoke(String hashPrefix, Audit audit) {
        return db.tx(c -> {
            Token t = Sql.first(c, SELECT + " WHERE token_hash LIKE ?", JdbcTokenStore::token, hashPrefix + "%").orElse(null);
            if (t == null) {
                return Revoked.NOT_FOUND;
            }
            boolean valid = t.expiresAt() == null || t.expiresAt() > audit.at();
            if (t.role().equals("operator") && valid && Sql.one(c, VALID_OPERATORS, audit.at()) <= 1) {
                return Revoked.LAST_OPERATOR;
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM tokens WHERE token_hash = ?")) {
                ps.setString(1, t.hash());
                ps.executeUpdate();
            }
            Sql.audit(c, audit.detail(t.role() + " token revoked"), true);
            return Revoked.REVOKED;
        });
    }

    @Override
    public Revocations revokedSince(long since) {
        return db.tx(c -> {
            long mark = Sql.one(c, "SELECT COALESCE(MAX(id), 0) FROM audit");
            List<String> ids = Sql.list(c, "SELECT target FROM audit WHERE action = 'token.revoke'"
                    + " AND outcome = 'ok' AND id > ? ORDER BY id", rs -> rs.getString(1), since);
            return new Revocations(mark, ids);
        });
    }

    private static Token token(ResultSet rs) throws SQLException {
        return new Token(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5), Sql.getLong(rs, 6));
    }
}
