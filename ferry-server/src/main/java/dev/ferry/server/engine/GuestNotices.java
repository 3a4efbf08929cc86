package dev.ferry.server.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.agent.AgentClient;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Tells the agents of the events of the guests they run ({@code PUT /v1/instances/{id}/events/{event}}),
 * so that the guests read them from their metadata listeners and notice ports. Sent before the
 * moves of the same round are dispatched, one instance's changes in their order, instances in
 * parallel; the round waits for them at most {@value #WAIT_MS} ms, and not at all for an agent
 * whose last notice failed or was late (until it takes one again), so a host that is down or cut
 * off does not slow the campaign. Best effort: the tenant's notice is the API, stream and webhook;
 * this is the copy inside the guest.
 */
final class GuestNotices {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GuestNotices.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final long WAIT_MS = 5_000;

    /** One change of an event, for the agent of {@code host} (index in the fleet). */
    record Notice(int host, EngineStore.EventChange change) {
        boolean open() {
            return switch (change.state()) {
                case COMPLETED, CANCELLED -> false;
                default -> true;
            };
        }
    }

    private final String campaign;
    private final List<AgentClient> agents;
    /** Hosts whose agent did not take its last notice in time: not waited for. */
    private final java.util.Set<Integer> late = java.util.concurrent.ConcurrentHashMap.newKeySet();

    GuestNotices(String campaign, List<AgentClient> agents) {
        this.campaign = campaign;
        this.agents = agents;
    }

    /** Sends the notices and waits for the answers (at most {@value #WAIT_MS} ms). */
    void tell(List<Notice> notices) throws InterruptedException {
        if (notices.isEmpty()) {
            return;
        }
        Map<String, List<Notice>> byInstance = new LinkedHashMap<>();
        notices.forEach(n -> byInstance.computeIfAbsent(n.change().instance(), k -> new ArrayList<>()).add(n));
        Map<Integer, CompletableFuture<Void>> awaited = new LinkedHashMap<>();
        for (List<Notice> ofOne : byInstance.values()) {
            CompletableFuture<Void> f = CompletableFuture.runAsync(() -> ofOne.forEach(this::send), r -> Thread.ofVirtual().start(r));
            int host = ofOne.get(0).host();
            if (!late.contains(host)) {
                awaited.merge(host, f, CompletableFuture::allOf);
            }
        }
        try {
            CompletableFuture.allOf(awaited.values().toArray(CompletableFuture[]::new)).get(WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            awaited.forEach((host, f) -> {
                if (!f.isDone()) {
                    late.add(host);
                }
            });
            LOG.info("campaign {}: agents of hosts {} have not taken their guests' notices within {} ms; going on", campaign, late,
                    WAIT_MS);
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.warn("campaign {}: telling guests failed: {}", campaign, e.getCause().toString());
        }
    }

    private void send(Notice n) {
        EngineStore.EventChange c = n.change();
        try {
            agents.get(n.host()).send("PUT", "/v1/instances/" + c.instance() + "/events/" + c.eventId(), body(c), "application/json");
            late.remove(n.host());
        } catch (AgentClient.Refused e) {
            late.remove(n.host()); // it answered (the instance is not there, say)
            LOG.info("campaign {}: {}'s agent refused event {} of {}: {}", campaign, n.host(), c.eventId(), c.instance(), e.getMessage());
        } catch (IOException e) {
            late.add(n.host());
            LOG.info("campaign {}: {}'s agent did not take event {} of {}: {}", campaign, n.host(), c.eventId(), c.instance(),
                    e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String body(EngineStore.EventChange c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", c.kind());
        m.put("state", c.state().name().toLowerCase(java.util.Locale.ROOT));
        m.put("notBefore", Instant.ofEpochMilli(c.notBeforeWallMs()).toString());
        m.put("notAfter", c.notAfterWallMs() == 0 ? null : Instant.ofEpochMilli(c.notAfterWallMs()).toString());
        m.put("notBeforeDeadline", Instant.ofEpochMilli(c.deadlineWallMs()).toString());
        m.put("description", c.detail());
        m.put("expectedDowntimeMs", c.kind().equals("live-migrate") ? c.blackoutMs() : null);
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
