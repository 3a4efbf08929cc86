package dev.ferry.server;

import dev.ferry.store.SettingsStore;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
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

    public OpaqueHosts(SettingsStore settings) {
        this.key = settings.secret("host-id-key", () -> {
            byte[] k = new byte[32];
            new SecureRandom().nextBytes(k);
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
