package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.api.HttpApi;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad tokens, wrong roles, mass assignment, malformed and oversize bodies, idempotency, rate limits. */
class ApiRefusalTest {
    @TempDir
    Path dir;

    private static void problem(TestServer.Response r, int status, String detailPart) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        JsonNode p = r.json();
        assertThat(p.get("status").asInt()).isEqualTo(status);
        assertThat(p.get("detail").asText()).contains(detailPart);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void tokensAndRolesAreCheckedBeforeAnythingElse(String db) {
        try (TestServer s = new TestServer(dir, db)) {
            TestServer.Seeded seeded = s.seed(20, 1);
            String tenant = seeded.tenantTokens().get(0)[1];
            problem(s.get("/v1/inventory", null), 401, "bearer token");
            problem(s.get("/v1/inventory", "fy_not-a-token"), 401, "bearer token");
            problem(s.get("/v1/tenant/events", "fy_not-a-token"), 401, "bearer token");
            problem(s.get("/v1/inventory", tenant), 403, "for operators");
            problem(s.get("/metrics", tenant), 403, "for operators");
            problem(s.post("/v1/campaigns", tenant, "{\"advisory\":\"XSA-108\"}"), 403, "for operators");
            problem(s.get("/v1/tenant/events", s.operator), 403, "tenant token");
            assertThat(s.get("/health", null).status()).isEqualTo(200);
            assertThat(s.get("/openapi.yaml", null).body()).contains("openapi: 3");
            problem(s.get("/v1/nothing-here", s.operator), 404, "not found");
            // refused attempts are audited, and no token appears in the audit log
            JsonNode audit = s.get("/v1/audit?limit=1000", s.operator).json().get("items");
            assertThat(audit.findValuesAsText("outcome")).contains("refused");
            assertThat(audit.toString()).doesNotContain(tenant).doesNotContain(s.operator);
            assertThat(s.count("SELECT COUNT(*) FROM tokens WHERE token_hash = ?", tenant)).isZero();
        }
    }

    @Test
    void aRevokedTokenIsRefusedAtOnceAndTheLastOperatorTokenStays() {
        try (TestServer s = new TestServer(dir, "h2")) {
            String tenant = s.post("/v1/tokens", s.operator, "{\"role\":\"tenant\",\"tenant\":\"t-1\",\"name\":\"ci\"}")
                    .json().get("token").asText();
            assertThat(s.get("/v1/tenant/events", tenant).status()).isEqualTo(200);
            JsonNode listed = s.get("/v1/tokens", s.operator).json().get("items");
            assertThat(listed.toString()).doesNotContain(tenant).doesNotContain(s.operator);
            String id = null;
            String operatorId = null;
            for (JsonNode t : listed) {
                if (t.get("role").asText().equals("tenant")) {
                    id = t.get("id").asText();
                } else {
                    operatorId = t.get("id").asText();
                }
            }
            assertThat(s.send("DELETE", "/v1/tokens/" + id, s.operator, null).status()).isEqualTo(204);
            problem(s.get("/v1/tenant/events", tenant), 401, "bearer token");
            problem(s.send("DELETE", "/v1/tokens/" + operatorId, s.operator, null), 409, "last operator token");
            problem(s.send("DELETE", "/v1/tokens/0123456789abcdef", s.operator, null), 404, "no such token");
        }
    }

    @Test
    void aTokenWithATtlStopsWorkingWhenItExpiresAndIsRotatedWithoutAGap() {
        try (TestServer s = new TestServer(dir, "h2")) {
            String old = s.post("/v1/tokens", s.operator, "{\"role\":\"tenant\",\"tenant\":\"t-1\",\"name\":\"ci\",\"ttlSeconds\":3600}")
                    .json().get("token").asText();
            assertThat(s.get("/v1/tenant/events", old).status()).isEqualTo(200);
            // rotation: the new token works before the old one expires
            s.clock.advanceMillis(3_000_000);
            String fresh = s.post("/v1/tokens", s.operator, "{\"role\":\"tenant\",\"tenant\":\"t-1\",\"name\":\"ci-2\",\"ttlSeconds\":3600}")
                    .json().get("token").asText();
            assertThat(s.get("/v1/tenant/events", old).status()).isEqualTo(200);
            assertThat(s.get("/v1/tenant/events", fresh).status()).isEqualTo(200);
            s.clock.advanceMillis(600_000); // the first one's hour is over
            problem(s.get("/v1/tenant/events", old), 401, "bearer token");
            assertThat(s.get("/v1/tenant/events", fresh).status()).isEqualTo(200);
            JsonNode listed = s.get("/v1/tokens", s.operator).json().get("items");
            assertThat(listed).filteredOn(t -> t.path("name").asText().equals("ci")).singleElement()
                    .satisfies(t -> assertThat(t.path("expired").asBoolean()).isTrue());
            assertThat(listed).filteredOn(t -> t.path("name").asText().equals("ci-2")).singleElement()
                    .satisfies(t -> assertThat(t.path("expired").asBoolean()).isFalse());
            problem(s.post("/v1/tokens", s.operator, "{\"role\":\"tenant\",\"tenant\":\"t-1\",\"name\":\"x\",\"ttlSeconds\":5}"), 400,
                    "ttlSeconds");
        }
    }

