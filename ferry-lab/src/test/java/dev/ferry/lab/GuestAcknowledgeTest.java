package dev.ferry.lab;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.agent.AgentClient;
import dev.ferry.agent.Poll;
import dev.ferry.agent.host.Agent;
import dev.ferry.agent.host.GuestMetadataClient;
import dev.ferry.agent.host.GuestSerial;
import dev.ferry.agent.host.Guest;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.server.FerryServer;
import dev.ferry.server.Principal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest on real QEMU, in a campaign through the controller: it reads its notice on its console
 * and its event from its metadata listener, acknowledges it there (Azure's StartRequests), and
 * its move starts at once, an hour before the event's notBefore; the agent of another host cannot
 * pass on an acknowledgement for it.
 */
class GuestAcknowledgeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCHEDULED_EVENTS = "/metadata/scheduledevents?api-version=2020-07-01";

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
    void aGuestThatAcknowledgesItsEventIsMovedAtOnceAfterItsConsoleShowedTheNotice() throws Exception {
        String qemu = RequireQemu.find();
        lab = new ControllerWithAgents(data, agentData, qemu, "xen-4.4.0", "xen-4.5.0");
        FerryServer server = lab.server;
        List<Agent> agents = lab.agents;
        String controller = lab.url();
        AgentClient ops = lab.client(Principal.Role.OPERATOR, null, "test");
        ops.send("PUT", "/v1/inventory", "ferry: fleet/v1\n" + lab.hostsYaml()
                + "instances:\n  - { id: vm1, tenant: t1, host: h1, cpus: 1, memoryMiB: 16, onHostMaintenance: restart }\n"
                + "tenants:\n  - { id: t1 }\n", "application/yaml");
        new AgentClient("127.0.0.1", agents.get(0).port()).post("/v1/instances",
                Map.of("id", "vm1", "epoch", 1, "memoryMiB", 16, "dirtyMiBPerSecond", 0));
        Path onH1 = agentData.resolve("h1/instances/vm1");
        GuestSerial.await(List.of(onH1.resolve("serial.log")), 1, Duration.ofMinutes(1));
        String h2Token = server.tokens().create(Principal.Role.AGENT, "h2", "agent h2");
        agents.get(0).reportTo(controller, server.tokens().create(Principal.Role.AGENT, "h1", "agent h1"), Duration.ofSeconds(1));
        agents.get(1).reportTo(controller, h2Token, Duration.ofSeconds(1));
        Poll.until(60_000, 20, () -> ops.get("/v1/agents").toString().contains("\"id\":\"vm1\"") ? true : null);

        ops.send("POST", "/v1/advisories", "ferry: advisory/v1\nid: XSA-108\ntitle: x2APIC\naffects:\n"
                + "  - { hypervisor: \"xen-4.4.*\", cpuModel: \"*\" }\nfixedVersion: xen-4.5.0\nrequiresReboot: true\n"
                + "disclosure: " + Instant.now().plus(Duration.ofDays(2)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "\n",
                "application/yaml");
        String policy = "ferry: policy/v1\nnoticeHours: 1\nsoakMinutes: 0\ncanaryHosts: 0\n"
                + "durations: { patchMinutes: 0, rebootMinutes: 0, restartMinutes: 0 }\n";
        String campaign = ops.post("/v1/campaigns", Map.of("advisory", "XSA-108", "policy", policy, "hypervisors", "agents"))
                .path("id").asText();
        ops.post("/v1/campaigns/" + campaign + "/approve", Map.of());

        // the notice reaches the guest's console, and its metadata lists the event, scheduled an hour from now
        String notice = Poll.until(60_000, 20, () -> GuestSerial.read(List.of(onH1.resolve("serial.log"))).lines().stream()
                .map(Guest.SerialLine::text).filter(t -> t.startsWith("notice ") && t.contains(" relocate scheduled ")).findFirst()
                .orElse(null));
        assertThat(notice).as("the guest echoed its notice").isNotNull();
        String event = notice.split(" ")[1];
        try (GuestMetadataClient guest = new GuestMetadataClient(onH1.resolve("metadata.sock"))) {
            JsonNode doc = JSON.readTree(guest.get(SCHEDULED_EVENTS, Map.of("Metadata", "true")).getContentAsString());
            assertThat(doc.path("Events")).singleElement().satisfies(e -> {
                assertThat(e.path("EventId").asText()).isEqualTo(event);
                assertThat(e.path("EventType").asText()).isEqualTo("Redeploy");
                assertThat(e.path("EventStatus").asText()).isEqualTo("Scheduled");
            });
            AgentClient.Refused refused = org.junit.jupiter.api.Assertions.assertThrows(AgentClient.Refused.class, () ->
                    new AgentClient(controller, h2Token).post("/v1/agent/instances/vm1/events/" + event + "/now", Map.of()));
            assertThat(refused.status()).as("another host's agent cannot acknowledge for vm1").isEqualTo(403);

            // the event twice in one acknowledgement (the guest stops soon after: a second request would race its move)
            ContentResponse ack = guest.send("POST", SCHEDULED_EVENTS, Map.of("Metadata", "true"),
                    "{\"StartRequests\":[{\"EventId\":\"" + event + "\"},{\"EventId\":\"" + event + "\"}]}");
            assertThat(ack.getStatus()).as(ack.getContentAsString()).isEqualTo(200);
        }

        // the relocation runs now, not at the step's time an hour away (the host's own step still waits for it)
        List<HistoryRecord> facts = Poll.until(120_000, 50, () -> {
            List<HistoryRecord> h = Lab.history(ops, campaign);
            return h.stream().anyMatch(r -> r.fact() instanceof Fact.EventChanged c && c.event().equals(event)
                    && c.state() == EventState.COMPLETED) ? h : null;
        });
        assertThat(facts).as("the event completed").isNotNull();
        long notBefore = -1;
        long started = -1;
        for (HistoryRecord r : facts) {
            if (r.fact() instanceof Fact.EventChanged c && c.event().equals(event)) {
                if (c.state() == EventState.SCHEDULED) {
                    notBefore = c.notBeforeMs();
                } else if (c.state() == EventState.STARTED) {
                    started = r.timeMs();
                }
            }
        }
        assertThat(started).as("the move started").isNotNegative();
        // the campaign's live view is published after the commit the history is read from: it may lag a moment
        Integer relocations = Poll.until(30_000, 20, () -> {
            int n = ops.get("/v1/campaigns/" + campaign).path("live").path("relocations").asInt();
            return n == 1 ? n : null;
        });
        assertThat(relocations).isEqualTo(1);
        assertThat(started).as("before the notice period ended: the guest's acknowledgement started it")
                .isLessThan(notBefore);
        String audit = ops.get("/v1/audit?action=campaign.tenant-now").toString();
        assertThat(audit.split("guest:vm1@h1", -1)).as("the acknowledgement reached the campaign once: " + audit).hasSize(2);
        GuestSerial both = GuestSerial.await(List.of(onH1.resolve("serial.log"), agentData.resolve("h2/instances/vm1/serial.log")), 2,
                Duration.ofMinutes(1));
        List<String> text = both.lines().stream().map(Guest.SerialLine::text).toList();
        assertThat(text.indexOf(notice)).as("the notice came before the guest's restart on h2").isBetween(0, text.lastIndexOf("boot"));
    }
}
