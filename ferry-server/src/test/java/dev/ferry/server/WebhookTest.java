package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.core.model.Fleet;
import dev.ferry.server.webhook.Deliverer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Signed, at-least-once webhooks from the transactional outbox; never to link-local or metadata addresses. */
class WebhookTest {
    @TempDir
    Path dir;

    record Delivery(String id, String timestamp, String signature, String body) {
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void everyEventChangeIsDeliveredSignedAndRetriedUntilTheReceiverTakesIt(String db) throws Exception {
        List<Delivery> received = new CopyOnWriteArrayList<>();
        AtomicInteger failuresLeft = new AtomicInteger(1);
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", x -> {
            String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Delivery(x.getRequestHeaders().getFirst("Ferry-Delivery"),
                    x.getRequestHeaders().getFirst("Ferry-Timestamp"), x.getRequestHeaders().getFirst("Ferry-Signature"), body));
            int status = failuresLeft.getAndDecrement() > 0 ? 500 : 204;
            x.sendResponseHeaders(status, -1);
            x.close();
        });
        receiver.start();
        try (TestServer s = new TestServer(dir, db)) {
            TestServer.Seeded seeded = s.seed(60, 1000);
            String id = s.propose(2);
            Fleet fleet = s.server.inventory().current().fleet();
            // the tenant whose instances will get events
            var plan = s.server.campaigns().load(id).plan();
            String tenant = plan.steps().stream().flatMap(st -> st.moves().stream())
                    .filter(m -> m.kind() != dev.ferry.core.planner.MoveKind.LIVE_MIGRATE)
                    .map(m -> fleet.instance(fleet.instanceIndex(m.instance())).tenant()).findFirst().orElseThrow();
            String token = seeded.tenantTokens().stream().filter(t -> t[0].equals(tenant)).findFirst().orElseThrow()[1];

            for (String bad : List.of("http://169.254.169.254/latest/meta-data", "http://[fe80::1]/x", "http://0.0.0.0/x",
                    "file:///etc/passwd", "http://[::ffff:169.254.169.254]/x")) {
                TestServer.Response r = s.post("/v1/tenant/webhooks", token, TestServer.json(Map.of("url", bad)));
                assertThat(r.status()).as(bad + ": " + r.body()).isEqualTo(400);
            }
            TestServer.Response registered = s.post("/v1/tenant/webhooks", token,
                    TestServer.json(Map.of("url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook")));
            assertThat(registered.status()).isEqualTo(201);
            String secret = registered.json().get("secret").asText();
            assertThat(s.get("/v1/tenant/webhooks", token).body()).doesNotContain(secret);

            s.post("/v1/campaigns/" + id + "/approve", s.operator, null);
            s.advance(id, Duration.ofSeconds(1));
            assertThat(s.server.deliverer().deliverDue()).isPositive();
            assertThat(received).hasSize(1 + (int) s.count("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NOT NULL"));
            // the first attempt failed (500): it is due again only after its backoff
            assertThat(s.count("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL")).isEqualTo(1);
            s.server.deliverer().deliverDue();
            assertThat(s.count("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL")).isEqualTo(1);
            s.clock.advanceMillis(Deliverer.backoffMs(1));
            s.server.deliverer().deliverDue();

            s.runToEnd(id);
            while (s.server.deliverer().deliverDue() > 0) {
                // drain the outbox
            }
            assertThat(s.count("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL")).isZero();
            Set<String> ids = new HashSet<>();
            List<String> types = new ArrayList<>();
            for (Delivery d : received) {
                assertThat(d.signature()).isEqualTo("v1=" + Deliverer.sign(secret, Long.parseLong(d.timestamp()), d.body()));
                JsonNode body = TestServer.JSON.readTree(d.body());
                assertThat(d.id()).endsWith(body.get("id").asText());
                String instance = body.get("event").get("instance").asText();
                assertThat(fleet.instance(fleet.instanceIndex(instance)).tenant()).isEqualTo(tenant);
                ids.add(d.id());
                types.add(body.get("type").asText());
            }
            // one retry of the first delivery, with the same id; every change delivered
            assertThat(received).hasSize(ids.size() + 1);
            String failed = received.get(0).id();
            assertThat(received.stream().filter(d -> d.id().equals(failed))).hasSize(2);
            assertThat(types).contains("maintenance-event.scheduled", "maintenance-event.started", "maintenance-event.completed");
            // at least scheduled, started and completed for every disruptive event of the tenant, and scheduled and
            // completed or cancelled for every informational one (a live migration)
            long disruptive = s.count("SELECT COUNT(*) FROM events WHERE tenant = ? AND kind <> 'live-migrate'", tenant);
            long informational = s.count("SELECT COUNT(*) FROM events WHERE tenant = ? AND kind = 'live-migrate'", tenant);
            assertThat((long) ids.size()).isGreaterThanOrEqualTo(3 * disruptive + 2 * informational);
        } finally {
            receiver.stop(0);
        }
    }
}
