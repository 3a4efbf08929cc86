package dev.ferry.lab;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.AgentClient;
import dev.ferry.agent.host.Agent;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.server.FerryServer;
import dev.ferry.server.Principal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The controller driving 200 host agents over real HTTP (simulated guests): a campaign on the 20
 * affected hosts, with live migrations several at a time, completes with every rule kept and every
 * guest running on exactly one host, while every agent heartbeats once a second (correctness at
 * scale; speed is bench work: {@code ./bench/fleet}).
 */
class SimulatedFleetTest extends SimulatedHosts {
    private static final int HOSTS = 200;
    private static final int AFFECTED = 20;

    @Test
    void twoHundredAgentsOverHttpCarryACampaignThroughWithEveryRuleKept() throws Exception {
        StringBuilder hosts = new StringBuilder();
        StringBuilder instances = new StringBuilder();
        for (int h = 1; h <= HOSTS; h++) {
            String version = h <= AFFECTED ? "xen-4.4.0" : "xen-4.5.0";
            Agent a = simulatedAgent("h" + h, version, Duration.ofMillis(100));
            hosts.append("  - { id: h").append(h).append(", zone: z").append(h % 2).append(", rack: r").append(h % 10)
                    .append(", cpus: 16, memoryMiB: 16384, hypervisor: ").append(version)
                    .append(", cpuModel: sim, liveMigration: true, agent: \"127.0.0.1:").append(a.port()).append("\" }\n");
            if (h <= AFFECTED) {
                for (int k = 1; k <= 2; k++) {
                    String id = "vm" + h + "-" + k;
                    new AgentClient("127.0.0.1", a.port()).post("/v1/instances", Map.of("id", id, "epoch", 1, "memoryMiB", 256,
                            "dirtyMiBPerSecond", 0));
                    instances.append("  - { id: ").append(id).append(", tenant: t1, host: h").append(h)
                            .append(", cpus: 1, memoryMiB: 256, onHostMaintenance: ").append(k == 1 ? "migrate" : "restart").append(" }\n");
                }
            }
        }
        server = FerryServer.start(FerryServer.Config.defaults(data).withPort(0).withWebhookPoll(null));
        AgentClient api = new AgentClient("http://127.0.0.1:" + server.port(), server.tokens().create(Principal.Role.OPERATOR, null, "t"));
        api.send("PUT", "/v1/inventory", "ferry: fleet/v1\nhosts:\n" + hosts + "instances:\n" + instances
                + "tenants:\n  - { id: t1 }\n", "application/yaml");
        api.send("POST", "/v1/advisories", GuestChecks.ADVISORY, "application/yaml");
        // every agent heartbeats (once a second: 200 reports a second, stored in group commits)
        for (int h = 1; h <= HOSTS; h++) {
            agents.get(h - 1).reportTo("http://127.0.0.1:" + server.port(), server.tokens().create(Principal.Role.AGENT, "h" + h, "h" + h),
                    Duration.ofSeconds(1));
        }
        assertThat(dev.ferry.agent.Poll.until(60_000, 100, () -> server.agentReports().healthByHost().values().stream()
                .allMatch(x -> x.state().equals("up")) ? true : null)).as("every host is up").isTrue();
        String policy = "ferry: policy/v1\nnoticeHours: 0\nsoakMinutes: 0\ncanaryHosts: 0\nmaxHostsInMaintenance: 10\n"
                + "maxHostsPerZone: 5\nzonesAtOnce: 2\ndurations: { patchMinutes: 0, rebootMinutes: 0, restartMinutes: 0 }\n"
                + "liveMigration: { maxDowntimeMs: 300, bandwidthMiBps: 1024, perHost: 2, timeoutSecondsPerGiB: 600, onTimeout: abort }\n";
        String campaign = api.post("/v1/campaigns", Map.of("advisory", "XSA-108", "hypervisors", "agents", "policy", policy))
                .path("id").asText();
        api.post("/v1/campaigns/" + campaign + "/approve", Map.of());
        JsonNode end = GuestChecks.awaitEnd(api, campaign, 300_000);
        assertThat(end).isNotNull();
        assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("completed");
        assertThat(end.path("hostsPatched").asInt()).isEqualTo(AFFECTED);
        List<HistoryRecord> facts = Lab.history(api, campaign);
        GuestChecks.keepsTheRules(server, campaign, facts);
        Map<String, Integer> running = new java.util.HashMap<>();
        for (Agent a : agents) {
            for (JsonNode i : new AgentClient("127.0.0.1", a.port()).get("/v1/host").path("instances")) {
                if (i.path("role").asText().equals("running")) {
                    running.merge(i.path("id").asText(), 1, Integer::sum);
                }
            }
        }
        assertThat(running).hasSize(2 * AFFECTED).allSatisfy((id, copies) -> assertThat(copies).as(id).isEqualTo(1));
        // the patched hosts report the fixed version, and their heartbeats were stored throughout
        assertThat(dev.ferry.agent.Poll.until(60_000, 100, () -> server.agentReports().all().stream()
                .filter(r -> r.version().equals("xen-4.4.1")).count() == AFFECTED ? true : null)).isTrue();
        assertThat(server.agentReports().healthByHost()).hasSize(HOSTS).allSatisfy((h, x) -> assertThat(x.state()).as(h).isEqualTo("up"));
    }
}
