package dev.ferry.lab;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.AgentClient;
import dev.ferry.agent.host.GuestSerial;
import dev.ferry.server.FerryServer;
import dev.ferry.server.Principal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tenant's launch, reboot, stop, start and terminate reach the guest on real QEMU through the
 * host's agent, after the controller has committed them (the instance-operations outbox): the
 * guest boots once per start and once more per reboot, and runs on exactly one host while it runs.
 */
class TenantOperationsOnAgentsTest {
    @TempDir
    Path data;

    @TempDir
    Path agentData;

    private ControllerWithAgents lab;

    @AfterEach
    void stopEverything() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void aTenantsOperationsReachTheGuestOnItsAgentAfterTheCommit() throws Exception {
        String qemu = RequireQemu.find();
        lab = new ControllerWithAgents(data, agentData, qemu, "xen-4.5.0", "xen-4.5.0");
        FerryServer server = lab.server;
        String operator = server.tokens().create(Principal.Role.OPERATOR, null, "test");
        String tenant = server.tokens().create(Principal.Role.TENANT, "acme", "acme");
        AgentClient ops = new AgentClient(lab.url(), operator);
        ops.send("PUT", "/v1/inventory", "ferry: fleet/v1\n" + lab.hostsYaml() + "instances: []\n", "application/yaml");
        AgentClient api = new AgentClient("http://127.0.0.1:" + server.port(), tenant);

        String id = api.post("/v1/tenant/instances", Map.of("cpus", 1, "memoryMiB", 32)).path("id").asText();
        assertThat(runsOn(id)).as("nothing is sent before the dispatcher runs").isEmpty();
        assertThat(server.dispatcher().dispatchDue()).isEqualTo(1);
        List<String> first = runsOn(id);
        assertThat(first).hasSize(1);
        assertThat(boots(id, 1)).isEqualTo(1);

        api.post("/v1/tenant/instances/" + id + "/reboot", Map.of());
        server.dispatcher().dispatchDue();
        assertThat(boots(id, 2)).as("a reset boots the guest again").isEqualTo(2);
        assertThat(runsOn(id)).as("where it was").isEqualTo(first);

        api.post("/v1/tenant/instances/" + id + "/stop", Map.of());
        server.dispatcher().dispatchDue();
        assertThat(runsOn(id)).isEmpty();
        api.post("/v1/tenant/instances/" + id + "/start", Map.of());
        server.dispatcher().dispatchDue();
        assertThat(runsOn(id)).hasSize(1);
        assertThat(boots(id, 3)).isEqualTo(3);

        api.send("DELETE", "/v1/tenant/instances/" + id, null, null);
        server.dispatcher().dispatchDue();
        assertThat(runsOn(id)).isEmpty();
        assertThat(server.dispatcher().dispatchDue()).as("everything was done").isZero();
    }

    /** The hosts whose agent runs the guest now. */
    private List<String> runsOn(String id) throws Exception {
        List<String> out = new ArrayList<>();
        for (int h = 0; h < lab.agents.size(); h++) {
            for (JsonNode i : new AgentClient("127.0.0.1", lab.agents.get(h).port()).get("/v1/host").path("instances")) {
                if (i.path("id").asText().equals(id) && i.path("alive").asBoolean()) {
                    out.add("h" + (h + 1));
                }
            }
        }
        return out;
    }

    /** The guest's boots across both hosts, once it has booted at least {@code expected} times (or a minute passed). */
    private int boots(String id, int expected) throws Exception {
        List<Path> logs = List.of(agentData.resolve("h1").resolve("instances").resolve(id).resolve("serial.log"),
                agentData.resolve("h2").resolve("instances").resolve(id).resolve("serial.log"));
        return GuestSerial.await(logs, expected, Duration.ofSeconds(60)).boots();
    }
}
