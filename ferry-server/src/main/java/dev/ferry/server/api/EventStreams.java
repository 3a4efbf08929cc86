package dev.ferry.server.api;

import dev.ferry.server.Campaigns;
import dev.ferry.server.TenantData;
import dev.ferry.server.engine.CampaignEngine;
import dev.ferry.server.engine.EngineSnapshot;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The server-sent event streams and their life cycle. Each stream runs in its request's own handler
 * (a virtual thread, as every request here) and is written straight to the response
 * ({@link EventStream}); the handler returns when the stream ends or its client has gone. It is
 * not Javalin's asynchronous {@code sse()}: that resumes the request's pipeline when the stream
 * closes, and when the client had gone first Jetty had already completed and recycled the request,
 * so the after-handlers and then Javalin's own error handling failed on it, over and over (Javalin
 * 7.2 retries a failing exception handler without end: 11 million log lines in one CI run). A
 * handler still running keeps its request. When the server stops,
 * {@link Campaigns#releaseWatchers()} wakes every stream and {@link #awaitEnded} waits for them
 * before Jetty stops.
 */
final class EventStreams {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EventStreams.class);

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
    void campaign(Context ctx, Campaigns.Row row) {
        run(ctx, s -> campaignLoop(s, row));
    }

    /**
     * For a tenant: "events" with the first page of its maintenance events when the stream opens and
     * whenever one of them changes (looked at after each publication of a campaign loop), a comment
     * every 15 s otherwise.
     */
    void tenant(Context ctx, String tenant) {
        run(ctx, s -> tenantLoop(s, tenant));
    }

    private void campaignLoop(EventStream client, Campaigns.Row row) throws IOException, InterruptedException {
        String id = row.id();
        CampaignEngine e = row.active() ? campaigns.awaitEngine(id, 30_000) : campaigns.engine(id);
        client.event("progress", HttpApi.JSON.writeValueAsString(campaignView.apply(row)));
        if (e == null && row.active()) {
            followStored(client, id); // the loop runs on another controller: its stored progress, once a second
        }
        long seen = -1;
        while (e != null) {
            long now = e.awaitPublished(seen, 15_000);
            if (campaigns.closing()) {
                break;
            }
            if (now == seen) {
                client.comment("keep-alive");
                continue;
            }
            seen = now;
            EngineSnapshot s = e.snapshot();
            client.event("progress", HttpApi.JSON.writeValueAsString(campaignView.apply(campaigns.row(id))));
            if (s != null && s.done()) {
                break;
            }
            Thread.sleep(250); // at most four updates a second per watcher
        }
        if (!campaigns.closing()) {
            client.event("end", HttpApi.JSON.writeValueAsString(campaignView.apply(campaigns.row(id))));
        }
    }

    /** A campaign whose loop runs on another controller (this one stands by): its stored progress, sent when it changes. */
    private void followStored(EventStream client, String id) throws InterruptedException, IOException {
        String sent = null;
        for (long quiet = 0; !campaigns.closing(); quiet++) {
            Campaigns.Row r = campaigns.row(id);
            String view = HttpApi.JSON.writeValueAsString(campaignView.apply(r));
            if (!view.equals(sent)) {
                client.event("progress", view);
                sent = view;
                quiet = 0;
            } else if (quiet % 15 == 14) {
                client.comment("keep-alive");
            }
            if (!r.active()) {
                return;
            }
            Thread.sleep(1_000); // polling the database: the loop publishes on the leader only
        }
    }

    private void tenantLoop(EventStream client, String tenant) throws IOException, InterruptedException {
        String sent = null;
        long seen = -1;
        while (!campaigns.closing()) {
            String signature = tenants.eventsSignature(tenant);
            if (!signature.equals(sent)) {
                client.event("events", HttpApi.JSON.writeValueAsString(tenantEvents.apply(tenant)));
                sent = signature;
            }
            // a standby hears of no loop's changes: it looks at the stored events once a second
            long now = campaigns.awaitChange(seen, campaigns.leading() ? 15_000 : 1_000);
            if (now == seen && !campaigns.closing()) {
                client.comment("keep-alive");
            }
            seen = now;
        }
    }

    /** A stream's body: it ends by returning, or with the IOException of writing to a client that has gone. */
    @FunctionalInterface
    private interface Body {
        void run(EventStream stream) throws IOException, InterruptedException;
    }

    /** Runs a stream in this request's handler, counted while it is open; a client that went away ends it quietly. */
    private void run(Context ctx, Body body) {
        open.incrementAndGet();
        try {
            body.run(EventStream.open(ctx));
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
        } catch (IOException x) {
            // the watcher went away
        } catch (RuntimeException x) {
            // the stream has begun (200): no problem answer can follow it; it ends, and the client may open it again
            LOG.warn("an event stream ended on an error", x);
        } finally {
            synchronized (open) {
                open.decrementAndGet();
                open.notifyAll();
            }
        }
    }

    /** How many streams are open now. */
    int open() {
        return open.get();
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
