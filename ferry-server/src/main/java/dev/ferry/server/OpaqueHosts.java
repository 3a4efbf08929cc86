package dev.ferry.server;

import dev.ferry.store.Database;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Per-tenant opaque host ids: tenants learn that two of their instances share a host, or that an
 * instance moved, but never a real host name, and two tenants' ids for one host differ. The id is
 * an HMAC under a server secret made once and kept in the database. Thread-safe.
 */
public final class OpaqueHosts {
    private final byte[] key;

    public OpaqueHosts(Database db) {
        this.key = db.tx(c -> {
            try (ResultSet rs = c.prepareStatement("SELECT setting_value FROM settings WHERE name = 'host-id-key'").executeQuery()) {
                if (rs.next()) {
                    return Base64.getDecoder().decode(rs.getString(1));
                }
            }
            byte[] k = new byte[32];
            new SecureRandom().nextBytes(k);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO settings (name, setting_value) VALUES ('host-id-key', ?)")) {
                ps.setString(1, Base64.getEncoder().encodeToString(k));
                ps.executeUpdate();
            }
            return k;
        });
    }

    public String of(String tenant, String host) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] d = mac.doFinal((tenant + "\u0000" + host).getBytes(StandardCharsets.UTF_8));
            return "host-" + HexFormat.of().formatHex(d, 0, 6);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
