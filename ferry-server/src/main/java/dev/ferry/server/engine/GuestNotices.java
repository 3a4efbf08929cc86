package dev.ferry.server.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.agent.AgentClient;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Tells the agents of the events of the guests they run ({@code PUT /v1/instances/{id}/events/{event}}),
 * so that the guests read them from their metadata listeners and notice ports. Sent before the
 * moves of the same round are dispatched, in order per host (one queue per agent, so a later change
 * never overtakes an earlier one), hosts in parallel. The round waits for them at most
 * {@value #WAIT_MS} ms, and not at all for an agent whose last notice failed or took longer than
 * that (until one goes through in time), so a host that is down, slow or cut off does not slow the
 * campaign. Best effort: the tenant's notice is the API, stream and webhook; this is the copy
 * inside the guest.
 */
final class GuestNotices {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GuestNotices.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final long WAIT_MS = 5_000;

    /** One change of an event, for the agent of {@code host} (index in the fleet). */
    record Notice(int host, EngineStore.EventChange change) {
    }

    private final String campaign;
    private final List<AgentClient> agents;
    /** Per host, its notices in order. */
    private final Map<Integer, ExecutorService> queues = new ConcurrentHashMap<>();
    /** Hosts whose agent did not take its last notice in time: not waited for. */
    private final Set<Integer> late = ConcurrentHashMap.newKeySet();

    GuestNotices(String campaign, List<AgentClient> agents) {
        this.campaign = campaign;
        this.agents = agents;
    }

    /** Queues the notices and waits for those of agents that answer in time (at most {@value #WAIT_MS} ms). */
    void tell(List<Notice> notices) throws InterruptedException {
        Map<Integer, CompletableFuture<Void>> awaited = new LinkedHashMap<>();
        for (Notice n : notices) {
            ExecutorService q = queues.computeIfAbsent(n.host(), h -> Executors.newSingleThreadExecutor(Thread.ofVirtual().factory()));
            CompletableFuture<Void> f = CompletableFuture.runAsync(() -> send(n), q);
            if (!late.contains(n.host())) {
                awaited.put(n.host(), f); // the queue is in order: the host's last notice is the one to wait for
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
        } catch (ExecutionException e) {
            LOG.warn("campaign {}: telling guests failed: {}", campaign, e.getCause().toString());
        }
    }

    private void send(Notice n) {
        EngineStore.EventChange c = n.change();
        long began = System.nanoTime();
        try {
            agents.get(n.host()).send("PUT", "/v1/instances/" + c.instance() + "/events/" + c.eventId(), body(c), "application/json");
            answered(n.host(), began);
        } catch (AgentClient.Refused e) {
            answered(n.host(), began); // it answered (the instance is not there, say)
            LOG.info("campaign {}: {}'s agent refused event {} of {}: {}", campaign, n.host(), c.eventId(), c.instance(), e.getMessage());
        } catch (IOException e) {
            late.add(n.host());
            LOG.info("campaign {}: {}'s agent did not take event {} of {}: {}", campaign, n.host(), c.eventId(), c.instance(),
                    e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void answered(int host, long began) {
        if ((System.nanoTime() - began) / 1_000_000 < WAIT_MS) {
            late.remove(host);
        }
    }

    /** The campaign's loop has ended: what is queued is still sent, then the queues end. */
    void close() {
        queues.values().forEach(ExecutorService::shutdown);
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
