package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.Move;
import dev.ferry.core.planner.MoveKind;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every move is a tenant's event: a live migration's is informational, seen through the API and
 * signed webhooks like any other, announces its fallback, carries its window, and cannot be
 * rescheduled or done now.
 */
class LiveMigrationEventTest {
    @TempDir
    Path dir;

    @Test
    void aLiveMigrationIsAnInformationalEventWithItsFallbackAnnouncedAndItsBlackoutMeasured() throws Exception {
        List<JsonNode> hooks = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", x -> {
            hooks.add(TestServer.JSON.readTree(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            x.sendResponseHeaders(204, -1);
            x.close();
        });
        receiver.start();
        try (TestServer s = new TestServer(dir, "h2")) {
            TestServer.Seeded seeded = s.seed(60, 1000);
            String id = s.propose(2);
            Fleet fleet = s.server.inventory().current().fleet();
            Move live = s.server.campaigns().load(id).plan().steps().stream().flatMap(st -> st.moves().stream())
                    .filter(m -> m.kind() == MoveKind.LIVE_MIGRATE).findFirst().orElseThrow();
            String tenant = fleet.instance(fleet.instanceIndex(live.instance())).tenant();
            String token = seeded.tenantTokens().stream().filter(t -> t[0].equals(tenant)).findFirst().orElseThrow()[1];
            assertThat(s.post("/v1/tenant/webhooks", token, TestServer.json(Map.of("url", "http://127.0.0.1:"
                    + receiver.getAddress().getPort() + "/hook"))).status()).isEqualTo(201);

            Instant approved = s.clock.instant();
            assertThat(s.post("/v1/campaigns/" + id + "/approve", s.operator, null).status()).isBetween(200, 202);
            s.advance(id, Duration.ZERO);
            s.advance(id, Duration.ZERO);
            String eventId = "ev-" + id + "." + live.instance() + ".live." + live.from(); // one per step it moves in
            JsonNode e = s.get("/v1/tenant/events/" + eventId, token).json();
            Policy policy = Policy.DEFAULTS;
            assertThat(e.get("kind").asText()).isEqualTo("live-migrate");
            assertThat(e.get("informational").asBoolean()).isTrue();
            assertThat(e.get("state").asText()).isEqualTo("scheduled");
            assertThat(e.get("expectedDowntimeMs").asLong()).isEqualTo(policy.liveMigration().maxDowntime().toMillis());
            assertThat(Instant.parse(e.get("fallbackAfter").asText())).isEqualTo(approved.plus(policy.notice()));
            assertThat(e.get("detail").asText()).contains("informational").contains("if it cannot be live-migrated");
            Instant notBefore = Instant.parse(e.get("notBefore").asText());
            Instant deadline = Instant.parse(e.get("notBeforeDeadline").asText());
            assertThat(notBefore).isBeforeOrEqualTo(deadline);
            assertThat(e.get("notAfter").isNull()).as("information has no latest start to keep").isTrue();
            assertThat(e.get("deadline").asText()).isEqualTo(e.get("notBeforeDeadline").asText());

            // an informational event is not the tenant's to move
            TestServer.Response reschedule = s.post("/v1/tenant/events/" + eventId + "/reschedule", token,
                    TestServer.json(Map.of("notBefore", deadline.toString())));
            assertThat(reschedule.status()).isEqualTo(409);
            assertThat(reschedule.body()).contains("informational");
            assertThat(s.post("/v1/tenant/events/" + eventId + "/now", token, null).status()).isEqualTo(409);

            s.runToEnd(id);
            while (s.server.deliverer().deliverDue() > 0) {
                // drain the outbox
            }
            JsonNode done = s.get("/v1/tenant/events/" + eventId, token).json();
            assertThat(done.get("state").asText()).isEqualTo("completed");
            assertThat(done.get("downtimeMs").isNumber()).as(done.toString()).isTrue();
            List<JsonNode> ofLive = hooks.stream().filter(h -> h.get("event").get("id").asText().equals(eventId)).toList();
            assertThat(ofLive).extracting(h -> h.get("type").asText())
                    .containsExactly("maintenance-event.scheduled", "maintenance-event.completed");
            JsonNode scheduled = ofLive.get(0).get("event");
            assertThat(scheduled.get("kind").asText()).isEqualTo("live-migrate");
            assertThat(scheduled.get("informational").asBoolean()).isTrue();
            assertThat(scheduled.get("fallbackAfter").asText()).isEqualTo(e.get("fallbackAfter").asText());
            assertThat(scheduled.has("notAfter")).isFalse();
            assertThat(ofLive.get(1).get("event").get("downtimeMs").asLong()).isEqualTo(done.get("downtimeMs").asLong());
        } finally {
            receiver.stop(0);
        }
    }
}
