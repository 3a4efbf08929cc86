package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.server.engine.CampaignEngine;
import dev.ferry.store.TestPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three controllers, each its own process, on one PostgreSQL, a campaign running: the leader is
 * killed ({@code kill -9}) at random moments, again and again, and once stalled (SIGSTOP) past its
 * lease and then let go on. A standby takes over each time and resumes the campaign by replay; the
 * surviving controllers answer the API throughout; the stalled leader, woken up, finds its term
 * over and stops. In the end the campaign's stored history keeps every safety rule, holds every
 * effect key once, and is exactly the history of the same campaign run by one controller without
 * a single failure.
 */
class ClusterFailoverTest {
    private static final int KILLS = Integer.getInteger("ferry.cluster.kills", 10);
    private static final long LEASE_MS = 1_000;
    private static final String POLICY = "ferry: policy/v1\nnoticeHours: 0\nmaxHostsInMaintenance: 3\nmaxHostsPerZone: 1\n";

    @TempDir
    Path dir;

    @TempDir
    Path reference;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private String operator;
    /** Every controller process started, killed at the end whatever happened. */
    private final List<ControllerProcess> started = new ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void killAll() throws Exception {
        for (ControllerProcess p : started) {
            if (p.process().isAlive()) {
                p.stall(false);
            }
            p.kill();
        }
    }

    private ControllerProcess spawn(String url, String name) throws IOException {
        ControllerProcess p = ControllerProcess.start(dir, "--jdbc-url", url, "--node", name, "--lease-ms", Long.toString(LEASE_MS));
        started.add(p);
        return p;
    }

    @Test
    void theLeaderKilledOrStalledAgainAndAgainLosesNothingAndDoesNothingTwice() throws Exception {
        String url = TestPostgres.newDatabaseUrl();
        Instant t0 = Instant.now();
        String campaign;
        long predicted;
        try (TestServer s = TestServer.reopen(dir, url)) {
            s.clock.set(t0);
            s.seed(60, 1);
            operator = s.operator;
            JsonNode p = s.post("/v1/campaigns", operator, TestServer.json(ControllerTest.map("advisory", TestServer.ADVISORY_ID,
                    "seed", 11, "policy", POLICY))).json();
            predicted = p.get("predictedSeconds").asLong();
            campaign = p.get("id").asText();
            // paced to outlast the failures below
            double accel = Math.max(1, predicted / (KILLS * 6.0));
            s.server.database().tx(c -> {
                try (var ps = c.prepareStatement("UPDATE campaigns SET accel = ? WHERE id = ?")) {
                    ps.setDouble(1, accel);
                    ps.setString(2, campaign);
                    return ps.executeUpdate();
                }
            });
        }

        List<Node> nodes = new ArrayList<>();
        int named = 0;
        for (; named < 3; named++) {
            nodes.add(new Node("n" + named, spawn(url, "n" + named)));
        }
        Node leader = leader(nodes, null);
        Node standby = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
        // approved on a standby: the leader starts its loop
        assertThat(post(standby.process.port(), "/v1/campaigns/" + campaign + "/approve")).isEqualTo(200);

        SplittableRandom random = new SplittableRandom(KILLS);
        List<Long> failovers = new ArrayList<>();
        long lastTerm = term(standby);
        for (int k = 0; k < KILLS; k++) {
            Thread.sleep(300 + random.nextInt(1200)); // a random kill point: nothing is waited for
            Node old = leader(nodes, null);
            long began = System.nanoTime();
            old.process.kill();
            nodes.remove(old);
            Node next = leader(nodes, old.name);
            failovers.add((System.nanoTime() - began) / 1_000_000);
            long term = term(next);
            assertThat(term).as("a new leader, a higher term").isGreaterThan(lastTerm);
            lastTerm = term;
            for (Node n : nodes) {
                JsonNode c = get(n.process.port(), "/v1/campaigns/" + campaign);
                assertThat(c.path("state").asText()).as("after kill " + (k + 1) + ", " + n.name + " answers").isIn("running",
                        "completed");
            }
            nodes.add(new Node("n" + named, spawn(url, "n" + named)));
            named++;
        }

        // stalled past its lease: a standby takes over; woken up, the old leader finds its term over
        Node stalled = leader(nodes, null);
        long stalledTerm = term(stalled);
        long began = System.nanoTime();
        stalled.process.stall(true);
        List<Node> others = new ArrayList<>(nodes);
        others.remove(stalled);
        Node successor = leader(others, stalled.name);
        long stallFailover = (System.nanoTime() - began) / 1_000_000;
        assertThat(term(successor)).isGreaterThan(stalledTerm);
        stalled.process.stall(false);
        awaitRole(stalled, "standby"); // the woken leader read the lease, found its term over and stood down

        System.out.printf("cluster failover: %d kills, new leader after max %d ms, median %d ms (lease %d ms); stall: %d ms%n",
                KILLS, failovers.stream().mapToLong(x -> x).max().orElse(0), failovers.stream().sorted().toList()
                        .get(failovers.size() / 2), LEASE_MS, stallFailover);
        for (Node n : nodes) {
            n.process.kill();
        }

        // finished by one controller, far in the future, on the same database; then the same campaign without a failure
        List<HistoryRecord> after;
        try (TestServer s = TestServer.reopen(dir.resolve("last"), url)) {
            after = ResumedCampaign.finish(s, awaitEngine(s, campaign), campaign);
        }
        ResumedCampaign.assertSameAsUninterrupted(after, campaign, reference, t0, POLICY, Math.max(1, predicted / (KILLS * 6.0)));
    }

    private record Node(String name, ControllerProcess process) {
    }

    /** The controller that holds a valid lease, other than {@code not}, as the nodes see it (waited for, 30 s at most). */
    private Node leader(List<Node> nodes, String not) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            for (Node n : nodes) {
                JsonNode c = get(n.process.port(), "/v1/cluster");
                JsonNode l = c.path("leader");
                if (l.path("leaseValid").asBoolean() && !l.path("node").asText().equals(not)) {
                    for (Node m : nodes) {
                        if (m.name.equals(l.path("node").asText()) && health(m).equals("leader")) {
                            return m;
                        }
                    }
                }
            }
            Thread.sleep(20); // polling the controllers for the outcome of a takeover
        }
        throw new AssertionError("no leader among " + nodes.stream().map(Node::name).toList());
    }

    private void awaitRole(Node n, String role) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!health(n).equals(role)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(n.name + " is not " + role + ":\n" + n.process.output());
            }
            Thread.sleep(20); // polling the controller's health
        }
    }

    private long term(Node n) throws IOException, InterruptedException {
        return get(n.process.port(), "/v1/cluster").path("term").asLong();
    }

    private String health(Node n) throws IOException, InterruptedException {
        return get(n.process.port(), "/health").path("role").asText();
    }

    private static CampaignEngine awaitEngine(TestServer s, String campaign) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (s.server.campaigns().engine(campaign) == null) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the controller did not take the lease");
            }
            Thread.sleep(20); // the killed leader's lease runs out first
        }
        return s.server.campaigns().engine(campaign);
    }

    private JsonNode get(int port, String path) throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + operator).GET().build();
        return TestServer.JSON.readTree(http.send(r, HttpResponse.BodyHandlers.ofString()).body());
    }

    private int post(int port, String path) throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + operator).POST(HttpRequest.BodyPublishers.noBody()).build();
        return http.send(r, HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
