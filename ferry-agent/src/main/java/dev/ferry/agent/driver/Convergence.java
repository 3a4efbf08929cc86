package dev.ferry.agent.driver;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.AgentClient;
import dev.ferry.agent.Poll;
import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.OnTimeout;
import java.io.IOException;
import java.util.Map;

/**
 * How a live migration on real hosts is brought to an end, by the policy: it starts with a quarter
 * of the policy's downtime limit (at least 1 ms); if pre-copy has not converged by half its
 * completion timeout ({@code timeoutSecondsPerGiB} × GiB), it switches to post-copy when the policy
 * says {@code onTimeout: postcopy} (the migration was started post-copy capable, and in post-copy it
 * is never cancelled: the destination already runs the guest), and otherwise steps the downtime limit
 * up to the policy's whole limit (the blackout tenants were told to expect). A pre-copy still running
 * at the completion timeout is cancelled and reported as not converging, so the campaign takes the
 * policy's on-timeout action (a relocation, with notice). Single-threaded per migration.
 */
final class Convergence {
    /** How long a migration in post-copy may take to finish (it cannot be cancelled safely). */
    static final long POSTCOPY_FINISH_MS = 600_000;

    /** A migration's end: QEMU's record (null: it neither ended nor cancelled), and whether it did not converge. */
    record Outcome(JsonNode result, boolean notConverging, String escalation) {
    }

    private final LiveMigrationPolicy policy;
    private final long memoryMiB;

    Convergence(LiveMigrationPolicy policy, long memoryMiB) {
        this.policy = policy;
        this.memoryMiB = memoryMiB;
    }

    /** The downtime limit a migration starts with. */
    long startingDowntimeMs() {
        return Math.max(1, policy.maxDowntime().toMillis() / 4);
    }

    /** The migration is started post-copy capable (both ends): the policy's timeout action is post-copy, or the campaign asks for it. */
    /**
     * The source's migrate call: to where the destination's incoming call answered ({@code host},
     * {@code port}, and what a libvirt destination adds, passed on as it came), at the starting
     * downtime limit, with the policy's bandwidth and auto-converge.
     */
    Map<String, Object> migrateBody(JsonNode incoming, double bandwidthMiBps, boolean postcopy) {
        Map<String, Object> settings = new java.util.LinkedHashMap<>();
        settings.put("host", incoming.get("host").asText());
        settings.put("port", incoming.get("port").asInt());
        String backend = incoming.path("backend").asText();
        if (backend.equals("libvirt") || backend.equals("simulated")) {
            for (String passed : java.util.List.of("backend", "libvirtUri", "guestDir", "epoch")) {
                settings.put(passed, incoming.get(passed)); // what the source's side needs, as the destination said
            }
        }
        settings.put("downtimeLimitMs", startingDowntimeMs());
        settings.put("maxBandwidthBytesPerSecond", (long) (bandwidthMiBps * (1 << 20)));
        settings.put("autoConverge", true);
        settings.put("postcopy", postcopy);
        return settings;
    }

    boolean postcopyCapable(boolean asked) {
        return asked || policy.onTimeout() == OnTimeout.POSTCOPY;
    }

    /** The completion timeout: {@code timeoutSecondsPerGiB} for each GiB (at least one), and ten seconds. */
    long completionTimeoutMs() {
        return policy.timeoutPerGiB().toMillis() * Math.max(1, memoryMiB) / 1024 + 10_000;
    }

    /** What happens when pre-copy has not converged by half the completion timeout. */
    String escalation(boolean postcopyCapable) {
        return postcopyCapable && policy.onTimeout() == OnTimeout.POSTCOPY ? "postcopy" : "downtime";
    }

    /**
     * A migration that did not complete: its prepared destination is stopped, unless it was switched
     * to post-copy (the destination may then hold the only current copy: it is left as it is, and
     * the source's agent never runs its stale copy again).
     */
    void abandon(Outcome o, AgentClient dst, String id) {
        if (!"postcopy".equals(o.escalation())) {
            AgentCalls.stopQuietly(dst, id);
        }
    }

    /** Why a migration that did not complete failed, for the history. */
    String failure(Outcome o) {
        String why = !o.notConverging() ? "" : "did not converge in " + completionTimeoutMs() / 1000 + " s" + ("downtime".equals(
                o.escalation()) ? " (downtime limit stepped up to " + policy.maxDowntime().toMillis() + " ms)" : "") + "; ";
        return why + "migration " + o.result().path("status").asText() + ": " + o.result().path("error").asText("");
    }

    /** Waits for the migration of {@code id} from {@code src}, escalating as the policy says. */
    Outcome await(AgentClient src, String id, boolean postcopyCapable) throws Exception {
        long timeout = completionTimeoutMs();
        JsonNode result = Poll.until(timeout / 2, 20, () -> AgentCalls.ended(src, id));
        if (result != null) {
            return new Outcome(result, false, null);
        }
        String step = escalation(postcopyCapable);
        try {
            if (step.equals("postcopy")) {
                src.post("/v1/instances/" + id + "/migration/postcopy", Map.of());
                return new Outcome(Poll.until(POSTCOPY_FINISH_MS, 20, () -> AgentCalls.ended(src, id)), false, step);
            }
            src.post("/v1/instances/" + id + "/migration/downtime", Map.of("downtimeLimitMs", policy.maxDowntime().toMillis()));
        } catch (IOException e) {
            // it ended meanwhile (409: no pre-copy any more), or the agent is away: the wait below tells
        }
        result = Poll.until(timeout - timeout / 2, 20, () -> AgentCalls.ended(src, id));
        if (result != null) {
            return new Outcome(result, false, step);
        }
        if (src.get("/v1/instances/" + id + "/migration").path("status").asText().startsWith("postcopy")) {
            // switched before a restart of the controller: the destination runs the guest, it must finish
            return new Outcome(Poll.until(POSTCOPY_FINISH_MS, 20, () -> AgentCalls.ended(src, id)), false, "postcopy");
        }
        src.post("/v1/instances/" + id + "/migration/cancel", Map.of());
        return new Outcome(Poll.until(60_000, 20, () -> AgentCalls.ended(src, id)), true, step);
    }
}
