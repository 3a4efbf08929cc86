package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.core.model.Fleet;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Every tenant endpoint × verb in the OpenAPI document, called by tenant B with tenant A's ids and
 * with ids that do not exist: the answers must be identical (404). The matrix is generated from
 * the document the server serves, so a new endpoint is covered as soon as it is documented.
 */
class CrossTenantMatrixTest {
    @TempDir
    Path dir;

    @SuppressWarnings("unchecked")
    @Test
    void anotherTenantsIdAnswersExactlyLikeANonexistentOneOnEveryTenantEndpoint() throws Exception {
        try (TestServer s = new TestServer(dir, "h2")) {
            TestServer.Seeded seeded = s.seed(60, 1000);
            String campaign = s.propose(2);
            s.post("/v1/campaigns/" + campaign + "/approve", s.operator, null);
            s.advance(campaign, Duration.ofSeconds(1));
            Fleet fleet = s.server.inventory().current().fleet();

            String[] a = null;
            JsonNode aEvents = null;
            for (String[] t : seeded.tenantTokens()) {
                JsonNode e = s.get("/v1/tenant/events", t[1]).json().get("items");
                if (!e.isEmpty()) {
                    a = t;
                    aEvents = e;
                    break;
                }
            }
            String[] owner = a;
            String b = seeded.tenantTokens().stream().filter(t -> !t[0].equals(owner[0])).findFirst().orElseThrow()[1];
            JsonNode hook = s.post("/v1/tenant/webhooks", a[1], "{\"url\":\"http://127.0.0.1:9/hook\"}").json();
            Map<String, String> ids = Map.of(
                    "event", aEvents.get(0).get("id").asText(),
                    "instance", s.get("/v1/tenant/instances?limit=1", a[1]).json().get("items").get(0).get("id").asText(),
                    "webhook", hook.get("id").asText());
            assertThat(fleet.instance(fleet.instanceIndex(ids.get("instance"))).tenant()).isEqualTo(a[0]);

            Map<String, Object> doc;
            try (InputStream in = getClass().getResourceAsStream("/openapi.yaml")) {
                doc = (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromInputStream(in);
            }
            Map<String, Object> parameters = (Map<String, Object>) ((Map<String, Object>) doc.get("components")).get("parameters");
            Map<String, Object> paths = (Map<String, Object>) doc.get("paths");
            List<String> covered = new ArrayList<>();
            for (var p : paths.entrySet()) {
                if (!p.getKey().startsWith("/v1/tenant/") || !p.getKey().contains("{")) {
                    continue;
                }
                for (var op : ((Map<String, Object>) p.getValue()).entrySet()) {
                    String method = op.getKey().toUpperCase();
                    Map<String, Object> operation = (Map<String, Object>) op.getValue();
                    String foreignPath = p.getKey();
                    String missingPath = p.getKey();
                    for (Object param : (List<Object>) operation.getOrDefault("parameters", List.of())) {
                        Map<String, Object> def = resolve((Map<String, Object>) param, parameters);
                        if (!"path".equals(def.get("in"))) {
                            continue;
                        }
                        String kind = (String) def.get("x-ferry-id");
                        assertThat(ids).as("an id of kind " + kind + " for " + p.getKey()).containsKey(kind);
                        foreignPath = foreignPath.replace("{" + def.get("name") + "}", ids.get(kind));
                        missingPath = missingPath.replace("{" + def.get("name") + "}", "zz-no-such-" + kind);
                    }
                    String body = body(operation);
                    TestServer.Response foreign = s.send(method, foreignPath, b, body);
                    TestServer.Response missing = s.send(method, missingPath, b, body);
                    assertThat(foreign.status()).as(method + " " + foreignPath + ": " + foreign.body()).isEqualTo(404);
                    assertThat(foreign.status()).isEqualTo(missing.status());
                    assertThat(foreign.body()).as(method + " " + p.getKey()).isEqualTo(missing.body());
                    covered.add(method + " " + p.getKey());
                }
            }
            assertThat(covered).hasSizeGreaterThanOrEqualTo(11); // the tenant endpoints with ids documented today
            // and nothing of A's changed
            assertThat(s.get("/v1/tenant/webhooks/" + ids.get("webhook"), a[1]).status()).isEqualTo(200);
            assertThat(s.get("/v1/tenant/events/" + ids.get("event"), a[1]).json().get("state").asText()).isEqualTo("scheduled");
            assertThat(s.get("/v1/tenant/instances/" + ids.get("instance"), a[1]).json().get("onHostMaintenance").asText())
                    .isEqualTo(fleet.instance(fleet.instanceIndex(ids.get("instance"))).onHostMaintenance().wireName());
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> resolve(Map<String, Object> param, Map<String, Object> parameters) {
        Object ref = param.get("$ref");
        if (ref == null) {
            return param;
        }
        String name = ((String) ref).substring(((String) ref).lastIndexOf('/') + 1);
        return (Map<String, Object>) parameters.get(name);
    }

    /** A valid-looking body from the operation's JSON schema (enum → first value, date-time → an instant). */
    @SuppressWarnings("unchecked")
    private static String body(Map<String, Object> operation) {
        Map<String, Object> rb = (Map<String, Object>) operation.get("requestBody");
        if (rb == null) {
            return null;
        }
        Map<String, Object> content = (Map<String, Object>) rb.get("content");
        Map<String, Object> json = (Map<String, Object>) content.get("application/json");
        if (json == null) {
            return "{}";
        }
        Map<String, Object> schema = (Map<String, Object>) json.get("schema");
        Map<String, Object> props = (Map<String, Object>) schema.getOrDefault("properties", Map.of());
        Map<String, Object> out = new LinkedHashMap<>();
        for (var e : props.entrySet()) {
            Map<String, Object> p = (Map<String, Object>) e.getValue();
            if (p.get("enum") != null) {
                out.put(e.getKey(), ((List<Object>) p.get("enum")).get(0));
            } else if ("date-time".equals(p.get("format"))) {
                out.put(e.getKey(), Instant.parse("2026-11-28T12:00:00Z").toString());
            } else {
                out.put(e.getKey(), "x");
            }
        }
        return TestServer.json(out);
    }
}