    @Test
    void serverOwnedAndUnknownFieldsAreRefusedNamingTheField() {
        try (TestServer s = new TestServer(dir, "h2")) {
            TestServer.Seeded seeded = s.seed(20, 1);
            String tenant = seeded.tenantTokens().get(0)[1];
            problem(s.post("/v1/campaigns", s.operator, "{\"advisory\":\"XSA-108\",\"state\":\"running\"}"), 400, "'state'");
            problem(s.post("/v1/campaigns", s.operator, "{\"advisory\":\"XSA-108\",\"id\":\"c-mine\"}"), 400, "'id'");
            problem(s.post("/v1/tenant/webhooks", tenant, "{\"url\":\"http://127.0.0.1:9/x\",\"secret\":\"s\"}"), 400, "'secret'");
            problem(s.post("/v1/tokens", s.operator, "{\"role\":\"tenant\",\"tenant\":\"t\",\"name\":\"n\",\"tokenHash\":\"x\"}"),
                    400, "'tokenHash'");
            assertThat(s.count("SELECT COUNT(*) FROM campaigns")).isZero();
            assertThat(s.count("SELECT COUNT(*) FROM webhooks")).isZero();
        }
    }

    @Test
    void malformedAndOversizeBodiesAreRefusedAndChangeNothing() {
        try (TestServer s = new TestServer(dir, "h2", new HttpApi.Limits(1024, 8L << 20, 10_000, 10_000))) {
            s.seed(20, 1);
            problem(s.post("/v1/campaigns", s.operator, "{\"advisory\":"), 400, "not the JSON");
            problem(s.post("/v1/campaigns", s.operator, "{\"advisory\":\"a\",\"advisory\":\"b\"}"), 400, "Duplicate");
            problem(s.post("/v1/campaigns", s.operator, "{\"advisory\":\"" + "x".repeat(2000) + "\"}"), 413, "at most 1024");
            problem(s.post("/v1/campaigns", s.operator, "{\"advisory\":\"XSA-999\"}"), 404, "no such advisory");
            TestServer.Response badFleet = s.send("PUT", "/v1/inventory", s.operator,
                    "ferry: fleet/v1\nhosts:\n  - {id: h1, zone: a, cpus: -4, memoryMiB: 1024, hypervisor: xen-4.1.0}\n");
            problem(badFleet, 400, "request body:3:");
            // as curl does for large bodies, the client asks first (Expect: 100-continue), so the refusal arrives before
            // 9 MiB are sent; without it the server's close can reset the connection while the client is still writing
            TestServer.Response tooBig = s.send("PUT", "/v1/inventory", s.operator, "#".repeat(9 << 20), "Expect", "100-continue");
            assertThat(tooBig.status()).isEqualTo(413);
            assertThat(s.get("/v1/inventory", s.operator).json().get("version").asLong()).isEqualTo(1);
            problem(s.post("/v1/hosts/no-such-host/cordon", s.operator, "{\"reason\":\"x\"}"), 404, "no such host");
            problem(s.get("/v1/history?limit=0", s.operator), 400, "limit");
        }
    }

    @Test
    void anIdempotencyKeyReplaysTheFirstAnswerAndRefusesADifferentRequest() {
        try (TestServer s = new TestServer(dir, "h2")) {
            s.seed(20, 1);
            String body = "{\"advisory\":\"XSA-108\",\"seed\":5}";
            TestServer.Response first = s.post("/v1/campaigns", s.operator, body, "Idempotency-Key", "k-1");
            TestServer.Response again = s.post("/v1/campaigns", s.operator, body, "Idempotency-Key", "k-1");
            assertThat(first.status()).isEqualTo(201);
            assertThat(again.status()).isEqualTo(201);
            assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
            assertThat(again.json().get("id").asText()).isEqualTo(first.json().get("id").asText());
            problem(s.post("/v1/campaigns", s.operator, "{\"advisory\":\"XSA-108\",\"seed\":6}", "Idempotency-Key", "k-1"), 409,
                    "different request");
            assertThat(s.count("SELECT COUNT(*) FROM campaigns")).isEqualTo(1);
            assertThat(s.post("/v1/campaigns", s.operator, body, "Idempotency-Key", "k-2").status()).isEqualTo(201);
            assertThat(s.count("SELECT COUNT(*) FROM campaigns")).isEqualTo(2);
            // a refusal is an answer too: replayed, not run again, and not left "in progress"
            String missing = "{\"advisory\":\"XSA-999\"}";
            TestServer.Response refused = s.post("/v1/campaigns", s.operator, missing, "Idempotency-Key", "k-3");
            TestServer.Response refusedAgain = s.post("/v1/campaigns", s.operator, missing, "Idempotency-Key", "k-3");
            assertThat(refused.status()).isEqualTo(404);
            assertThat(refusedAgain.status()).isEqualTo(404);
            assertThat(refusedAgain.header("Idempotent-Replayed")).isEqualTo("true");
            assertThat(refusedAgain.body()).isEqualTo(refused.body());
        }
    }

    @Test
    void aTokenOverItsRateLimitGets429WithRetryAfter() {
        // 3 requests of burst, then one more every 1000 s: the fourth request is refused whatever the machine's speed
        try (TestServer s = new TestServer(dir, "h2", new HttpApi.Limits(64 << 10, 8L << 20, 0.001, 3))) {
            for (int k = 0; k < 3; k++) {
                assertThat(s.get("/v1/inventory", s.operator).status()).isEqualTo(200);
            }
            TestServer.Response limited = s.get("/v1/inventory", s.operator);
            problem(limited, 429, "rate limit");
            assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(1L, 1000L);
            String other = s.server.tokens().create(Principal.Role.OPERATOR, null, "another operator");
            assertThat(s.get("/v1/inventory", other).status()).isEqualTo(200);
        }
    }
}
