package dev.ferry.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.lab.DemoSeed;
import dev.ferry.server.FerryServer;
import dev.ferry.server.Principal;
import dev.ferry.server.api.HttpApi;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Mixed tenant API load on loopback: 80% reads (event and instance lists and items), 20% writes
 * (onHostMaintenance changes, reschedules through the running campaign's loop, webhook
 * registrations), many tenants, at a fixed arrival rate (open loop: latency is measured from each
 * request's scheduled time, so a slow server cannot hide queueing). On H2 and on PostgreSQL.
 * The load generator runs in the server's JVM, sharing its two cores.
 *
 * <p>Usage: {@code ./bench/api [--rate 300] [--seconds 30] [--hosts 1000] [--db h2|postgres|both]}
 */
public final class ApiBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Tenant(String id, String token, List<String> instances, List<String> events) {
    }

    private record Result(String db, int rate, int sent, int errors, double seconds, long[] reads, long[] writes) {
        Result withDb(String d) {
            return new Result(d, rate, sent, errors, seconds, reads, writes);
        }
    }

    public static void main(String[] args) throws Exception {
        int rate = 300;
        int seconds = 30;
        int hosts = 1000;
        String db = "both";
        for (int k = 0; k + 1 < args.length; k += 2) {
            switch (args[k]) {
                case "--rate" -> rate = Integer.parseInt(args[k + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[k + 1]);
                case "--hosts" -> hosts = Integer.parseInt(args[k + 1]);
                case "--db" -> db = args[k + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[k]);
            }
        }
        List<Result> results = new ArrayList<>();
        EmbeddedPostgres pg = null;
        try {
            for (String kind : db.equals("both") ? List.of("h2", "postgres") : List.of(db)) {
                String url = null;
                if (kind.equals("postgres")) {
                    pg = EmbeddedPostgres.builder().start();
                    url = pg.getJdbcUrl("postgres", "postgres");
                }
                results.add(run(kind, url, rate, seconds, hosts));
            }
        } finally {
            if (pg != null) {
                pg.close();
            }
        }
        System.out.println();
        System.out.println("| database | target req/s | sent | achieved req/s | errors | read p50 ms | read p99 ms | read max ms"
                + " | write p50 ms | write p99 ms | write max ms |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "| %s | %d | %d | %.0f | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |%n", r.db(), r.rate(),
                    r.sent(), r.sent() / r.seconds(), r.errors(), ms(r.reads(), 0.50), ms(r.reads(), 0.99), ms(r.reads(), 1.0),
                    ms(r.writes(), 0.50), ms(r.writes(), 0.99), ms(r.writes(), 1.0));
        }
    }

    private static double ms(long[] nanos, double q) {
        if (nanos.length == 0) {
            return 0;
        }
        int i = (int) Math.min(nanos.length - 1, Math.ceil(q * nanos.length) - 1);
        return nanos[Math.max(0, i)] / 1e6;
    }

    private static Result run(String kind, String url, int rate, int seconds, int hosts) throws Exception {
        Path dir = Files.createTempDirectory("ferry-api-bench");
        FerryServer.Config config = FerryServer.Config.defaults(dir).withPort(0).withAccel(1)
                .withLimits(new HttpApi.Limits(64 << 10, 256L << 20, 100_000, 100_000));
        if (url != null) {
            config = config.withDatabase(url, null, null);
        }
        try (FerryServer server = FerryServer.start(config)) {
            String base = "http://127.0.0.1:" + server.port();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            System.out.printf(Locale.ROOT, "[%s] seeding %d hosts ...%n", kind, hosts);
            DemoSeed.Seeded seeded = DemoSeed.seed(server, hosts, 42, Integer.MAX_VALUE, Instant.now());
            String operator = server.tokens().create(Principal.Role.OPERATOR, null, "bench");
            JsonNode c = JSON.readTree(send(http, "POST", base + "/v1/campaigns", operator,
                    "{\"advisory\":\"" + seeded.advisory() + "\",\"seed\":1,\"forecast\":0}").body());
            send(http, "POST", base + "/v1/campaigns/" + c.get("id").asText() + "/approve", operator, null);
            server.campaigns().engine(c.get("id").asText()).sync().get();
            List<Tenant> tenants = new ArrayList<>();
            for (String[] t : seeded.tenantTokens()) {
                List<String> instances = new ArrayList<>();
                JSON.readTree(send(http, "GET", base + "/v1/tenant/instances?limit=50", t[1], null).body()).get("items")
                        .forEach(i -> instances.add(i.get("id").asText()));
                List<String> events = new ArrayList<>();
                JSON.readTree(send(http, "GET", base + "/v1/tenant/events?limit=50", t[1], null).body()).get("items")
                        .forEach(e -> events.add(e.get("id").asText()));
                if (!instances.isEmpty()) {
                    tenants.add(new Tenant(t[0], t[1], instances, events));
                }
            }
            System.out.printf(Locale.ROOT, "[%s] %d tenants, %d with events; warming up, then %d s at %d req/s ...%n", kind,
                    tenants.size(), tenants.stream().filter(t -> !t.events().isEmpty()).count(), seconds, rate);
            load(http, base, tenants, rate, 5, new SplittableRandom(7));
            Result r = load(http, base, tenants, rate, seconds, new SplittableRandom(8)).withDb(kind);
            Path file = dir.resolve("ferry.mv.db");
            if (Files.exists(file)) {
                System.out.printf(Locale.ROOT, "[%s] H2 file after the run: %.1f MiB (REUSE_SPACE=FALSE: it grows until closed)%n",
                        kind, Files.size(file) / 1048576.0);
            }
            return r;
        }
    }

    private static Result load(HttpClient http, String base, List<Tenant> tenants, int rate, int seconds, SplittableRandom random)
            throws InterruptedException {
        OpenLoop.Result r = OpenLoop.run(http, rate, seconds, rnd -> {
            Tenant t = tenants.get(rnd.nextInt(tenants.size()));
            double u = rnd.nextDouble();
            String[] req = request(base, t, u, rnd.nextInt(1 << 20));
            return new OpenLoop.Request(req[0], req[1], t.token(), req[2], u >= 0.8);
        }, random);
        return new Result("", rate, r.sent(), r.errors(), r.seconds(), r.reads(), r.writes());
    }

    /** {method, url, body}: 80% reads, 20% writes. */
    private static String[] request(String base, Tenant t, double u, int pick) {
        String instance = t.instances().get(pick % t.instances().size());
        String event = t.events().isEmpty() ? null : t.events().get(pick % t.events().size());
        if (u < 0.25) {
            return new String[] {"GET", base + "/v1/tenant/events?limit=20", null};
        } else if (u < 0.45) {
            return new String[] {"GET", base + "/v1/tenant/instances?limit=50", null};
        } else if (u < 0.65) {
            return new String[] {"GET", base + "/v1/tenant/instances/" + instance, null};
        } else if (u < 0.80) {
            return event == null ? new String[] {"GET", base + "/v1/tenant/events", null}
                    : new String[] {"GET", base + "/v1/tenant/events/" + event, null};
        } else if (u < 0.90) {
            String v = pick % 2 == 0 ? "migrate" : "restart";
            return new String[] {"PATCH", base + "/v1/tenant/instances/" + instance, "{\"onHostMaintenance\":\"" + v + "\"}"};
        } else if (u < 0.95 && event != null) {
            return new String[] {"POST", base + "/v1/tenant/events/" + event + "/reschedule",
                    "{\"notBefore\":\"" + Instant.now().plus(Duration.ofHours(26 + pick % 20)) + "\"}"};
        }
        return new String[] {"POST", base + "/v1/tenant/webhooks", "{\"url\":\"https://198.51.100.7/ferry/" + pick + "\"}"};
    }

    private static HttpResponse<String> send(HttpClient http, String method, String url, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
