package dev.ferry.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.lab.DemoSeed;
import dev.ferry.server.FerryServer;
import dev.ferry.server.Principal;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Controller failover, measured: three controllers (each its own JVM) on one PostgreSQL, a campaign
 * running on a simulated fleet; the leader is killed ({@code kill -9}) or stalled (SIGSTOP) again
 * and again while a client reads the campaign from the surviving controllers and, at each failure,
 * asks a standby to pause the campaign. For each failure: the time until a standby leads (its
 * {@code /health} says so), until the campaign's loop commits again (its stored progress moves),
 * and until the pause through the standby is answered; and the reads' availability and latency
 * on the survivors throughout.
 *
 * <p>Usage: {@code ./bench/failover [--kills 5] [--stalls 2] [--lease-seconds 5]}
 */
public final class FailoverBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** A controller in its own JVM: prints "READY port" once it serves. */
    public static final class ControllerMain {
        public static void main(String[] args) throws Exception {
            FerryServer s = FerryServer.start(FerryServer.Config.defaults(Path.of(args[0])).withPort(0)
                    .withDatabase(args[1], null, null).withNode(args[2]).withLease(Duration.ofMillis(Long.parseLong(args[3]))));
            System.out.println("READY " + s.port());
            System.out.flush();
            Thread.currentThread().join();
        }
    }

    private record Node(String name, Process process, int port) {
    }

    private record Failure(String kind, long leaderMs, long progressMs, long commandMs) {
    }

    private FailoverBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int kills = 5;
        int stalls = 2;
        double leaseSeconds = 5;
        for (int k = 0; k + 1 < args.length; k += 2) {
            switch (args[k]) {
                case "--kills" -> kills = Integer.parseInt(args[k + 1]);
                case "--stalls" -> stalls = Integer.parseInt(args[k + 1]);
                case "--lease-seconds" -> leaseSeconds = Double.parseDouble(args[k + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[k]);
            }
        }
        long leaseMs = (long) (leaseSeconds * 1000);
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            String url = pg.getJdbcUrl("postgres", "postgres");
            Path dir = Files.createTempDirectory("ferry-failover-bench");
            String operator;
            String campaign;
            try (FerryServer s = FerryServer.start(FerryServer.Config.defaults(dir).withPort(0).withDatabase(url, null, null)
                    .withAccel(20))) {
                DemoSeed.Seeded seeded = DemoSeed.seed(s, 200, 7, 0, Instant.now());
                operator = s.tokens().create(Principal.Role.OPERATOR, null, "bench");
                campaign = JSON.readTree(send("POST", s.port(), "/v1/campaigns", operator, "{\"advisory\":\"" + seeded.advisory()
                        + "\",\"seed\":1,\"accel\":20,\"forecast\":0}").body()).path("id").asText();
                send("POST", s.port(), "/v1/campaigns/" + campaign + "/approve", operator, null);
            }
            List<Node> nodes = new ArrayList<>();
            int named = 0;
            for (; named < 3; named++) {
                nodes.add(spawn(dir, url, "n" + named, leaseMs));
            }
            AtomicBoolean reading = new AtomicBoolean(true);
            List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
            AtomicLong failed = new AtomicLong();
            List<Node> alive = new CopyOnWriteArrayList<>(nodes);
            String op = operator;
            String id = campaign;
            Thread reader = new Thread(() -> read(alive, op, id, reading, latencies, failed), "reader");
            reader.start();
            List<Failure> failures = new ArrayList<>();
            for (int f = 0; f < kills + stalls; f++) {
                Thread.sleep(2_000); // steady state between failures
                Node leader = leader(alive, op);
                boolean stall = f >= kills;
                long progress = progress(alive.get(0), op, id);
                long began = System.nanoTime();
                if (stall) {
                    signal(leader, "-STOP");
                } else {
                    leader.process().destroyForcibly();
                    leader.process().waitFor();
                }
                alive.remove(leader);
                Node standby = alive.get(0);
                PauseThread pause = new PauseThread(standby.port(), op, id, began);
                pause.start();
                Node next = awaitLeader(alive, op, leader.name());
                long leaderMs = (System.nanoTime() - began) / 1_000_000;
                while (progress(next, op, id) <= progress) {
                    Thread.sleep(10); // polling the stored progress for the new leader's first commit
                }
                long progressMs = (System.nanoTime() - began) / 1_000_000;
                pause.join();
                send("POST", standby.port(), "/v1/campaigns/" + id + "/resume", op, null);
                failures.add(new Failure(stall ? "stall (SIGSTOP)" : "kill -9", leaderMs, progressMs, pause.answeredMs));
                if (stall) {
                    signal(leader, "-CONT");
                    while (!health(leader.port()).equals("standby")) {
                        Thread.sleep(10); // the woken leader reads the lease and stands down
                    }
                    alive.add(leader);
                } else {
                    Node fresh = spawn(dir, url, "n" + named++, leaseMs);
                    nodes.add(fresh);
                    alive.add(fresh);
                }
            }
            reading.set(false);
            reader.join();
            for (Node n : nodes) {
                n.process().destroyForcibly();
            }
            report(failures, latencies, failed.get(), leaseSeconds);
        }
    }

    private static void report(List<Failure> failures, List<Long> latencies, long failed, double leaseSeconds) {
        System.out.println();
        System.out.printf(Locale.ROOT, "| failure | lease s | new leader after ms | campaign commits again after ms"
                + " | a pause sent to a standby answered after ms |%n");
        System.out.println("|---|---|---|---|---|");
        for (Failure f : failures) {
            System.out.printf(Locale.ROOT, "| %s | %.1f | %d | %d | %d |%n", f.kind(), leaseSeconds, f.leaderMs(), f.progressMs(),
                    f.commandMs());
        }
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.println();
        System.out.println("| reads of the campaign on the surviving controllers | answered | failed | p50 ms | p99 ms | max ms |");
        System.out.println("|---|---|---|---|---|---|");
        System.out.printf(Locale.ROOT, "| throughout (%d failures) | %d | %d | %.1f | %.1f | %.1f |%n", failures.size(), sorted.length,
                failed, q(sorted, 0.5), q(sorted, 0.99), q(sorted, 1.0));
    }

    private static double q(long[] sorted, double q) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.max(0, Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1))] / 1e6;
    }

    /** Reads the campaign from the live controllers in turn, about 50 a second, until told to stop. */
    private static void read(List<Node> alive, String operator, String campaign, AtomicBoolean reading, List<Long> latencies,
                             AtomicLong failed) {
        for (int k = 0; reading.get(); k++) {
            List<Node> now = List.copyOf(alive);
            Node n = now.get(k % now.size());
            long t = System.nanoTime();
            try {
                HttpResponse<String> r = send("GET", n.port(), "/v1/campaigns/" + campaign, operator, null);
                if (r.statusCode() == 200) {
                    latencies.add(System.nanoTime() - t);
                } else {
                    failed.incrementAndGet();
                    System.err.println("read from " + n.name() + ": " + r.statusCode() + " " + r.body());
                }
            } catch (IOException e) {
                if (alive.contains(n)) {
                    failed.incrementAndGet(); // a node taken out between the choice and the call does not count
                    System.err.println("read from " + n.name() + ": " + e);
                }
            } catch (InterruptedException e) {
                return;
            }
            try {
                Thread.sleep(20); // the load's pace
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** A pause sent to a standby the moment the leader failed: answered once a new leader's loop took it. */
    private static final class PauseThread extends Thread {
        private final int port;
        private final String operator;
        private final String campaign;
        private final long began;
        private volatile long answeredMs = -1;

        PauseThread(int port, String operator, String campaign, long began) {
            this.port = port;
            this.operator = operator;
            this.campaign = campaign;
            this.began = began;
        }

        @Override
        public void run() {
            try {
                int status = send("POST", port, "/v1/campaigns/" + campaign + "/pause", operator, null).statusCode();
                answeredMs = status == 200 ? (System.nanoTime() - began) / 1_000_000 : -status;
            } catch (IOException | InterruptedException e) {
                answeredMs = -1;
            }
        }
    }

    private static Node spawn(Path dir, String url, String name, long leaseMs) throws IOException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g", "-cp",
                System.getProperty("java.class.path"), ControllerMain.class.getName(), dir.resolve(name).toString(), url, name,
                Long.toString(leaseMs));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("READY ")) {
                return new Node(name, p, Integer.parseInt(line.substring(6).trim()));
            }
        }
        throw new IOException("controller " + name + " did not start");
    }

    private static Node leader(List<Node> nodes, String operator) throws Exception {
        return awaitLeader(nodes, operator, null);
    }

    private static Node awaitLeader(List<Node> nodes, String operator, String not) throws Exception {
        while (true) {
            for (Node n : nodes) {
                if (!n.name().equals(not) && health(n.port()).equals("leader")) {
                    return n;
                }
            }
            Thread.sleep(5); // polling the controllers' health for the takeover
        }
    }

    private static String health(int port) {
        try {
            return JSON.readTree(send("GET", port, "/health", null, null).body()).path("role").asText();
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    private static long progress(Node n, String operator, String campaign) throws IOException, InterruptedException {
        JsonNode c = JSON.readTree(send("GET", n.port(), "/v1/campaigns/" + campaign, operator, null).body());
        return c.path("virtualSeconds").asLong(c.path("virtualMs").asLong());
    }

    private static void signal(Node n, String sig) throws IOException, InterruptedException {
        new ProcessBuilder("kill", sig, Long.toString(n.process().pid())).inheritIO().start().waitFor();
    }

    private static HttpResponse<String> send(String method, int port, String path, String token, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
