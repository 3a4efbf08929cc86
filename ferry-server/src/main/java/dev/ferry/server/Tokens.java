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

    /** Creates a token and returns it; only its hash is stored. */
    public String create(Principal.Role role, String tenant, String name) {
        if ((role == Principal.Role.TENANT) == (tenant == null || tenant.isBlank())) {
            throw ApiException.badRequest("a tenant token names its tenant; an operator token names none");
        }
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String token = "fy_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO tokens VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, hash(token));
                ps.setString(2, name);
                ps.setString(3, role == Principal.Role.OPERATOR ? "operator" : "tenant");
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
                    Principal.Role role = rs.getString(2).equals("operator") ? Principal.Role.OPERATOR : Principal.Role.TENANT;
                    return Optional.of(new Principal(rs.getString(1), role, rs.getString(3), h));
                }
            }
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
