package dev.ferry.agent.driver;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.AgentClient;
import dev.ferry.core.model.Fleet;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Checks, before a campaign starts on the agents, that they match the inventory. Stateless. */
public final class Preflight {
    private Preflight() {
    }

    /**
     * Before a campaign starts on the agents: does every host's agent answer, as that host, with the
     * version the inventory says, running the instances the inventory places there? The problems
     * found (at most {@code limit}), empty when the agents match. Agents are asked in parallel; one
     * that has not answered within {@code timeout} does not answer.
     */
    public static List<String> check(Fleet fleet, Duration timeout, int limit) throws InterruptedException {
        return check(fleet, timeout, limit, null);
    }

    /** As {@link #check(Fleet, Duration, int)}, over mutual TLS when {@code tls} is given (null: plain HTTP). */
    public static List<String> check(Fleet fleet, Duration timeout, int limit, dev.ferry.agent.tls.FleetTls tls)
            throws InterruptedException {
        List<AgentClient> clients = AgentCalls.clients(fleet, 0, tls);
        List<CompletableFuture<List<String>>> checks = new ArrayList<>();
        for (int h = 0; h < clients.size(); h++) {
            int host = h;
            CompletableFuture<List<String>> f = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    f.complete(preflight(fleet, host, clients.get(host).get("/v1/host")));
                } catch (IOException | InterruptedException e) {
                    f.complete(List.of(fleet.host(host).id() + ": its agent at " + fleet.host(host).agent() + " does not answer ("
                            + e.getMessage() + ")"));
                }
            });
            checks.add(f);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> out = new ArrayList<>();
        for (int h = 0; h < checks.size() && out.size() < limit; h++) {
            try {
                out.addAll(checks.get(h).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (TimeoutException | ExecutionException e) {
                out.add(fleet.host(h).id() + ": its agent at " + fleet.host(h).agent() + " does not answer within "
                        + timeout.toSeconds() + " s");
            }
        }
        return out.size() > limit ? out.subList(0, limit) : out;
    }

    private static List<String> preflight(Fleet fleet, int h, JsonNode view) {
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
        for (int i = 0; i < fleet.instances().size(); i++) {
            if (fleet.hostOf(i) == h && !running.contains(fleet.instance(i).id())) {
                out.add(host.id() + ": " + fleet.instance(i).id() + " is not running there, as the inventory says");
            }
        }
        return out;
    }
}
