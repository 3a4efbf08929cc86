package dev.ferry.agent.driver;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.AgentClient;
import dev.ferry.core.model.Fleet;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Where every instance runs, learnt from the host agents when a controller takes up a campaign
 * again: from the report each agent sent by itself after the restart (its heartbeat, which carries
 * what it runs), else by asking it. At 10,000 agents asking every one took 37.6 s, while their
 * heartbeats bring the same answer within one period.
 */
public final class Adoption {
    /** How long the agents are asked for at most; one that has not answered by then is taken as running nothing. */
    static final Duration ASK_FOR = Duration.ofMinutes(2);
    /** How often the reports are read again while the agents are asked. */
    static final long READ_EVERY_MS = 1_000;

    private Adoption() {
    }

    /**
     * The reports host agents sent by themselves after the restart, those stored since the last
     * call: host index → the report's {@code instances} (each with id, role and alive).
     */
    public interface Reports {
        Map<Integer, JsonNode> sinceLastCall();
    }

    /** Adds the reports stored since the last read to {@code fresh}; a read that fails is said once and tried again next time. */
    private static void read(Reports reported, Map<Integer, JsonNode> fresh, boolean[] said) {
        try {
            fresh.putAll(reported.sinceLastCall());
        } catch (RuntimeException e) {
            if (!said[0]) {
                System.err.println("ferry: driver: the agents' reports could not be read (those without one are asked): " + e);
                said[0] = true;
            }
        }
    }

    /**
     * An instance in an agent's view ({@code GET /v1/host}'s or its report's {@code instances}) runs on
     * that host: alive, and running or migrating out (a migration's source runs it until the switch-over).
     */
    public static boolean runsHere(JsonNode instance) {
        String role = instance.path("role").asText();
        return instance.path("alive").asBoolean() && (role.equals("running") || role.equals("migrating-out"));
    }

    /** Per instance the host an agent runs it on (alive, running or migrating out), −1 where none does; how many agents were asked. */
    record Learnt(int[] hostOf, int asked) {
    }

    /**
     * Reads the reports, then asks the agents with none ({@value AgentCalls#ASK_AT_ONCE} at a time, in
     * host order) while reading the reports again every {@value #READ_EVERY_MS} ms: an agent whose
     * report came meanwhile is not asked. A read that fails (a database too busy just then) is tried again a second later.
     */
    static Learnt learn(Fleet fleet, List<AgentClient> agents, Reports reported) throws InterruptedException {
        Map<Integer, JsonNode> fresh = new ConcurrentHashMap<>();
        CountDownLatch done = new CountDownLatch(1);
        boolean[] said = {false};
        read(reported, fresh, said);
        // not interrupted: a read in the middle of its query finishes (an interrupt would close a pooled connection's socket)
        Thread reader = Thread.ofVirtual().name("adopt-reports").start(() -> {
            try {
                while (!done.await(READ_EVERY_MS, TimeUnit.MILLISECONDS)) {
                    read(reported, fresh, said);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        AgentCalls.Asked[] all;
        try {
            all = AgentCalls.askAll(agents, "/v1/host", ASK_FOR, fresh::containsKey);
        } finally {
            done.countDown();
            reader.join();
        }
        int[] hostOf = new int[fleet.instances().size()];
        Arrays.fill(hostOf, -1);
        int asked = 0;
        for (int h = 0; h < agents.size(); h++) {
            JsonNode answer = all[h].answer();
            asked += answer != null || all[h].error() != null ? 1 : 0;
            JsonNode list = answer != null ? answer.path("instances") : fresh.get(h);
            for (JsonNode in : list == null ? List.<JsonNode>of() : list) {
                int i = fleet.instanceIndex(in.path("id").asText());
                if (i >= 0 && runsHere(in)) {
                    hostOf[i] = h;
                }
            }
        }
        return new Learnt(hostOf, asked);
    }
}
