package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.host.Agent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Host agents report to the controller with a token bound to their host, and only for that host. */
class AgentReportTest {
    @TempDir
    Path dir;

    @Test
    void anAgentReportsForItsOwnHostOnlyAndTheControllerListsWhatItSaid() throws Exception {
        try (TestServer s = new TestServer(dir, "h2")) {
            TestServer.Seeded seeded = s.seed(20, 1);
            String h1 = s.server.inventory().current().fleet().host(0).id();
            String h2 = s.server.inventory().current().fleet().host(1).id();
            TestServer.Response made = s.post("/v1/tokens", s.operator, "{\"role\":\"agent\",\"host\":\"" + h1 + "\",\"name\":\"agent " + h1 + "\"}");
            assertThat(made.status()).as(made.body()).isEqualTo(201);
            String token = made.json().get("token").asText();
            assertThat(s.post("/v1/tokens", s.operator, "{\"role\":\"agent\",\"host\":\"no-such-host\",\"name\":\"x\"}").status())
                    .isEqualTo(400);

            String report = "{\"host\":\"%s\",\"version\":\"xen-4.4.0\",\"instances\":[]}";
            assertThat(s.post("/v1/agent/report", token, report.formatted(h1)).status()).isEqualTo(200);
            TestServer.Response other = s.post("/v1/agent/report", token, report.formatted(h2));
            assertThat(other.status()).isEqualTo(403);
            assertThat(other.json().get("detail").asText()).contains("reports for host " + h1 + " only");
            // roles by path: an agent token is nothing else, and nobody else is an agent
            assertThat(s.get("/v1/inventory", token).status()).isEqualTo(403);
            assertThat(s.get("/v1/tenant/events", token).status()).isEqualTo(403);
            assertThat(s.post("/v1/agent/report", s.operator, report.formatted(h1)).status()).isEqualTo(403);
            assertThat(s.post("/v1/agent/report", seeded.tenantTokens().get(0)[1], report.formatted(h1)).status()).isEqualTo(403);
            assertThat(s.get("/v1/me", token).json().get("role").asText()).isEqualTo("agent");

            // a real agent (no guests: no QEMU needed) reporting on its own, then after a reboot on the new version
            Agent agent = Agent.start(new Agent.Config(h1, "127.0.0.1", 0, dir.resolve("agent"), "xen-4.4.0", "qemu-system-x86_64",
                    Duration.ofMillis(100), s.base, token, Duration.ofMillis(100)));
            try {
                java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
                http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + agent.port() + "/v1/reboot"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"version\":\"xen-4.4.1\",\"force\":false}")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                JsonNode listed = awaitReport(s, h1, "xen-4.4.1");
                assertThat(listed.get("instances").isArray()).isTrue();
            } finally {
                agent.close();
            }
            assertThat(s.count("SELECT COUNT(*) FROM audit WHERE action = 'agent.version' AND actor = ?", "agent:" + h1)).isEqualTo(2);
            assertThat(s.count("SELECT COUNT(*) FROM agent_reports")).isEqualTo(1);
        }
    }

    /**
     * The version an agent reports is the truth about its host: a host patched outside Ferry stops
     * counting as affected (audited), a proposal whose plan would patch it is superseded at
     * approval, and the next proposal leaves it out.
     */
    @Test
    void aHostPatchedOutsideFerryStopsCountingAsAffected() throws Exception {
        try (TestServer s = new TestServer(dir, "h2")) {
            s.seed(200, 1); // 15 affected hosts: the second campaign has steps left when one is patched outside Ferry
            String first = s.propose(1);
            List<String> affected = new ArrayList<>();
            s.get("/v1/campaigns/" + first + "/plan", s.operator).json().get("affectedHosts").forEach(h -> affected.add(h.asText()));
            String patched = affected.get(0);
            String token = s.post("/v1/tokens", s.operator, "{\"role\":\"agent\",\"host\":\"" + patched + "\",\"name\":\"a\"}")
                    .json().get("token").asText();
            assertThat(s.post("/v1/agent/report", token, "{\"host\":\"" + patched + "\",\"version\":\"xen-4.4.1\",\"instances\":[]}")
                    .status()).isEqualTo(200);

            assertThat(s.count("SELECT COUNT(*) FROM hosts WHERE id = ? AND hypervisor = 'xen-4.4.1'", patched)).isEqualTo(1);
            assertThat(s.count("SELECT COUNT(*) FROM audit WHERE action = 'inventory.reconcile' AND target = ?", patched)).isEqualTo(1);
            TestServer.Response approve = s.post("/v1/campaigns/" + first + "/approve", s.operator, null);
            assertThat(approve.status()).isEqualTo(409);
            assertThat(approve.json().get("detail").asText()).contains(patched);
            String second = s.propose(1);
            List<String> now = new ArrayList<>();
            s.get("/v1/campaigns/" + second + "/plan", s.operator).json().get("affectedHosts").forEach(h -> now.add(h.asText()));
            assertThat(now).doesNotContain(patched).hasSize(affected.size() - 1);
            // the same report again changes nothing
            s.post("/v1/agent/report", token, "{\"host\":\"" + patched + "\",\"version\":\"xen-4.4.1\",\"instances\":[]}");
            assertThat(s.count("SELECT COUNT(*) FROM audit WHERE action = 'inventory.reconcile'")).isEqualTo(1);

            // while a campaign runs, reports do not change the inventory under it; after it ends, they do
            assertThat(s.post("/v1/campaigns/" + second + "/approve", s.operator, null).status()).isEqualTo(200);
            String other = s.server.inventory().current().fleet().hosts().stream().map(h -> h.id())
                    .filter(h -> !affected.contains(h)).findFirst().orElseThrow();
            String otherToken = s.post("/v1/tokens", s.operator, "{\"role\":\"agent\",\"host\":\"" + other + "\",\"name\":\"b\"}")
                    .json().get("token").asText();
            String upgraded = "{\"host\":\"" + other + "\",\"version\":\"xen-4.7.0\",\"instances\":[]}";
            assertThat(s.post("/v1/agent/report", otherToken, upgraded).status()).isEqualTo(200);
            assertThat(s.get("/v1/campaigns/" + second, s.operator).json().get("state").asText()).isEqualTo("running");
            assertThat(s.count("SELECT COUNT(*) FROM audit WHERE action = 'inventory.reconcile'")).isEqualTo(1);
            s.runToEnd(second);
            assertThat(s.post("/v1/agent/report", otherToken, upgraded).status()).isEqualTo(200);
            assertThat(s.count("SELECT COUNT(*) FROM hosts WHERE id = ? AND hypervisor = 'xen-4.7.0'", other)).isEqualTo(1);
        }
    }

    private static String health(TestServer s, String host) {
        for (JsonNode h : s.get("/v1/hosts?limit=500", s.operator).json().get("items")) {
            if (h.get("id").asText().equals(host)) {
                return h.has("health") ? h.get("health").asText() : null;
            }
        }
        throw new AssertionError("no host " + host);
    }

    /** A host whose agent falls silent is suspect after 30 s and down after 2 min; each change is audited. */
    @Test
    void aSilentHostBecomesSuspectThenDownAndEachChangeIsAudited() {
        try (TestServer s = new TestServer(dir, "h2")) {
            s.seed(20, 1);
            var fleet = s.server.inventory().current().fleet();
            String h1 = fleet.host(0).id();
            String version = fleet.host(0).hypervisor();
            String token = s.post("/v1/tokens", s.operator, "{\"role\":\"agent\",\"host\":\"" + h1 + "\",\"name\":\"a\"}")
                    .json().get("token").asText();
            String report = "{\"host\":\"" + h1 + "\",\"version\":\"" + version + "\",\"instances\":[]}";
            assertThat(health(s, h1)).as("no agent, no report: no health").isNull();
            assertThat(s.post("/v1/agent/report", token, report).status()).isEqualTo(200);
            assertThat(health(s, h1)).isEqualTo("up");
            assertThat(s.server.agentReports().watch()).isEmpty();

            s.clock.advanceMillis(31_000);
            assertThat(health(s, h1)).isEqualTo("suspect");
            assertThat(s.server.agentReports().watch()).extracting(AgentReports.Health::state).containsExactly("suspect");
            s.clock.advanceMillis(90_000);
            assertThat(health(s, h1)).isEqualTo("down");
            assertThat(s.server.agentReports().watch()).extracting(AgentReports.Health::state).containsExactly("down");
            assertThat(s.server.agentReports().watch()).as("no change, no audit").isEmpty();
            assertThat(s.post("/v1/agent/report", token, report).status()).isEqualTo(200);
            assertThat(s.server.agentReports().watch()).extracting(AgentReports.Health::state).containsExactly("up");
            assertThat(s.count("SELECT COUNT(*) FROM audit WHERE action = 'host.health' AND target = ?", h1)).isEqualTo(3);
            assertThat(s.get("/v1/agents", s.operator).json().get("items").get(0).get("health").asText()).isEqualTo("up");
        }
    }

    /**
     * A controller that has just started counts a host's silence from its own start: a host whose last
     * stored report is older than the down threshold is not down until it has been silent that long
     * since (it was not listening before).
     */
    @Test
    void silenceBeforeTheControllerStartedIsNotCounted() {
        try (TestServer s = new TestServer(dir, "h2")) {
            AgentReports reports = s.server.agentReports();
            long lastBeforeTheStart = s.clock.millis() - 10 * 60_000; // stored by a controller that stopped ten minutes ago
            assertThat(reports.health("h1", lastBeforeTheStart).state()).isEqualTo("up");
            s.clock.advanceMillis(31_000);
            assertThat(reports.health("h1", lastBeforeTheStart).state()).isEqualTo("suspect");
            s.clock.advanceMillis(90_000);
            assertThat(reports.health("h1", lastBeforeTheStart).state()).as("silent 2 min since the start").isEqualTo("down");
            assertThat(reports.health("h1", lastBeforeTheStart).lastReportAt()).as("the report's own time is kept")
                    .isEqualTo(lastBeforeTheStart);
        }
    }

    private static JsonNode awaitReport(TestServer s, String host, String version) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode r : s.get("/v1/agents", s.operator).json().get("items")) {
                if (r.get("host").asText().equals(host) && r.get("version").asText().equals(version)) {
                    return r;
                }
            }
            Thread.sleep(50); // the agent reports on its own period
        }
        throw new AssertionError("no report of " + host + " on " + version);
    }

    /** Host and agent lists page in the order of the hosts' ids, whatever the inventory's order (h2 comes after h10). */
    @Test
    void hostAndAgentPagesFollowTheIdsAndCoverEveryHostOnce() {
        try (TestServer s = new TestServer(dir, "h2")) {
            StringBuilder fleet = new StringBuilder("ferry: fleet/v1\nhosts:\n");
            for (int h = 1; h <= 25; h++) {
                fleet.append("  - { id: h").append(h).append(", zone: z").append(h % 2).append(", rack: r1, cpus: 8, memoryMiB: 8192,")
                        .append(" hypervisor: xen-4.5.0, cpuModel: m }\n");
            }
            assertThat(s.send("PUT", "/v1/inventory", s.operator, fleet + "instances: []\ntenants: []\n", "Content-Type",
                    "application/yaml").status()).isEqualTo(200);
            List<String> paged = new ArrayList<>();
            String cursor = null;
            do {
                JsonNode page = s.get("/v1/hosts?limit=7" + (cursor == null ? "" : "&cursor=" + cursor), s.operator).json();
                page.get("items").forEach(h -> paged.add(h.get("id").asText()));
                cursor = page.path("next").isTextual() ? page.path("next").asText() : null;
            } while (cursor != null);
            assertThat(paged).hasSize(25).doesNotHaveDuplicates().isSorted();
            for (String h : List.of("h3", "h10", "h2")) {
                String token = s.post("/v1/tokens", s.operator, "{\"role\":\"agent\",\"host\":\"" + h + "\",\"name\":\"" + h + "\"}")
                        .json().get("token").asText();
                assertThat(s.post("/v1/agent/report", token, "{\"host\":\"" + h + "\",\"version\":\"xen-4.5.0\",\"instances\":[]}")
                        .status()).isEqualTo(200);
            }
            JsonNode first = s.get("/v1/agents?limit=2", s.operator).json();
            assertThat(first.get("items")).extracting(a -> a.get("host").asText()).containsExactly("h10", "h2");
            JsonNode second = s.get("/v1/agents?limit=2&cursor=" + first.get("next").asText(), s.operator).json();
            assertThat(second.get("items")).extracting(a -> a.get("host").asText()).containsExactly("h3");
            assertThat(second.path("next").isTextual()).as("the last page").isFalse();
        }
    }
}
