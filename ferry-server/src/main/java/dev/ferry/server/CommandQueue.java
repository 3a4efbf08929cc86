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

    /** Queues the command; with {@code waitMs} > 0 waits that long for the leader's outcome (null: none yet). */
    Command.Outcome send(String campaign, Command command, long waitMs) {
        long id = store.enqueue(campaign, EngineStore.asInput(command), clock.millis());
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
        long pollMs = 20;
        while (waitMs > 0) {
            Optional<ClusterStore.Outcome> o = store.outcome(id);
            if (o.isPresent()) {
                return decode(o.get());
            }
            if (System.nanoTime() > deadline) {
                throw Refused.unavailable("the leading controller did not answer for campaign " + campaign
                        + " (a failover may be under way); ask again", 5L);
            }
            try {
                Thread.sleep(pollMs); // polling the database for the leader's answer
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Refused.unavailable("interrupted", null);
            }
            pollMs = Math.min(200, pollMs * 2);
        }
        return null;
    }

    /**
     * The leader's side: hands what is queued to the loops ({@code engines}: a campaign's loop here,
     * or null) and stores each outcome when the loop answers. Returns how many it took.
     */
    int takeUp(long term, Function<String, CampaignEngine> engines) {
        List<ClusterStore.QueuedCommand> taken = store.take(term, BATCH);
        for (ClusterStore.QueuedCommand q : taken) {
            Command c = EngineStore.command(q.input());
            if (c.requestId() != null && store.applied(q.campaign(), c.requestId())) {
                answer(q.id(), new Command.Outcome(true, "applied (before a change of leader)"));
                continue;
            }
            CampaignEngine e = engines.apply(q.campaign());
            if (e == null) {
                answer(q.id(), new Command.Outcome(false, "campaign " + q.campaign() + " is not running"));
                continue;
            }
            e.submit(c).whenComplete((o, failure) -> answer(q.id(), failure != null
                    ? new Command.Outcome(false, "the campaign loop failed: " + failure.getMessage()) : o));
        }
        return taken.size();
    }

    private void answer(long id, Command.Outcome o) {
        ObjectNode n = JSON.createObjectNode();
        n.put("accepted", o.accepted()).put("message", o.message());
        if (o.value() != null) {
            n.put("value", o.value());
        }
        if (o.reason() != null) {
            n.put("reason", o.reason().name());
        }
        store.answer(id, o.accepted(), n.toString(), clock.millis());
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
