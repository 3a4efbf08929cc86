package dev.ferry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.model.Fleet;
import dev.ferry.formats.FleetCollector;
import dev.ferry.formats.FleetGenerator;
import dev.ferry.formats.HistoryJson;
import dev.ferry.server.api.HttpApi;
import dev.ferry.server.engine.CampaignEngine;
import dev.ferry.store.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A controller in this JVM on a free port, with a clock the test moves, and an HTTP client. The
 * database is a fresh H2 file or a fresh database on the embedded PostgreSQL.
 */
final class TestServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant T0 = Instant.parse("2026-11-27T08:00:00Z");

    record Response(int status, HttpResponse<String> raw) {
        JsonNode json() {
            try {
                return JSON.readTree(raw.body());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String body() {
            return raw.body();
        }

        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    final MutableClock clock = new MutableClock(T0);
    final FerryServer server;
    final String base;
    final String operator;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    TestServer(Path dir, String database, HttpApi.Limits limits) {
        this(dir, limits, database.equals("postgres") ? TestPostgres.newDatabaseUrl() : null);
    }

    /** On an existing database: {@code postgresUrl} for PostgreSQL, null for the H2 file under {@code dir}. */
    static TestServer reopen(Path dir, String postgresUrl) {
        return new TestServer(dir, new HttpApi.Limits(64 << 10, 64L << 20, 10_000, 10_000), postgresUrl);
    }

    private TestServer(Path dir, HttpApi.Limits limits, String postgresUrl) {
        // no forecast unless a test asks for one (its proposal's forecast field): the tests' cores are for the tests
        FerryServer.Config config = FerryServer.Config.defaults(dir).withPort(0).withClock(clock).withAccel(1)
                .withLoopbackWebhooks(true).withLimits(limits).withWebhookPoll(null).withForecastRuns(0);
        if (postgresUrl != null) {
            config = config.withDatabase(postgresUrl, null, null);
        }
        this.server = FerryServer.start(config);
        this.base = "http://127.0.0.1:" + server.port();
        this.operator = server.tokens().create(Principal.Role.OPERATOR, null, "test operator");
    }

    TestServer(Path dir, String database) {
        this(dir, database, new HttpApi.Limits(64 << 10, 64L << 20, 10_000, 10_000));
    }

    /** The advisory {@link #seed} registers: XSA-108-like, disclosure five days after the clock's now. */
    static final String ADVISORY_ID = "XSA-108";

    /** What {@link #seed} created: the tenants' tokens as (tenant, token) pairs. */
    record Seeded(String advisory, int hosts, int instances, List<String[]> tenantTokens) {
    }

    /**
     * Seeds the controller over its API, as an operator would: a small generated fleet, the
     * advisory, and a token for each of the first {@code tenants} tenants.
     */
    Seeded seed(int hosts, int tenants) {
        Fleet fleet = FleetCollector.generate(FleetGenerator.Options.defaults(hosts, 7));
        expect(200, "import the fleet", send("PUT", "/v1/inventory", operator, Uploads.json(fleet)));
        expect(201, "register the advisory", post("/v1/advisories", operator, """
                ferry: advisory/v1
                id: %s
                title: Improper MSR range used for x2APIC emulation (test)
                affects:
                  - { hypervisor: "xen-4.[0-4].*", cpuModel: "*" }
                fixedVersion: xen-4.4.1
                requiresReboot: true
                disclosure: %s
                """.formatted(ADVISORY_ID, clock.instant().plus(Duration.ofDays(5)))));
        List<String[]> tokens = new ArrayList<>();
        for (int t = 0; t < Math.min(tenants, fleet.tenants().size()); t++) {
            String id = fleet.tenants().get(t).id();
            Response r = expect(201, "a token for " + id, post("/v1/tokens", operator,
                    json(Map.of("role", "tenant", "tenant", id, "name", "test " + id))));
            tokens.add(new String[] {id, r.json().get("token").asText()});
        }
        return new Seeded(ADVISORY_ID, fleet.hosts().size(), fleet.instances().size(), tokens);
    }

    private static Response expect(int status, String what, Response r) {
        if (r.status() != status) {
            throw new AssertionError(what + ": " + r.status() + " " + r.body());
        }
        return r;
    }

    Response send(String method, String path, String token, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", body.startsWith("{") ? "application/json" : "application/yaml");
        }
        for (int k = 0; k + 1 < headers.length; k += 2) {
            if (headers[k].equalsIgnoreCase("Expect")) {
                b.expectContinue(true); // a restricted header: the client sends it and waits for 100 before the body
            } else {
                b.header(headers[k], headers[k + 1]);
            }
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Response get(String path, String token) {
        return send("GET", path, token, null);
    }

    Response post(String path, String token, String body, String... headers) {
        return send("POST", path, token, body, headers);
    }

    /** Proposes a campaign on the seeded advisory with a fixed seed; returns its id. */
    String propose(long seed) {
        Response r = post("/v1/campaigns", operator, "{\"advisory\":\"" + ADVISORY_ID + "\",\"seed\":" + seed + "}");
        if (r.status() != 201) {
            throw new AssertionError("propose: " + r.status() + " " + r.body());
        }
        return r.json().get("id").asText();
    }

    /** Moves the clock far enough for the whole campaign to pass and waits for its loop to end. */
    void runToEnd(String campaign) throws InterruptedException {
        clock.advanceMillis(Duration.ofDays(30).toMillis());
        CampaignEngine e = server.campaigns().engine(campaign);
        e.wake();
        e.awaitDone(120_000);
        if (!e.snapshot().done()) {
            throw new AssertionError("campaign loop did not end: " + e.snapshot());
        }
    }

    /** Moves the clock and lets the running campaign catch up to it (the loop commits before it answers a command). */
    void advance(String campaign, Duration d) {
        clock.advanceMillis(d.toMillis());
        try {
            server.campaigns().engine(campaign).sync().get();
        } catch (Exception x) {
            throw new IllegalStateException(x);
        }
    }

    List<HistoryRecord> facts(String campaign) {
        return server.database().tx(c -> {
            List<HistoryRecord> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT body FROM facts WHERE campaign = ? ORDER BY seq")) {
                ps.setString(1, campaign);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(HistoryJson.parse(rs.getString(1)));
                    }
                }
            }
            return out;
        });
    }

    long count(String sql, Object... args) {
        return server.database().tx(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int k = 0; k < args.length; k++) {
                    ps.setObject(k + 1, args[k]);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    static String json(Map<String, ?> m) {
        try {
            return JSON.writeValueAsString(m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
