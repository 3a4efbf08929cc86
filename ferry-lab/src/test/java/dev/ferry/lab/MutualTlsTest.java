package dev.ferry.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.AgentClient;
import dev.ferry.agent.Poll;
import dev.ferry.agent.host.Agent;
import dev.ferry.agent.host.GuestSerial;
import dev.ferry.agent.tls.FleetCa;
import dev.ferry.agent.tls.FleetTls;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.server.FerryServer;
import dev.ferry.server.Principal;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Controller and agents over mutual TLS with certificates of one fleet CA (made by {@link FleetCa}
 * as {@code ferry ca} does): an agent refuses a caller without a certificate, with one of another
 * CA, or with an agent's certificate rather than a controller's; the controller takes an answer
 * only from the certificate of the host it called; an agent reports with its certificate (no
 * token) for its own host only; and a campaign on the agents live-migrates a guest over it.
 */
class MutualTlsTest {
    @TempDir
    Path ca;

    @TempDir
    Path otherCa;

    @TempDir
    Path data;

    @TempDir
    Path agentData;

    private final List<Agent> agents = new ArrayList<>();
    private FerryServer server;

    @AfterEach
    void stop() {
        for (Agent a : agents) {
            a.stopAll();
            a.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void onlyTheControllerCommandsAgentsAndEachAgentSpeaksOnlyForItsOwnHost() throws Exception {
        String qemu = RequireQemu.find();
        List<String> local = List.of("127.0.0.1", "localhost");
        FleetCa.init(ca, "test fleet CA", Duration.ofDays(1));
        FleetCa.issue(ca, FleetCa.Role.CONTROLLER, "c1", local, Duration.ofDays(1), ca);
        FleetCa.issue(ca, FleetCa.Role.AGENT, "h1", local, Duration.ofDays(1), ca);
        FleetCa.issue(ca, FleetCa.Role.AGENT, "h2", local, Duration.ofDays(1), ca);
        FleetCa.init(otherCa, "someone else's CA", Duration.ofDays(1));
        FleetCa.issue(otherCa, FleetCa.Role.CONTROLLER, "c1", local, Duration.ofDays(1), otherCa);
        FleetTls controllerTls = FleetTls.load(ca, "c1");
        FleetTls h1Tls = FleetTls.load(ca, "h1");
        FleetTls h2Tls = FleetTls.load(ca, "h2");
        FleetTls foreign = FleetTls.load(otherCa, "c1");

        server = FerryServer.start(FerryServer.Config.defaults(data).withPort(0).withTls(controllerTls).withPlainAgents(false));
        String controllerUrl = "https://127.0.0.1:" + server.port();
        String[] versions = {"xen-4.4.0", "xen-4.5.0"};
        FleetTls[] own = {h1Tls, h2Tls};
        for (int h = 0; h < 2; h++) {
            agents.add(Agent.start(new Agent.Config("h" + (h + 1), "127.0.0.1", 0, agentData.resolve("h" + (h + 1)), versions[h],
                    new dev.ferry.agent.host.QemuHypervisor(qemu), Duration.ofMillis(300), controllerUrl, null, Duration.ofMillis(200))
                    .withTls(own[h])));
        }
        int h1Port = agents.get(0).port();
        FleetTls.Identity h1 = new FleetTls.Identity(FleetCa.Role.AGENT, "h1");

        // the controller's certificate: obeyed
        AgentClient asController = new AgentClient("127.0.0.1", h1Port).withTls(controllerTls, h1);
        assertThat(asController.get("/v1/host").path("host").asText()).isEqualTo("h1");
        // no certificate, plain HTTP, another CA's controller, an agent's certificate: refused
        assertThatThrownBy(() -> new AgentClient("127.0.0.1", h1Port).get("/v1/host")).as("plain HTTP").isInstanceOf(IOException.class);
        assertThatThrownBy(() -> new AgentClient("127.0.0.1", h1Port).withTls(foreign, h1).get("/v1/host"))
                .as("a certificate of another CA").isInstanceOf(IOException.class);
        assertThatThrownBy(() -> new AgentClient("127.0.0.1", h1Port).withTls(h2Tls, h1).post("/v1/reboot", Map.of()))
                .as("an agent's certificate").isInstanceOfSatisfying(AgentClient.Refused.class, r -> {
                    assertThat(r.status()).isEqualTo(403);
                    assertThat(r.getMessage()).contains("controller's certificate only").contains("ferry:agent:h2");
                });
        // the controller takes an answer only from the host it called
        assertThatThrownBy(() -> new AgentClient("127.0.0.1", h1Port).withTls(controllerTls,
                new FleetTls.Identity(FleetCa.Role.AGENT, "h2")).get("/v1/host"))
                .hasMessageContaining("presented a certificate for ferry:agent:h1; expected ferry:agent:h2");

        // the inventory names the agents; their reports (with their certificates, no token) come in
        String operator = server.tokens().create(Principal.Role.OPERATOR, null, "test");
        AgentClient api = new AgentClient(controllerUrl, operator).withTls(controllerTls, new FleetTls.Identity(FleetCa.Role.CONTROLLER,
                "c1"));
        api.send("PUT", "/v1/inventory", fleet(), "application/yaml");
        JsonNode reported = Poll.until(60_000, 20, () -> {
            JsonNode items = api.get("/v1/agents").path("items");
            return items.size() == 2 ? items : null;
        });
        assertThat(reported).as("both agents report over TLS").isNotNull();
        // an agent with another host's certificate cannot report for it
        AgentClient h2AsH1 = new AgentClient(controllerUrl, null).withTls(h2Tls, new FleetTls.Identity(FleetCa.Role.CONTROLLER, null));
        assertThatThrownBy(() -> h2AsH1.post("/v1/agent/report", Map.of("host", "h1", "version", "xen-4.9.9", "instances", List.of())))
                .isInstanceOfSatisfying(AgentClient.Refused.class, r -> assertThat(r.status()).isEqualTo(403));
        assertThat(api.get("/v1/hosts").toString()).doesNotContain("xen-4.9.9");

        // a campaign on the agents, over TLS: the guest live-migrates and never stops counting
        asController.post("/v1/instances", Map.of("id", "vm1", "epoch", 1, "memoryMiB", 32, "dirtyMiBPerSecond", 0));
        assertThat(GuestSerial.await(List.of(log("h1")), 1, Duration.ofSeconds(60)).beatingAfter(1)).isTrue();
        api.send("PUT", "/v1/inventory", fleet().replace("instances: []\n", "instances:\n  - { id: vm1, tenant: t1, host: h1,"
                + " cpus: 1, memoryMiB: 32, onHostMaintenance: migrate }\n"), "application/yaml");
        api.send("POST", "/v1/advisories", GuestChecks.ADVISORY, "application/yaml");
        String policy = "ferry: policy/v1\nnoticeHours: 0\nsoakMinutes: 0\ncanaryHosts: 0\n"
                + "durations: { patchMinutes: 0, rebootMinutes: 0, restartMinutes: 0 }\n";
        String campaign = api.post("/v1/campaigns", Map.of("advisory", "XSA-108", "hypervisors", "agents", "policy", policy))
                .path("id").asText();
        api.post("/v1/campaigns/" + campaign + "/approve", Map.of());
        JsonNode end = GuestChecks.awaitEnd(api, campaign, 120_000);
        assertThat(end).isNotNull();
        assertThat(end.path("state").asText()).isEqualTo("completed");
        List<HistoryRecord> facts = Lab.history(api, campaign);
        GuestChecks.keepsTheRules(server, campaign, facts);
        GuestSerial serial = GuestSerial.await(List.of(log("h1"), log("h2")), 1, Duration.ofSeconds(30));
        assertThat(serial.boots()).isEqualTo(1);
        assertThat(serial.breaks()).isZero();
        assertThat(new AgentClient("127.0.0.1", agents.get(1).port()).withTls(controllerTls, new FleetTls.Identity(FleetCa.Role.AGENT,
                "h2")).get("/v1/host").path("controllerTerm").asLong()).as("the leader's term came with its commands").isPositive();
    }

    @Test
    void aControllerWithoutTlsRefusesCampaignsOnPlainHttpAgentsUnlessAllowed() throws Exception {
        server = FerryServer.start(FerryServer.Config.defaults(data).withPort(0).withPlainAgents(false));
        String operator = server.tokens().create(Principal.Role.OPERATOR, null, "test");
        AgentClient api = new AgentClient("http://127.0.0.1:" + server.port(), operator);
        api.send("PUT", "/v1/inventory", fleet().replace("PORT1", "1").replace("PORT2", "2"), "application/yaml");
        api.send("POST", "/v1/advisories", "ferry: advisory/v1\nid: XSA-108\ntitle: t\naffects:\n"
                + "  - { hypervisor: \"xen-4.4.*\", cpuModel: \"*\" }\nfixedVersion: xen-4.4.1\nrequiresReboot: true\n", "application/yaml");
        assertThatThrownBy(() -> api.post("/v1/campaigns", Map.of("advisory", "XSA-108", "hypervisors", "agents")))
                .isInstanceOfSatisfying(AgentClient.Refused.class, r -> {
                    assertThat(r.status()).isEqualTo(409);
                    assertThat(r.getMessage()).contains("mutual TLS").contains("--insecure-agents");
                });
    }

    private String fleet() {
        String p1 = agents.isEmpty() ? "PORT1" : Integer.toString(agents.get(0).port());
        String p2 = agents.isEmpty() ? "PORT2" : Integer.toString(agents.get(1).port());
        return "ferry: fleet/v1\nhosts:\n"
                + "  - { id: h1, zone: z, rack: r1, cpus: 8, memoryMiB: 4096, hypervisor: xen-4.4.0, cpuModel: qemu64,"
                + " liveMigration: true, agent: \"127.0.0.1:" + p1 + "\" }\n"
                + "  - { id: h2, zone: z, rack: r1, cpus: 8, memoryMiB: 4096, hypervisor: xen-4.5.0, cpuModel: qemu64,"
                + " liveMigration: true, agent: \"127.0.0.1:" + p2 + "\" }\n"
                + "instances: []\ntenants:\n  - { id: t1 }\n";
    }

    private Path log(String host) {
        return agentData.resolve(host).resolve("instances").resolve("vm1").resolve("serial.log");
    }
}
