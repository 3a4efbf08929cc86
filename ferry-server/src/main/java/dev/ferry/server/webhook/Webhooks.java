package dev.ferry.server.webhook;

import dev.ferry.server.ApiException;
import dev.ferry.server.AuditLog;
import dev.ferry.server.Principal;
import dev.ferry.store.Database;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/** Tenants' webhook registrations. The secret is shown once, when the webhook is registered. Thread-safe. */
public final class Webhooks {
    /** A registration as a tenant sees it; {@code secret} only in the answer to the registration. */
    public record Webhook(String id, String url, String secret, long createdAt) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Database db;
    private final UrlGuard guard;
    private final InstantSource clock;

    public Webhooks(Database db, UrlGuard guard, InstantSource clock) {
        this.db = db;
        this.guard = guard;
        this.clock = clock;
    }

    public Webhook register(Principal tenant, String url, String requestId) {
        if (url == null || url.length() > 2000) {
            throw ApiException.badRequest("url is required (at most 2000 characters)");
        }
        guard.check(url);
        byte[] id = new byte[6];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(id);
        RANDOM.nextBytes(secret);
        Webhook w = new Webhook("wh-" + HexFormat.of().formatHex(id), url,
                "whsec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret), clock.millis());
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO webhooks VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, w.id());
                ps.setString(2, tenant.tenant());
                ps.setString(3, w.url());
                ps.setString(4, w.secret());
                ps.setLong(5, w.createdAt());
                ps.executeUpdate();
            }
            AuditLog.write(c, w.createdAt(), tenant.actor(), requestId, "webhook.register", w.id(), true, w.url());
            return null;
        });
        return w;
    }

    public List<Webhook> list(String tenant) {
        return db.tx(c -> {
            List<Webhook> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, url, created_at FROM webhooks WHERE tenant = ? ORDER BY id")) {
                ps.setString(1, tenant);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Webhook(rs.getString(1), rs.getString(2), null, rs.getLong(3)));
                    }
                }
            }
            return out;
        });
    }

    public Webhook get(String tenant, String id) {
        return list(tenant).stream().filter(w -> w.id().equals(id)).findFirst()
                .orElseThrow(() -> ApiException.notFound("webhook"));
    }

    public void delete(Principal tenant, String id, String requestId) {
        boolean deleted = db.tx(c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM webhooks WHERE id = ? AND tenant = ?")) {
                ps.setString(1, id);
                ps.setString(2, tenant.tenant());
                n = ps.executeUpdate();
            }
            if (n == 1) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM outbox WHERE webhook_id = ? AND delivered_at IS NULL")) {
                    ps.setString(1, id);
                    ps.executeUpdate();
                }
                AuditLog.write(c, clock.millis(), tenant.actor(), requestId, "webhook.delete", id, true, "deleted");
            }
            return n == 1;
        });
        if (!deleted) {
            throw ApiException.notFound("webhook");
        }
    }
}
