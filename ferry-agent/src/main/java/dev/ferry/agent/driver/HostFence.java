package dev.ferry.agent.driver;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.AgentClient;
import dev.ferry.core.campaign.Input;
import dev.ferry.core.history.Fact;
import dev.ferry.core.model.Fleet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Fences hosts that went down, for {@link AgentDriver}: the host's agent stops every guest if it
 * answers; if it does not, the newer placement epochs of the restarts elsewhere fence it, and its
 * agent is asked again until it answers, to stop any stale copy it still runs. Thread-safe.
 */
final class HostFence implements AutoCloseable {
    /** The driver's stop fact of an instance it has on the host, or null. */
    interface Stops {
        Fact stopIfHere(int instance, int host);
    }

    private final Fleet fleet;
    private final List<AgentClient> agents;
    private final AgentDriver.Answers answers;
    private final Stops stops;

    HostFence(Fleet fleet, List<AgentClient> agents, AgentDriver.Answers answers, Stops stops) {
        this.fleet = fleet;
        this.agents = agents;
        this.answers = answers;
        this.stops = stops;
    }

    /**
     * A host that went down: if its agent answers, it stops every guest of the campaign's it has
     * (each a stop fact); if it does not, the host is fenced by epochs: every restart elsewhere
     * carries a newer one, so the agent refuses to start an old copy again, and it is asked again
     * until it answers to stop any copy it still runs ({@link #reap}).
     */
    void fence(int h) throws InterruptedException {
        List<Fact> facts = new ArrayList<>();
        Fact.Fence how = Fact.Fence.STOPPED_BY_AGENT;
        try {
            for (JsonNode in : AgentCalls.instancesOn(agents.get(h))) {
                String id = in.path("id").asText();
                int i = fleet.instanceIndex(id);
                if (i < 0) {
                    continue; // not the campaign's (launched since it began): not its to stop
                }
                if (in.path("alive").asBoolean()) {
                    agents.get(h).post("/v1/instances/" + id + "/stop", Map.of());
                }
                Fact stop = stops.stopIfHere(i, h);
                if (stop != null) {
                    facts.add(stop);
                }
            }
        } catch (IOException e) {
            how = Fact.Fence.EPOCHS_SUPERSEDED;
            reap(h);
        }
        answers.answer(facts, new Input.HostFenced(h, how));
    }

    private final List<Thread> reapers = new ArrayList<>();
    private volatile boolean closed;

    /**
     * The agent of a host fenced by epochs is asked again (after 1 s, doubling to 30 s) until it
     * answers; then every copy of the campaign's instances it still runs is stopped: the campaign
     * places nothing there any more, so any copy is a stale one.
     */
    private void reap(int h) {
        Thread t = Thread.ofVirtual().name("reaper-" + fleet.host(h).id()).unstarted(() -> {
            for (long wait = 1_000; !closed; wait = Math.min(wait * 2, 30_000)) {
                try {
                    for (JsonNode in : AgentCalls.instancesOn(agents.get(h))) {
                        String id = in.path("id").asText();
                        if (fleet.instanceIndex(id) >= 0 && in.path("alive").asBoolean()) {
                            agents.get(h).post("/v1/instances/" + id + "/stop", Map.of());
                            System.err.println("ferry: driver: stopped a stale copy of " + id + " on fenced host " + fleet.host(h).id());
                        }
                    }
                    return;
                } catch (IOException e) {
                    try {
                        Thread.sleep(wait); // the agent is still away: ask again later
                    } catch (InterruptedException stop) {
                        return;
                    }
                } catch (InterruptedException stop) {
                    return;
                }
            }
        });
        synchronized (reapers) {
            reapers.add(t);
        }
        t.start();
    }

    @Override
    public void close() {
        closed = true;
        synchronized (reapers) {
            reapers.forEach(Thread::interrupt);
        }
    }
}
