package dev.ferry.agent.driver;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.AgentClient;
import dev.ferry.agent.Poll;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** The calls to agents that the driver makes in more than one place, and the agents of a fleet. Stateless. */
public final class AgentCalls {
    private AgentCalls() {
    }

    /** The agents by host index, from the fleet's {@code agent} addresses (host:port). */
    public static List<AgentClient> clients(dev.ferry.core.model.Fleet fleet) {
        return clients(fleet, 0, null);
    }

    /**
     * The fleet's agents, each call carrying the leader's {@code term} (0: none), over mutual TLS
     * when {@code tls} is given (each agent must present its own host's certificate), else plain HTTP.
     */
    public static List<AgentClient> clients(dev.ferry.core.model.Fleet fleet, long term, dev.ferry.agent.tls.FleetTls tls) {
        return clients(fleet, term, tls, () -> true);
    }

    /** As above, each command sent only while {@code mayCommand} says so (the leader's lease, by its own clock). */
    public static List<AgentClient> clients(dev.ferry.core.model.Fleet fleet, long term, dev.ferry.agent.tls.FleetTls tls,
                                            java.util.function.BooleanSupplier mayCommand) {
        List<AgentClient> out = new java.util.ArrayList<>();
        for (var h : fleet.hosts()) {
            if (h.agent() == null) {
                throw new IllegalArgumentException("host " + h.id() + " has no agent address");
            }
            out.add(client(h.agent(), h.id(), term, tls).withGuard(mayCommand));
        }
        return out;
    }

    /** The agent of {@code host} at {@code address} (host:port): over mutual TLS when {@code tls} is given. */
    public static AgentClient client(String address, String host, long term, dev.ferry.agent.tls.FleetTls tls) {
        AgentClient c = new AgentClient("http://" + address, null).withTerm(term);
        return tls == null ? c : c.withTls(tls, new dev.ferry.agent.tls.FleetTls.Identity(dev.ferry.agent.tls.FleetCa.Role.AGENT, host));
    }

    /** What the agent runs (or holds): its {@code /v1/host} instances; an unreachable agent is an IOException. */
    static JsonNode instancesOn(AgentClient a) throws IOException, InterruptedException {
        return a.get("/v1/host").path("instances");
    }

    /** The agent answers at all. */
    static boolean reachable(AgentClient a) throws InterruptedException {
        try {
            a.get("/v1/host");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The migration's record once it ended (completed, failed or cancelled); null while it runs. */
    static JsonNode ended(AgentClient src, String id) throws IOException, InterruptedException {
        JsonNode r = src.get("/v1/instances/" + id + "/migration");
        String status = r.path("status").asText();
        return List.of("completed", "failed", "cancelled").contains(status) || status.startsWith("timeout:") ? r : null;
    }

    /** The migration's record, null when the agent has none (it restarted since). */
    static JsonNode migrationOf(AgentClient src, String id) throws InterruptedException {
        try {
            return src.get("/v1/instances/" + id + "/migration");
        } catch (IOException e) {
            return null; // none recorded (the source agent restarted since)
        }
    }

    /** Waits until the agent reports the instance running; an IOException when it does not within the time. */
    static void awaitRunning(AgentClient dst, String id, long timeoutMs) throws Exception {
        Boolean running = Poll.until(timeoutMs, 20, () -> {
            for (JsonNode i : dst.get("/v1/host").path("instances")) {
                if (i.path("id").asText().equals(id) && i.path("role").asText().equals("running")) {
                    return true;
                }
            }
            return null;
        });
        if (running == null) {
            throw new IOException("the destination does not report " + id + " running");
        }
    }

    /** Stops the instance; false when the agent does not answer (nothing happened). */
    static boolean stopped(AgentClient a, String id) throws InterruptedException, IOException {
        try {
            a.post("/v1/instances/" + id + "/stop", Map.of());
            return true;
        } catch (AgentClient.Refused r) {
            throw r; // it answered: no
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops the instance, ignoring that it may never have started or may have died. */
    static void stopQuietly(AgentClient a, String id) {
        try {
            a.post("/v1/instances/" + id + "/stop", Map.of());
        } catch (IOException | InterruptedException e) {
            // it may never have started, or died
        }
    }
}
