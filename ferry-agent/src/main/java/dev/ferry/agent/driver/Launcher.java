package dev.ferry.agent.driver;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.AgentClient;
import dev.ferry.core.campaign.Effect;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Instance;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Starting instances on the agents for the driver, with the epochs agents see: {@code epochBase} +
 * 8 × the sequence number of the effect that asks for the start (an effect's key is "op/sequence")
 * + the attempt (a QEMU that failed to start is tried again, up to {@value #START_ATTEMPTS} times).
 */
final class Launcher {
    static final int START_ATTEMPTS = 3;

    private final Fleet fleet;
    private final List<AgentClient> agents;
    private final long epochBase;

    Launcher(Fleet fleet, List<AgentClient> agents, long epochBase) {
        this.fleet = fleet;
        this.agents = agents;
        this.epochBase = epochBase;
    }

    /** The agent's copy was started for this effect (by one of its attempts). */
    boolean startedFor(JsonNode copy, Effect e) {
        long epoch = copy.path("epoch").asLong();
        return epoch >= agentEpoch(e, 0) && epoch < agentEpoch(e, START_ATTEMPTS);
    }

    /** The epoch an agent sees for a start asked for by this effect (first attempt). */
    long agentEpoch(Effect e) {
        return agentEpoch(e, 0);
    }

    long agentEpoch(Effect e, int attempt) {
        String key = e.key();
        return epochBase + 8 * Long.parseLong(key.substring(key.lastIndexOf('/') + 1)) + attempt;
    }

    /**
     * Starts instance {@code i} on host {@code h} for an effect, trying again (with the next epoch) when
     * QEMU does not come up; an agent's refusal (a stale epoch, a copy running there) is not tried again.
     */
    void launch(int i, int h, Effect cause) throws IOException, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                launch(i, h, agentEpoch(cause, attempt));
                return;
            } catch (AgentClient.Refused r) {
                if (r.status() != 502 || attempt + 1 == START_ATTEMPTS) {
                    throw r;
                }
                System.err.println("ferry: driver: " + fleet.instance(i).id() + " did not start on " + fleet.host(h).id()
                        + " (" + r.getMessage() + "); trying again");
            }
        }
    }

    void launch(int i, int h, long agentEpoch) throws IOException, InterruptedException {
        Instance inst = fleet.instance(i);
        agents.get(h).post("/v1/instances", Map.of("id", inst.id(), "epoch", agentEpoch, "memoryMiB", inst.memoryMiB(),
                "dirtyMiBPerSecond", (int) Math.round(inst.dirtyRateMiBps())));
    }

    /** Host {@code h}'s agent's view of one instance, null when it has none; an unreachable agent is an IOException. */
    JsonNode find(int h, String id) throws IOException, InterruptedException {
        for (JsonNode in : AgentCalls.instancesOn(agents.get(h))) {
            if (in.path("id").asText().equals(id)) {
                return in;
            }
        }
        return null;
    }
}
