package dev.ferry.server;

import dev.ferry.store.Database;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Bearer tokens: 32 random bytes, shown once when created, stored only as their SHA-256. A token is
 * an operator's or one tenant's. Thread-safe.
 */
public final class Tokens {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Database db;
    private final InstantSource clock;

    public Tokens(Database db, InstantSource clock) {
        this.db = db;
        this.clock = clock;
    }

    /**
     * Creates a token and returns it; only its hash is stored. {@code scope}: the tenant of a
     * tenant token, the host of an agent token, null for an operator token.
     */
    public String create(Principal.Role role, String scope, String name) {
        if ((role == Principal.Role.OPERATOR) != (scope == null || scope.isBlank())) {
            throw ApiException.badRequest("a tenant token names its tenant and an agent token its host; an operator token names neither");
        }
        String tenant = scope;
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String token = "fy_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO tokens VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, hash(token));
                ps.setString(2, name);
                ps.setString(3, role.name().toLowerCase(java.util.Locale.ROOT));
                ps.setString(4, role == Principal.Role.OPERATOR ? null : tenant);
                ps.setLong(5, clock.millis());
                ps.executeUpdate();
            }
            return null;
        });
        return token;
    }

    public boolean anyOperator() {
        return db.tx(c -> {
            try (ResultSet rs = c.prepareStatement("SELECT COUNT(*) FROM tokens WHERE role = 'operator'").executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        });
    }

    /** The principal of a presented token; empty for an unknown one. */
    public Optional<Principal> authenticate(String token) {
        if (token == null || token.length() > 200) {
            return Optional.empty();
        }
        String h = hash(token);
        return db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT name, role, tenant FROM tokens WHERE token_hash = ?")) {
                ps.setString(1, h);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    Principal.Role role = Principal.Role.valueOf(rs.getString(2).toUpperCase(java.util.Locale.ROOT));
                    return Optional.of(new Principal(rs.getString(1), role, rs.getString(3), h));
                }
            }
        });
    }

    /** A token as operators see it: an id (a prefix of its hash, enough to name it, useless to use it), never the token. */
    public record Listed(String id, String name, String role, String tenant, long createdAt) {
    }

    public List<Listed> list() {
        return db.tx(c -> {
            List<Listed> out = new ArrayList<>();
            try (ResultSet rs = c.prepareStatement("SELECT token_hash, name, role, tenant, created_at FROM tokens ORDER BY created_at,"
                    + " token_hash").executeQuery()) {
                while (rs.next()) {
                    out.add(new Listed(rs.getString(1).substring(0, 16), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getLong(5)));
                }
            }
            return out;
        });
    }

    /** Revokes a token at once (every request looks its hash up). The last operator token cannot be revoked. */
    public void revoke(String id, Principal who, String requestId) {
        if (id == null || !id.matches("[0-9a-f]{16}")) {
            throw ApiException.notFound("token");
        }
        db.tx(c -> {
            String role;
            String hash;
            try (PreparedStatement ps = c.prepareStatement("SELECT token_hash, role FROM tokens WHERE token_hash LIKE ?")) {
                ps.setString(1, id + "%");
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw ApiException.notFound("token");
                    }
                    hash = rs.getString(1);
                    role = rs.getString(2);
                }
            }
            if (role.equals("operator")) {
                try (ResultSet rs = c.prepareStatement("SELECT COUNT(*) FROM tokens WHERE role = 'operator'").executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) <= 1) {
                        throw ApiException.conflict("this is the last operator token; create another before revoking it");
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM tokens WHERE token_hash = ?")) {
                ps.setString(1, hash);
                ps.executeUpdate();
            }
            AuditLog.write(c, clock.millis(), who.actor(), requestId, "token.revoke", id, true, role + " token revoked");
            return null;
        });
    }

    public static String hash(String token) {
        return sha256(token.getBytes(StandardCharsets.UTF_8));
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
