package dev.ferry.store;

import java.util.List;

/** Tenants' webhooks and the outbox of deliveries. Thread-safe. */
public interface WebhookStore {
    /** A registration; {@code secret} null where it is not shown (only the registration's answer has it). */
    record Webhook(String id, String tenant, String url, String secret, long createdAt) {
    }

    /** A delivery that is due, with its webhook's URL and secret. */
    record Delivery(long id, String deliveryId, String body, int attempts, String url, String secret) {
    }

    void register(Webhook webhook, Audit audit);

    List<Webhook> list(String tenant);

    /** Deletes the tenant's webhook and its undelivered deliveries; false (nothing changed) when the tenant has none by that id. */
    boolean delete(String tenant, String id, Audit audit);

    /** Undelivered deliveries due by {@code now}, oldest first, at most {@code batch}. */
    List<Delivery> due(long now, int batch);

    void delivered(long id, long at);

    void failed(long id, long nextAttemptAt, String error);
}
