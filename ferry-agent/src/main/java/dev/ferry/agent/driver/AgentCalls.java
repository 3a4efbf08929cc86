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

    /** Agents asked at once when every agent is asked (a preflight, what they run after a controller's restart). */
    static final int ASK_AT_ONCE = 64;

    /** An agent's answer, or why there is none (null for both: it did not answer in time). */
    record Asked(JsonNode answer, String error) {
    }

    /**
     * Asks every agent for {@code path} (a GET), {@value #ASK_AT_ONCE} at a time, for at most
     * {@code timeout} in all: 10,000 agents are asked in seconds, unreachable ones wait out their
     * timeouts side by side, and one that has not answered by then has an empty {@link Asked}.
     */
    static Asked[] askAll(List<AgentClient> agents, String path, java.time.Duration timeout) throws InterruptedException {
        return askAll(agents, path, timeout, h -> false);
    }

    /** {@link #askAll(List, String, java.time.Duration)}, less the agents {@code known} holds when their turn comes (empty {@link Asked}). */
    static Asked[] askAll(List<AgentClient> agents, String path, java.time.Duration timeout, java.util.function.IntPredicate known)
            throws InterruptedException {
        var out = new java.util.concurrent.atomic.AtomicReferenceArray<Asked>(agents.size());
        long deadline = System.nanoTime() + timeout.toNanos();
        java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(ASK_AT_ONCE);
        var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        try {
            for (int h = 0; h < agents.size(); h++) {
                if (!slots.tryAcquire(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS)) {
                    break; // out of time: the rest are not asked
                }
                if (known.test(h)) {
                    slots.release(); // known meanwhile: not asked
                    continue;
                }
                int host = h;
                pool.submit(() -> {
                    try {
                        out.set(host, new Asked(agents.get(host).get(path), null));
                    } catch (IOException e) {
                        out.set(host, new Asked(null, String.valueOf(e.getMessage())));
                    } finally {
                        slots.release();
                    }
                    return null;
                });
            }
            pool.shutdown();
            pool.awaitTermination(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
        } finally {
            pool.shutdownNow();
        }
        Asked[] answered = new Asked[agents.size()];
        for (int h = 0; h < answered.length; h++) {
            Asked a = out.get(h);
            answered[h] = a == null ? new Asked(null, null) : a;
        }
        return answered;
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

    /** How long one read of a migration waits at the agent for its end (a long poll; Poll.until asks again after it). */
    static final long MIGRATION_WAIT_MS = 5_000;

    /**
     * The migration's record once it ended (completed, failed or cancelled); null while it runs.
     * The agent holds the request until the migration ends or {@link #MIGRATION_WAIT_MS} pass, so
     * hundreds of migrations under way cost a few requests a second, not thousands.
     */
    static JsonNode ended(AgentClient src, String id) throws IOException, InterruptedException {
        JsonNode r = src.get("/v1/instances/" + id + "/migration?waitMs=" + MIGRATION_WAIT_MS);
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
