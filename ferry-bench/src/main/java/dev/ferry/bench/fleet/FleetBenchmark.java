package dev.ferry.bench.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The control plane at fleet scale (issue 16): one controller (its own JVM, on PostgreSQL) and N
 * simulated-hypervisor host agents (several JVMs, each agent its own HTTP listener), heartbeating
 * every 10 s; a campaign with hundreds of live migrations at once while tenants use the API at a
 * fixed rate. Measured per fleet size: heartbeat ingestion, the campaign loop's rounds, dispatch
 * latency, the tenant API, the controller's CPU and heap, the database's growth, the campaign's
 * time against the simulator's for the same inputs, and at the largest size the resume after
 * {@code kill -9} of the controller.
 *
 * <p>Usage: {@code ./bench/fleet [--agents 1000,5000,10000] [--per-jvm 2500] [--moves 500]
 * [--report-seconds 10] [--rate 300] [--load-seconds 30] [--kill true]}
 */
public final class FleetBenchmark {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private FleetBenchmark() {
    }

    /** The {@link FleetInputs} from {@code args} at {@code at} (as {@link #inputArgs} wrote them). */
    static FleetInputs inputs(String[] args, int at) {
        int[] v = new int[9];
        for (int k = 0; k < v.length; k++) {
            v[k] = Integer.parseInt(args[at + k]);
        }
        return new FleetInputs(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
    }

    static List<String> inputArgs(FleetInputs in) {
        return List.of(in.hosts(), in.portBase(), in.affectedEvery(), in.guests(), in.guestMiB(), in.moves(), in.bandwidthMiBps(),
                in.rebootMinutes(), in.tenants()).stream().map(String::valueOf).toList();
    }

    record Options(List<Integer> sizes, int perJvm, int moves, int reportSeconds, int rate, int loadSeconds, boolean kill,
                   int guestMiB, int bandwidth, int rebootMinutes) {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = List.of(1000, 5000, 10000);
        int perJvm = 2500;
        int moves = 500;
        int reportSeconds = 10;
        int rate = 300;
        int loadSeconds = 30;
        boolean kill = true;
        int guestMiB = 4096;
        int bandwidth = 128;
        int reboot = 1;
        for (int k = 0; k < args.length; k += 2) {
            if (k + 1 >= args.length) {
                throw new IllegalArgumentException(args[k] + " needs a value");
            }
            String v = args[k + 1];
            switch (args[k]) {
                case "--agents" -> sizes = java.util.Arrays.stream(v.split(",")).map(String::trim).map(Integer::parseInt).toList();
                case "--per-jvm" -> perJvm = Integer.parseInt(v);
                case "--moves" -> moves = Integer.parseInt(v);
                case "--report-seconds" -> reportSeconds = Integer.parseInt(v);
                case "--rate" -> rate = Integer.parseInt(v);
                case "--load-seconds" -> loadSeconds = Integer.parseInt(v);
                case "--kill" -> kill = Boolean.parseBoolean(v);
                case "--guest-mib" -> guestMiB = Integer.parseInt(v);
                case "--bandwidth-mibps" -> bandwidth = Integer.parseInt(v);
                case "--reboot-minutes" -> reboot = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown option " + args[k]
                        + " (--agents N,N,... --per-jvm --moves --report-seconds --rate --load-seconds --kill --guest-mib"
                        + " --bandwidth-mibps --reboot-minutes)");
            }
        }
        Options o = new Options(sizes, perJvm, moves, reportSeconds, rate, loadSeconds, kill, guestMiB, bandwidth, reboot);
        List<FleetRun.Result> results = new ArrayList<>();
        int largest = sizes.stream().mapToInt(Integer::intValue).max().orElse(0);
        for (int n : sizes) {
            results.add(new FleetRun(o, n, o.kill() && n == largest).run());
            FleetRun.Result.print(results, o); // the tables so far: a later size that fails loses nothing
        }
    }

    // ---- small helpers shared by the run ----

    static HttpResponse<String> send(String method, String url, String token, String body, String type)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", type);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(String method, String url, String token, String body, String type) throws IOException, InterruptedException {
        HttpResponse<String> r = send(method, url, token, body, type);
        if (r.statusCode() >= 300) {
            throw new IOException(method + " " + url + ": " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** A JVM running {@code main} with {@code args}, its output lines given to {@code lines} (on a thread of its own). */
    static Process spawn(String heap, Class<?> main, List<String> args, java.util.function.Consumer<String> lines, Path log)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + heap,
                "-XX:+UseParallelGC", "-Xlog:gc:file=" + log.resolveSibling(main.getSimpleName() + "-gc-%p.log"),
                // the campaign loop's own lines (how long a restarted controller took to ask every agent) in processes.log
                "-Dorg.slf4j.simpleLogger.log.dev.ferry.server.engine=info", "-cp",
                System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.accept(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        return p;
    }

    static long databaseBytes(EmbeddedPostgres pg) throws Exception {
        try (Connection c = pg.getPostgresDatabase().getConnection(); ResultSet rs = c.createStatement()
                .executeQuery("SELECT pg_database_size('postgres')")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Prometheus text: the value of {@code name} with every label in {@code labels}, summed over the series that have them. */
    static double metric(String scrape, String name, Map<String, String> labels) {
        double sum = 0;
        for (String line : scrape.split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            boolean all = labels.entrySet().stream().allMatch(e -> line.contains(e.getKey() + "=\"" + e.getValue() + "\""));
            if (all) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /** The largest value of {@code name} over the series with every label in {@code labels} (a quantile over several statuses). */
    static double metricMax(String scrape, String name, Map<String, String> labels) {
        double max = 0;
        for (String line : scrape.split("\n")) {
            if (line.startsWith(name + "{") && labels.entrySet().stream().allMatch(e -> line.contains(e.getKey() + "=\"" + e.getValue() + "\""))) {
                max = Math.max(max, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
            }
        }
        return max;
    }

    static String fmt(String f, Object... a) {
        return String.format(Locale.ROOT, f, a);
    }
}
