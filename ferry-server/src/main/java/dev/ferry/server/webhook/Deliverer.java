package dev.ferry.server.webhook;

import dev.ferry.server.Poller;
import dev.ferry.store.WebhookStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Delivers the webhook outbox: each row at least once, with its stable id, signed with
 * HMAC-SHA256 over {@code timestamp + "." + body} ({@code Ferry-Signature: v1=<hex>},
 * {@code Ferry-Timestamp: <unix seconds>}, {@code Ferry-Delivery: <id>}). A failed delivery is
 * retried with exponential backoff (1 s doubling to one hour); the URL is checked again before
 * every attempt. One thread; {@link #deliverDue()} is also callable directly (tests).
 */
public final class Deliverer implements AutoCloseable {
    private static final int BATCH = 50;

    private final WebhookStore store;
    private final UrlGuard guard;
    private final InstantSource clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final Poller poller;
    private final String node;
    private final java.util.function.BooleanSupplier leading;

    /**
     * @param node    this controller's name: the deliveries it sends are claimed in its name
     * @param leading whether this controller leads (only the leader delivers)
     */
    public Deliverer(WebhookStore store, UrlGuard guard, InstantSource clock, Duration poll, String node,
                     java.util.function.BooleanSupplier leading) {
        this.store = store;
        this.guard = guard;
        this.clock = clock;
        this.node = node;
        this.leading = leading;
        this.poller = new Poller("webhook-deliverer", poll, this::deliverDue);
    }

    public void start() {
        poller.start();
    }

    /** Attempts every due delivery once (on the leader; a standby sends nothing); returns how many were attempted. */
    public int deliverDue() {
        if (!leading.getAsBoolean()) {
            return 0;
        }
        long now = clock.millis();
        List<WebhookStore.Delivery> due = store.due(now, BATCH, node);
        for (WebhookStore.Delivery d : due) {
            if (!store.stillClaimed(d.id(), node)) {
                continue; // this node stalled past its claim: another may be sending it now
            }
            String error = send(d);
            long at = clock.millis();
            if (error == null) {
                store.delivered(d.id(), at);
            } else {
                store.failed(d.id(), at + backoffMs(d.attempts() + 1), error);
            }
        }
        return due.size();
    }

    /** The wait after the given number of failed attempts: 1 s, 2 s, 4 s, … capped at one hour. */
    public static long backoffMs(int attempts) {
        return Math.min(3_600_000L, 1000L << Math.min(attempts - 1, 22));
    }

    private String send(WebhookStore.Delivery d) {
        URI uri;
        try {
            uri = guard.check(d.url());
        } catch (RuntimeException e) {
            return "refused: " + e.getMessage();
        }
        long ts = clock.millis() / 1000;
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header("Ferry-Delivery", d.deliveryId())
                .header("Ferry-Timestamp", Long.toString(ts))
                .header("Ferry-Signature", "v1=" + sign(d.secret(), ts, d.body()))
                .POST(HttpRequest.BodyPublishers.ofString(d.body(), StandardCharsets.UTF_8)).build();
        try {
            HttpResponse<Void> r = http.send(req, HttpResponse.BodyHandlers.discarding());
            return r.statusCode() / 100 == 2 ? null : "HTTP " + r.statusCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (Exception e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    /** HMAC-SHA256 over {@code timestamp + "." + body}, hex. */
    public static String sign(String secret, long timestampSeconds, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        poller.close();
    }
}
