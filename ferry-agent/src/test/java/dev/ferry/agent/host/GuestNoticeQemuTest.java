package dev.ferry.agent.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.agent.AgentClient;
import dev.ferry.agent.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest on real QEMU learns of its maintenance events twice over: on its notice port (COM2),
 * which the heartbeat guest echoes on its console, and from its own metadata listener in the
 * shapes of EC2, GCE and Azure. Another guest's listener shows none of them; a restarted agent
 * still serves them.
 */
class GuestNoticeQemuTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> GOOGLE = Map.of("Metadata-Flavor", "Google");
    private static final Map<String, String> AZURE = Map.of("Metadata", "true");
    private static final String EC2 = "/latest/meta-data/events/maintenance/scheduled";
    private static final String GCE = "/computeMetadata/v1/instance/maintenance-event";
    private static final String SCHEDULED_EVENTS = "/metadata/scheduledevents?api-version=2020-07-01";

    @TempDir
    Path dir;

    private final List<Agent> agents = new ArrayList<>();
    private String qemu;

    @BeforeEach
    void needsQemu() {
        qemu = Qemu.find();
    }

    @AfterEach
    void stopEverything() {
        for (Agent a : agents) {
            a.stopAll();
            a.close();
        }
    }

    private Agent agent() throws Exception {
        Agent a = Agent.start(new Agent.Config("h1", "127.0.0.1", 0, dir.resolve("h1"), "xen-4.4.1", qemu, Duration.ofMillis(300)));
        agents.add(a);
        return a;
    }

    private static String event(String state) {
        return "{\"kind\":\"live-migrate\",\"state\":\"" + state + "\",\"notBefore\":\"2026-12-01T10:00:00Z\","
                + "\"notAfter\":\"2026-12-02T10:00:00Z\",\"notBeforeDeadline\":\"2026-12-02T10:00:00Z\",\"expectedDowntimeMs\":300}";
    }

    @Test
    void aGuestReadsItsEventOnItsConsoleAndFromItsOwnMetadataListenerInTheCloudsShapes() throws Exception {
        Agent a = agent();
        AgentClient api = new AgentClient("127.0.0.1", a.port());
        api.post("/v1/instances", Map.of("id", "vm1", "epoch", 1, "memoryMiB", 16, "dirtyMiBPerSecond", 0));
        api.post("/v1/instances", Map.of("id", "vm2", "epoch", 1, "memoryMiB", 16, "dirtyMiBPerSecond", 0));
        Path vm1 = dir.resolve("h1/instances/vm1");
        GuestSerial.await(List.of(vm1.resolve("serial.log")), 1, Duration.ofMinutes(2));

        JsonNode told = api.send("PUT", "/v1/instances/vm1/events/ev-1", event("scheduled"), "application/json");
        assertThat(told.path("toldGuest").asBoolean()).isTrue();
        String line = "notice ev-1 live-migrate scheduled 2026-12-01T10:00:00Z";
        GuestSerial console = Poll.until(120_000, 20, () -> {
            GuestSerial s = GuestSerial.read(List.of(vm1.resolve("serial.log")));
            int at = s.lines().stream().map(Guest.SerialLine::text).toList().indexOf(line);
            return at >= 0 && s.lines().size() > at + 1 ? s : null; // echoed, and the guest beat on after it
        });
        assertThat(console).as("the guest echoes its notice on its console").isNotNull();
        assertThat(console.breaks()).as("reading its notice port does not stop its counter").isZero();
        assertThat(api.send("PUT", "/v1/instances/vm1/events/ev-1", event("scheduled"), "application/json")
                .path("toldGuest").asBoolean()).as("the same event again is not told again").isFalse();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(vm1.resolve("metadata.sock")))).isEqualTo("rw-------");
        try (GuestMetadataClient guest = new GuestMetadataClient(vm1.resolve("metadata.sock"));
             GuestMetadataClient other = new GuestMetadataClient(dir.resolve("h1/instances/vm2/metadata.sock"))) {
            JsonNode ec2 = JSON.readTree(guest.get(EC2, Map.of()).getContentAsString());
            assertThat(ec2).hasSize(1);
            assertThat(ec2.get(0).path("Code").asText()).isEqualTo("system-maintenance");
            assertThat(ec2.get(0).path("EventId").asText()).isEqualTo("ev-1");
            assertThat(ec2.get(0).path("NotBefore").asText()).isEqualTo("1 Dec 2026 10:00:00 GMT");
            assertThat(ec2.get(0).path("NotAfter").asText()).isEqualTo("2 Dec 2026 10:00:00 GMT");
            assertThat(ec2.get(0).path("State").asText()).isEqualTo("active");
            assertThat(JSON.readTree(other.get(EC2, Map.of()).getContentAsString())).as("another guest sees none of it").isEmpty();

            assertThat(guest.get(GCE, Map.of()).getStatus()).as("GCE's header is required").isEqualTo(403);
            ContentResponse gce = guest.get(GCE, GOOGLE);
            assertThat(gce.getContentAsString()).isEqualTo("MIGRATE_ON_HOST_MAINTENANCE");
            String etag = gce.getHeaders().get("ETag");
            assertThat(other.get(GCE, GOOGLE).getContentAsString()).isEqualTo("NONE");

            assertThat(guest.get(SCHEDULED_EVENTS, Map.of()).getStatus()).as("Azure's header is required").isEqualTo(400);
            JsonNode azure = JSON.readTree(guest.get(SCHEDULED_EVENTS, AZURE).getContentAsString());
            assertThat(azure.path("DocumentIncarnation").asLong()).isEqualTo(1);
            assertThat(azure.path("Events")).singleElement().satisfies(e -> {
                assertThat(e.path("EventType").asText()).isEqualTo("Freeze");
                assertThat(e.path("EventStatus").asText()).isEqualTo("Scheduled");
                assertThat(e.path("Resources").get(0).asText()).isEqualTo("vm1");
                assertThat(e.path("NotBefore").asText()).isEqualTo("Tue, 1 Dec 2026 10:00:00 GMT");
            });
            String many = "{\"StartRequests\":[" + String.join(",", java.util.Collections.nCopies(GuestMetadata.MAX_START_REQUESTS + 1,
                    "{\"EventId\":\"ev-1\"}")) + "]}";
            assertThat(guest.send("POST", SCHEDULED_EVENTS, AZURE, many).getStatus()).as("too many StartRequests").isEqualTo(400);
            assertThat(guest.send("POST", SCHEDULED_EVENTS, AZURE, "{\"StartRequests\":[{\"EventId\":\"" + "x".repeat(20_000) + "\"}]}")
                    .getStatus()).as("a body over 16 KiB").isEqualTo(413);
            ContentResponse ack = guest.send("POST", SCHEDULED_EVENTS, AZURE, "{\"StartRequests\":[{\"EventId\":\"ev-1\"}]}");
            assertThat(ack.getStatus()).as("an agent without a controller cannot pass an acknowledgement on").isEqualTo(503);
            assertThat(other.send("POST", SCHEDULED_EVENTS, AZURE, "{\"StartRequests\":[{\"EventId\":\"ev-1\"}]}").getStatus())
                    .as("another guest cannot acknowledge this guest's event").isEqualTo(404);
            assertThat(guest.get(GCE, Map.of("Metadata-Flavor", "Google", "X-Forwarded-For", "10.0.0.9")).getStatus())
                    .as("a request passed on by a proxy is refused").isEqualTo(403);

            // GCE's wait_for_change answers when the value changes from the ETag the guest has
            CompletableFuture<ContentResponse> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return guest.get(GCE + "?wait_for_change=true&last_etag=" + etag, GOOGLE);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            api.send("PUT", "/v1/instances/vm1/events/ev-1", event("completed"), "application/json");
            ContentResponse changed = waiting.get(60, TimeUnit.SECONDS);
            assertThat(changed.getContentAsString()).isEqualTo("NONE");
            assertThat(changed.getHeaders().get("ETag")).isNotEqualTo(etag);
            JsonNode after = JSON.readTree(guest.get(SCHEDULED_EVENTS, AZURE).getContentAsString());
            assertThat(after.path("DocumentIncarnation").asLong()).isEqualTo(2);
            assertThat(after.path("Events")).as("Azure lists open events only").isEmpty();
            assertThat(JSON.readTree(guest.get(EC2, Map.of()).getContentAsString()).get(0).path("State").asText()).isEqualTo("completed");
        }
    }

    @Test
    void aRestartedAgentServesTheEventsItWasToldAndRefusesBadOnes() throws Exception {
        Agent a = agent();
        AgentClient api = new AgentClient("127.0.0.1", a.port());
        api.post("/v1/instances", Map.of("id", "vm1", "epoch", 1, "memoryMiB", 16, "dirtyMiBPerSecond", 0));
        api.send("PUT", "/v1/instances/vm1/events/ev-1", event("scheduled"), "application/json");
        for (String bad : List.of(event("scheduled").replace("live-migrate", "teleport"), event("over"),
                event("scheduled").replace("2026-12-01T10:00:00Z", "tomorrow"))) {
            assertThat(status(() -> api.send("PUT", "/v1/instances/vm1/events/ev-2", bad, "application/json"))).isEqualTo(400);
        }
        assertThat(status(() -> api.send("PUT", "/v1/instances/nope/events/ev-1", event("scheduled"), "application/json")))
                .isEqualTo(404);
        a.close();
        agents.remove(a);
        Agent again = agent();
        assertThat(again.instanceCount()).isEqualTo(1);
        try (GuestMetadataClient guest = new GuestMetadataClient(dir.resolve("h1/instances/vm1/metadata.sock"))) {
            JsonNode ec2 = JSON.readTree(guest.get(EC2, Map.of()).getContentAsString());
            assertThat(ec2).singleElement().satisfies(e -> assertThat(e.path("EventId").asText()).isEqualTo("ev-1"));
        }
    }

    private interface Call {
        Object run() throws Exception;
    }

    private static int status(Call c) throws Exception {
        try {
            c.run();
            return 200;
        } catch (AgentClient.Refused r) {
            return r.status();
        }
    }
}
