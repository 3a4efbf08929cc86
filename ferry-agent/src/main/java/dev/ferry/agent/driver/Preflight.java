package dev.ferry.agent.driver;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.AgentClient;
import dev.ferry.core.model.Fleet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Checks, before a campaign starts on the agents, that they match the inventory. Stateless. */
public final class Preflight {
    private Preflight() {
    }

    /**
     * Before a campaign starts on the agents: does every host's agent answer, as that host, with the
     * version the inventory says, running the instances the inventory places there? The problems
     * found (at most {@code limit}), empty when the agents match. Agents are asked many at a time
     * ({@link AgentCalls#askAll}); one that has not answered within {@code timeout} does not answer.
     */
    public static List<String> check(Fleet fleet, Duration timeout, int limit) throws InterruptedException {
        return check(fleet, timeout, limit, null);
    }

    /** As {@link #check(Fleet, Duration, int)}, over mutual TLS when {@code tls} is given (null: plain HTTP). */
    public static List<String> check(Fleet fleet, Duration timeout, int limit, dev.ferry.agent.tls.FleetTls tls)
            throws InterruptedException {
        List<AgentClient> clients = AgentCalls.clients(fleet, 0, tls);
        AgentCalls.Asked[] views = AgentCalls.askAll(clients, "/v1/host", timeout);
        List<List<Integer>> placed = new ArrayList<>();
        for (int h = 0; h < clients.size(); h++) {
            placed.add(new ArrayList<>());
        }
        for (int i = 0; i < fleet.instances().size(); i++) {
            placed.get(fleet.hostOf(i)).add(i);
        }
        List<String> out = new ArrayList<>();
        for (int h = 0; h < views.length && out.size() < limit; h++) {
            var host = fleet.host(h);
            if (views[h].answer() != null) {
                out.addAll(preflight(fleet, h, views[h].answer(), placed.get(h)));
            } else if (views[h].error() != null) {
                out.add(host.id() + ": its agent at " + host.agent() + " does not answer (" + views[h].error() + ")");
            } else {
                out.add(host.id() + ": its agent at " + host.agent() + " does not answer within " + timeout.toSeconds() + " s");
            }
        }
        return out.size() > limit ? out.subList(0, limit) : out;
    }

    private static List<String> preflight(Fleet fleet, int h, JsonNode view, List<Integer> placedHere) {
        List<String> out = new ArrayList<>();
        var host = fleet.host(h);
        if (!host.id().equals(view.path("host").asText())) {
            out.add(host.id() + ": the agent at " + host.agent() + " answers as host " + view.path("host").asText());
            return out;
        }
        if (!host.hypervisor().equals(view.path("version").asText())) {
            out.add(host.id() + ": runs " + view.path("version").asText() + ", the inventory says " + host.hypervisor());
        }
        Set<String> running = new HashSet<>();
        for (JsonNode in : view.path("instances")) {
            if (in.path("alive").asBoolean() && in.path("role").asText().equals("running")) {
                running.add(in.path("id").asText());
            }
        }
        for (int i : placedHere) {
            if (!running.contains(fleet.instance(i).id())) {
                out.add(host.id() + ": " + fleet.instance(i).id() + " is not running there, as the inventory says");
            }
        }
        return out;
    }
}
