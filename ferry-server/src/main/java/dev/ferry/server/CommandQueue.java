package dev.ferry.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.core.history.RefusalReason;
import dev.ferry.server.engine.CampaignEngine;
import dev.ferry.server.engine.Command;
import dev.ferry.server.engine.EngineStore;
import dev.ferry.store.ClusterStore;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Commands to a running campaign received by a controller that does not run its loop (a standby,
 * or the leader before its loop is up): queued in the database, taken up by the leader, which
 * hands each to its loop (the loop logs it as an input, as any command) and stores the outcome,
 * which the receiving controller waits for. A command a former leader applied before it died is
 * recognised by its request id among the logged inputs and not applied again. Thread-safe.
 */
final class CommandQueue {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 50;

    private final ClusterStore store;
    private final InstantSource clock;

    CommandQueue(ClusterStore store, InstantSource clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * Queues the command; with {@code waitMs} > 0 waits that long for the leader's outcome. A
     * command no leader took by then is withdrawn (503: nothing was done, ask again); one a leader
     * took is waited for a while longer, its outcome being on its way (503 if it does not come:
     * look at the campaign before asking again). Null without waiting.
     */
    Command.Outcome send(String campaign, Command command, long waitMs) {
        long id = store.enqueue(campaign, EngineStore.asInput(command), clock.millis());
        if (waitMs <= 0) {
            return null;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
        boolean withdrawable = true;
        long pollMs = 20;
        while (true) {
            Optional<ClusterStore.Outcome> o = store.outcome(id);
            if (o.isPresent()) {
                return decode(o.get());
            }
            if (System.nanoTime() > deadline) {
                if (withdrawable && store.withdraw(id, clock.millis())) {
                    throw Refused.unavailable("no leading controller took the command for campaign " + campaign
                            + " (a failover may be under way); nothing was done, ask again", 5L);
                }
                if (!withdrawable) {
                    throw Refused.unavailable("the leading controller took the command for campaign " + campaign
                            + " but its outcome did not come back; look at the campaign before asking again", 5L);
                }
                withdrawable = false; // taken: its loop is on it
                deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
            }
            try {
                Thread.sleep(pollMs); // polling the database for the leader's answer
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Refused.unavailable("interrupted", null);
            }
            pollMs = Math.min(200, pollMs * 2);
        }
    }

    /**
     * The leader's side: hands what is queued to the loops ({@code engines}: a campaign's loop here,
     * or null) and stores each outcome when the loop answers. Returns how many it took.
     */
    int takeUp(long term, Function<String, CampaignEngine> engines) {
        List<ClusterStore.QueuedCommand> taken = store.take(term, BATCH);
        java.util.Set<List<String>> seen = new java.util.HashSet<>();
        for (ClusterStore.QueuedCommand q : taken) {
            try {
                handOver(q, term, engines, seen);
            } catch (RuntimeException e) {
                answer(q.id(), term, new Command.Outcome(false, "the command could not be handed to the campaign's loop: "
                        + e.getMessage()));
            }
        }
        return taken.size();
    }

    private void handOver(ClusterStore.QueuedCommand q, long term, Function<String, CampaignEngine> engines,
                          java.util.Set<List<String>> seen) {
        Command c = EngineStore.command(q.input());
        // the same request for the same thing: applied once (before a change of leader, or earlier in this batch)
        boolean repeat = c.requestId() != null && (!seen.add(java.util.Arrays.asList(q.campaign(), c.requestId(),
                q.input().kind(), q.input().instance())) || store.applied(q.campaign(), c.requestId(), q.input().kind(),
                q.input().instance()));
        if (repeat) {
            answer(q.id(), term, new Command.Outcome(true, "applied (the same request came before)"));
            return;
        }
        CampaignEngine e = engines.apply(q.campaign());
        if (e == null) {
            answer(q.id(), term, new Command.Outcome(false, "campaign " + q.campaign() + " is not running"));
            return;
        }
        e.submit(c).whenComplete((o, failure) -> answer(q.id(), term, failure != null
                ? new Command.Outcome(false, "the campaign loop failed: " + failure.getMessage()) : o));
    }

    /** Stores the outcome unless this leader's term is over (then the next leader answers the command). */
    private void answer(long id, long term, Command.Outcome o) {
        ObjectNode n = JSON.createObjectNode();
        n.put("accepted", o.accepted()).put("message", o.message());
        if (o.value() != null) {
            n.put("value", o.value());
        }
        if (o.reason() != null) {
            n.put("reason", o.reason().name());
        }
        try {
            store.answer(id, term, o.accepted(), n.toString(), clock.millis());
        } catch (RuntimeException e) {
            // the database is away: the command stays taken by this term; the next leader (or this one) answers it
        }
    }

    private static Command.Outcome decode(ClusterStore.Outcome o) {
        try {
            JsonNode n = JSON.readTree(o.text());
            return new Command.Outcome(o.ok(), n.path("message").asText(null), n.hasNonNull("value") ? n.get("value").asText() : null,
                    n.hasNonNull("reason") ? RefusalReason.valueOf(n.get("reason").asText()) : null);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return new Command.Outcome(o.ok(), o.text());
        }
    }
}
