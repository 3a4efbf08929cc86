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

    /** How long a claim keeps other nodes off a delivery (database time). */
    long CLAIM_MS = 60_000;

    /**
     * Undelivered deliveries due by {@code now}, oldest first, at most {@code batch}, that no node
     * holds a claim on; they are claimed for {@code node} for {@link #CLAIM_MS} of the database's
     * clock, so that no two nodes send one delivery at once (its outcome ends the claim).
     */
    List<Delivery> due(long now, int batch, String node);

    /**
     * The delivery is still undelivered and claimed by {@code node} (by the database's clock): asked
     * right before it is sent, so that a node that stalled past its claim does not send it while
     * another node does.
     */
    boolean stillClaimed(long id, String node);

    /** Delivered: the claim ends with it. */
    void delivered(long id, long at);

    void failed(long id, long nextAttemptAt, String error);
}
