package dev.ferry.server.webhook;

import dev.ferry.store.Database;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
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
    private record Due(long id, String deliveryId, String body, int attempts, String url, String secret) {
    }

    private static final int BATCH = 50;

    private final Database db;
    private final UrlGuard guard;
    private final InstantSource clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final Thread thread;
    private volatile boolean stopping;

    public Deliverer(Database db, UrlGuard guard, InstantSource clock, Duration poll) {
        this.db = db;
        this.guard = guard;
        this.clock = clock;
        this.thread = new Thread(() -> {
            while (!stopping) {
                try {
                    if (deliverDue() == 0) {
                        Thread.sleep(poll.toMillis()); // polling the outbox table, not waiting for a result
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    try {
                        Thread.sleep(poll.toMillis());
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }, "webhook-deliverer");
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Attempts every due delivery once; returns how many were attempted. */
    public int deliverDue() {
        long now = clock.millis();
        List<Due> due = db.tx(c -> {
            List<Due> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT o.id, o.delivery_id, o.body, o.attempts, w.url, w.secret"
                    + " FROM outbox o JOIN webhooks w ON w.id = o.webhook_id WHERE o.delivered_at IS NULL"
                    + " AND o.next_attempt_at <= ? ORDER BY o.id FETCH FIRST " + BATCH + " ROWS ONLY")) {
                ps.setLong(1, now);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Due(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getString(5),
                                rs.getString(6)));
                    }
                }
            }
            return out;
        });
        for (Due d : due) {
            String error = send(d);
            long at = clock.millis();
            db.tx(c -> {
                try (PreparedStatement ps = c.prepareStatement(error == null
                        ? "UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?"
                        : "UPDATE outbox SET next_attempt_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ?")) {
                    if (error == null) {
                        ps.setLong(1, at);
                        ps.setLong(2, d.id());
                    } else {
                        ps.setLong(1, at + backoffMs(d.attempts() + 1));
                        ps.setString(2, error.length() > 1000 ? error.substring(0, 1000) : error);
                        ps.setLong(3, d.id());
                    }
                    ps.executeUpdate();
                }
                return null;
            });
        }
        return due.size();
    }

    /** The wait after the given number of failed attempts: 1 s, 2 s, 4 s, … capped at one hour. */
    public static long backoffMs(int attempts) {
        return Math.min(3_600_000L, 1000L << Math.min(attempts - 1, 22));
    }

    private String send(Due d) {
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
        stopping = true;
        thread.interrupt();
    }
}
