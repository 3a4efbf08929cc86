package dev.ferry.server.api;

import dev.ferry.server.Campaigns;
import dev.ferry.server.TenantData;
import dev.ferry.server.engine.CampaignEngine;
import dev.ferry.server.engine.EngineSnapshot;
import io.javalin.http.sse.SseClient;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The server-sent event streams and their life cycle. Each stream runs in its own virtual thread
 * and its handler returns at once ({@code keepAlive}): the request is then completed by the server
 * when the client goes away or when the stream closes, never behind the back of a handler still
 * running (Javalin 7 loops on errors when a handler returns after Jetty has recycled its request).
 * When the server stops, {@link Campaigns#releaseWatchers()} wakes every stream and
 * {@link #awaitEnded} waits for them before Jetty stops.
 */
final class EventStreams {
    private final Campaigns campaigns;
    private final TenantData tenants;
    private final Function<Campaigns.Row, Object> campaignView;
    private final Function<String, Object> tenantEvents;
    /** Streams still open (each holds a request until its thread ends). */
    private final AtomicInteger open = new AtomicInteger();

    EventStreams(Campaigns campaigns, TenantData tenants, Function<Campaigns.Row, Object> campaignView,
                 Function<String, Object> tenantEvents) {
        this.campaigns = campaigns;
        this.tenants = tenants;
        this.campaignView = campaignView;
        this.tenantEvents = tenantEvents;
    }

    /**
     * While the campaign runs: "progress" with the campaign's view each time its loop publishes (at
     * most four a second), a comment every 15 s to keep proxies from closing an idle stream, and
     * "end" when the campaign has ended.
     */
    void campaign(SseClient client, Campaigns.Row row) {
        detached(client, c -> campaignLoop(c, row));
    }

    /**
     * For a tenant: "events" with the first page of its maintenance events when the stream opens and
     * whenever one of them changes (looked at after each publication of a campaign loop), a comment
     * every 15 s otherwise.
     */
    void tenant(SseClient client, String tenant) {
        detached(client, c -> tenantLoop(c, tenant));
    }

    private void campaignLoop(SseClient client, Campaigns.Row row) {
        String id = row.id();
        try {
            CampaignEngine e = row.active() ? campaigns.awaitEngine(id, 30_000) : campaigns.engine(id);
            client.sendEvent("progress", HttpApi.JSON.writeValueAsString(campaignView.apply(row)));
            if (e == null && row.active()) {
                followStored(client, id); // the loop runs on another controller: its stored progress, once a second
            }
            long seen = -1;
            while (e != null && !client.terminated()) {
                long now = e.awaitPublished(seen, 15_000);
                if (campaigns.closing()) {
                    break;
                }
                if (now == seen) {
                    client.sendComment("keep-alive");
                    continue;
                }
                seen = now;
                EngineSnapshot s = e.snapshot();
                client.sendEvent("progress", HttpApi.JSON.writeValueAsString(campaignView.apply(campaigns.row(id))));
                if (s != null && s.done()) {
                    break;
                }
                Thread.sleep(250); // at most four updates a second per watcher
            }
            if (!campaigns.closing()) {
                client.sendEvent("end", HttpApi.JSON.writeValueAsString(campaignView.apply(campaigns.row(id))));
            }
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
        } catch (java.io.IOException | RuntimeException x) {
            // the watcher went away
        }
    }

    /** A campaign whose loop runs on another controller (this one stands by): its stored progress, sent when it changes. */
    private void followStored(SseClient client, String id) throws InterruptedException, java.io.IOException {
        String sent = null;
        for (long quiet = 0; !client.terminated() && !campaigns.closing(); quiet++) {
            Campaigns.Row r = campaigns.row(id);
            String view = HttpApi.JSON.writeValueAsString(campaignView.apply(r));
            if (!view.equals(sent)) {
                client.sendEvent("progress", view);
                sent = view;
                quiet = 0;
            } else if (quiet % 15 == 14) {
                client.sendComment("keep-alive");
            }
            if (!r.active()) {
                return;
            }
            Thread.sleep(1_000); // polling the database: the loop publishes on the leader only
        }
    }

    private void tenantLoop(SseClient client, String tenant) {
        try {
            String sent = null;
            long seen = -1;
            while (!client.terminated() && !campaigns.closing()) {
                String signature = tenants.eventsSignature(tenant);
                if (!signature.equals(sent)) {
                    client.sendEvent("events", HttpApi.JSON.writeValueAsString(tenantEvents.apply(tenant)));
                    sent = signature;
                }
                // a standby hears of no loop's changes: it looks at the stored events once a second
                long now = campaigns.awaitChange(seen, campaigns.leading() ? 15_000 : 1_000);
                if (now == seen && !campaigns.closing()) {
                    client.sendComment("keep-alive");
                }
                seen = now;
            }
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
        } catch (java.io.IOException | RuntimeException x) {
            // the watcher went away
        }
    }

    private void detached(SseClient client, Consumer<SseClient> body) {
        client.keepAlive();
        open.incrementAndGet();
        Thread.ofVirtual().name("event-stream").start(() -> {
            try {
                body.accept(client);
            } finally {
                synchronized (open) {
                    open.decrementAndGet();
                    open.notifyAll();
                }
                client.close();
            }
        });
    }

    /** Waits (up to the timeout) until every stream has ended. */
    void awaitEnded(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        synchronized (open) {
            while (open.get() > 0) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return;
                }
                open.wait(left);
            }
        }
    }
}
