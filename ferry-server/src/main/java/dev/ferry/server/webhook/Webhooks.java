package dev.ferry.server.webhook;

import dev.ferry.server.Principal;
import dev.ferry.server.Refused;
import dev.ferry.store.Audit;
import dev.ferry.store.WebhookStore;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/** Tenants' webhook registrations. The secret is shown once, when the webhook is registered. Thread-safe. */
public final class Webhooks {
    /** A registration as a tenant sees it; {@code secret} only in the answer to the registration. */
    public record Webhook(String id, String url, String secret, long createdAt) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final WebhookStore store;
    private final UrlGuard guard;
    private final InstantSource clock;

    public Webhooks(WebhookStore store, UrlGuard guard, InstantSource clock) {
        this.store = store;
        this.guard = guard;
        this.clock = clock;
    }

    public Webhook register(Principal tenant, String url, String requestId) {
        if (url == null || url.length() > 2000) {
            throw Refused.invalid("url is required (at most 2000 characters)");
        }
        guard.check(url);
        byte[] id = new byte[6];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(id);
        RANDOM.nextBytes(secret);
        Webhook w = new Webhook("wh-" + HexFormat.of().formatHex(id), url,
                "whsec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret), clock.millis());
        store.register(new WebhookStore.Webhook(w.id(), tenant.tenant(), w.url(), w.secret(), w.createdAt()),
                new Audit(w.createdAt(), tenant.actor(), requestId, "webhook.register", w.id(), w.url()));
        return w;
    }

    public List<Webhook> list(String tenant) {
        return store.list(tenant).stream().map(w -> new Webhook(w.id(), w.url(), null, w.createdAt())).toList();
    }

    public Webhook get(String tenant, String id) {
        return list(tenant).stream().filter(w -> w.id().equals(id)).findFirst().orElseThrow(() -> Refused.notFound("webhook"));
    }

    public void delete(Principal tenant, String id, String requestId) {
        if (!store.delete(tenant.tenant(), id, new Audit(clock.millis(), tenant.actor(), requestId, "webhook.delete", id, "deleted"))) {
            throw Refused.notFound("webhook");
        }
    }
}
