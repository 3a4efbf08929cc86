package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.agent.AgentClient;
import dev.ferry.agent.host.Agent;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A campaign on agents is approved only when the agents match the inventory: here one host's agent
 * does not answer, the other runs another version and not the instance the inventory places on it.
 * The approval is refused with each problem named, and nothing starts. (No QEMU needed: the agent
 * only answers for its host.)
 */
class AgentPreflightTest {
    @TempDir
    Path data;

    @TempDir
    Path agentData;

    @Test
    void aCampaignWhoseAgentsDoNotMatchTheInventoryIsNotApproved() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort(); // nothing listens here once it is closed
        }
        try (Agent h1 = Agent.start(new Agent.Config("h1", "127.0.0.1", 0, agentData, "xen-4.4.2", "/nonexistent/qemu",
                Duration.ofSeconds(1)));
             FerryServer server = FerryServer.start(FerryServer.Config.defaults(data).withPort(0).withWebhookPoll(null))) {
            AgentClient api = new AgentClient("http://127.0.0.1:" + server.port(), server.tokens().create(Principal.Role.OPERATOR,
                    null, "test"));
            api.send("PUT", "/v1/inventory", "ferry: fleet/v1\nhosts:\n"
                    + "  - { id: h1, zone: z, rack: r, cpus: 8, memoryMiB: 4096, hypervisor: xen-4.4.0, cpuModel: qemu64,"
                    + " agent: \"127.0.0.1:" + h1.port() + "\" }\n"
                    + "  - { id: h2, zone: z, rack: r, cpus: 8, memoryMiB: 4096, hypervisor: xen-4.5.0, cpuModel: qemu64,"
                    + " agent: \"127.0.0.1:" + closed + "\" }\n"
                    + "instances:\n  - { id: vm1, tenant: t1, host: h1, cpus: 1, memoryMiB: 32 }\ntenants:\n  - { id: t1 }\n",
                    "application/yaml");
            api.send("POST", "/v1/advisories", "ferry: advisory/v1\nid: XSA-108\ntitle: t\naffects:\n"
                    + "  - { hypervisor: \"xen-4.4.*\", cpuModel: \"*\" }\nfixedVersion: xen-4.4.1\nrequiresReboot: true\n"
                    + "disclosure: 2030-01-01T00:00:00Z\n", "application/yaml");
            String id = api.post("/v1/campaigns", Map.of("advisory", "XSA-108", "hypervisors", "agents")).path("id").asText();
            assertThat(api.get("/v1/campaigns/" + id).path("hypervisors").asText()).isEqualTo("agents");

            AgentClient.Refused refused = org.junit.jupiter.api.Assertions.assertThrows(AgentClient.Refused.class,
                    () -> api.post("/v1/campaigns/" + id + "/approve", Map.of()));
            assertThat(refused.status()).isEqualTo(409);
            assertThat(refused.getMessage()).contains("h1: runs xen-4.4.2, the inventory says xen-4.4.0",
                    "h1: vm1 is not running there", "h2: its agent at 127.0.0.1:" + closed + " does not answer");
            assertThat(api.get("/v1/campaigns/" + id).path("state").asText()).isEqualTo("proposed");
            assertThat(server.campaigns().engines()).isEmpty();
        }
    }

    @Test
    void aCampaignOnAgentsNeedsEveryHostsAgentAndRealTime() throws Exception {
        try (FerryServer server = FerryServer.start(FerryServer.Config.defaults(data).withPort(0).withWebhookPoll(null))) {
            AgentClient api = new AgentClient("http://127.0.0.1:" + server.port(), server.tokens().create(Principal.Role.OPERATOR,
                    null, "test"));
            api.send("PUT", "/v1/inventory", "ferry: fleet/v1\nhosts:\n"
                    + "  - { id: h1, zone: z, rack: r, cpus: 8, memoryMiB: 4096, hypervisor: xen-4.4.0, cpuModel: qemu64,"
                    + " agent: \"127.0.0.1:9\" }\n"
                    + "  - { id: h2, zone: z, rack: r, cpus: 8, memoryMiB: 4096, hypervisor: xen-4.5.0, cpuModel: qemu64 }\n"
                    + "instances: []\ntenants: []\n", "application/yaml");
            api.send("POST", "/v1/advisories", "ferry: advisory/v1\nid: XSA-108\ntitle: t\naffects:\n"
                    + "  - { hypervisor: \"xen-4.4.*\", cpuModel: \"*\" }\nfixedVersion: xen-4.4.1\nrequiresReboot: true\n"
                    + "disclosure: 2030-01-01T00:00:00Z\n", "application/yaml");
            AgentClient.Refused noAgent = org.junit.jupiter.api.Assertions.assertThrows(AgentClient.Refused.class,
                    () -> api.post("/v1/campaigns", Map.of("advisory", "XSA-108", "hypervisors", "agents")));
            assertThat(noAgent.status()).isEqualTo(409);
            assertThat(noAgent.getMessage()).contains("none for h2");
            AgentClient.Refused accelerated = org.junit.jupiter.api.Assertions.assertThrows(AgentClient.Refused.class,
                    () -> api.post("/v1/campaigns", Map.of("advisory", "XSA-108", "hypervisors", "agents", "accel", 60)));
            assertThat(accelerated.status()).isEqualTo(400);
            AgentClient.Refused unknown = org.junit.jupiter.api.Assertions.assertThrows(AgentClient.Refused.class,
                    () -> api.post("/v1/campaigns", Map.of("advisory", "XSA-108", "hypervisors", "vmware")));
            assertThat(unknown.status()).isEqualTo(400);
            assertThat(api.get("/v1/campaigns").path("items")).isEmpty();
        }
    }
}
