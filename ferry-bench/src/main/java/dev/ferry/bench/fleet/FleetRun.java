package dev.ferry.bench.fleet;

import static dev.ferry.bench.fleet.FleetBenchmark.fmt;
import static dev.ferry.bench.fleet.FleetBenchmark.json;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.bench.OpenLoop;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** One fleet size of {@link FleetBenchmark}: start, measure, tear down. */
final class FleetRun {
    private static final Map<String, String> REPORT = Map.of("route", "/v1/agent/report");

    private final FleetBenchmark.Options o;
    private final int n;
    private final boolean kill;
    private final FleetInputs in;

    FleetRun(FleetBenchmark.Options o, int n, boolean kill) {
        this.o = o;
        this.n = n;
        this.kill = kill;
        this.in = new FleetInputs(n, 20_000, 10, 2, o.guestMiB(), o.moves(), o.bandwidth(), o.rebootMinutes(), 100);
    }

    /** The controller's process, its port and its latest figures. */
    static final class Controller {
        final Process process;
        final int port;
        volatile long cpuMs;
        volatile long heapPeakMiB;
        volatile long heapAfterGcPeakMiB;

        private Controller(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        static Controller start(Path dir, String url, int port, FleetInputs in, Path log) throws Exception {
            CountDownLatch ready = new CountDownLatch(1);
            int[] bound = {port};
            Controller[] self = new Controller[1];
            Process p = FleetBenchmark.spawn("4g", ControllerMain.class, List.of(dir.resolve("controller").toString(), url,
                    Integer.toString(port), Integer.toString(in.hosts()), Integer.toString(in.tenants()),
                    dir.resolve("secrets").toString()), line -> {
                        if (line.startsWith("READY ")) {
                            bound[0] = Integer.parseInt(line.substring(6).trim());
                            ready.countDown();
                        } else if (line.startsWith("STAT ") && self[0] != null) {
                            String[] f = line.split(" ");
                            self[0].cpuMs = Long.parseLong(f[1]);
                            self[0].heapPeakMiB = Math.max(self[0].heapPeakMiB, Long.parseLong(f[2]));
                            self[0].heapAfterGcPeakMiB = Math.max(self[0].heapAfterGcPeakMiB, Long.parseLong(f[3]));
                        }
                    }, log);
            if (!ready.await(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("the controller did not start; see " + log);
            }
            Controller c = new Controller(p, bound[0]);
            self[0] = c;
            return c;
        }
    }

    record Resume(long readyMs, long progressMs, long replayMs) {
    }

    record Result(int agents, int jvms, int affected, int hostsAtOnce, double startSeconds, double reportsPerSecond, double reportP99Ms,
                  double campaignReportP99Ms, double roundP50Ms, double roundP99Ms, double dispatchP99Ms, OpenLoop.Result tenants,
                  double idleCores, double campaignCores, long heapPeakMiB, long heapAfterGcMiB, long dbGrowthBytes, String state,
                  long campaignSeconds, long simulatedSeconds, Resume resume, double agentCores, double machineCores,
                  long webhooksReceived, long failedMigrations) {
        static void print(List<Result> results, FleetBenchmark.Options o) {
            System.out.println();
            System.out.println("| agents | agent JVMs | affected hosts | hosts at once (moves) | all agents up after s | reports/s"
                    + " | report p99 ms idle / campaign | loop round p50 / p99 ms | dispatch p99 ms | tenant reads p99 ms"
                    + " | tenant writes p99 ms | tenant errors | controller cores idle / campaign | heap peak / after GC MiB"
                    + " | database growth MiB | campaign s | simulator s | difference |");
            System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            for (Result r : results) {
                System.out.println(fmt("| %d | %d | %d | %d (%d) | %.0f | %.0f | %.1f / %.1f | %.1f / %.1f | %.1f | %.1f | %.1f | %d of %d"
                                + " | %.2f / %.2f | %d / %d | %.1f | %d%s | %d | %+.1f%% |", r.agents(), r.jvms(), r.affected(),
                        r.hostsAtOnce(), r.hostsAtOnce() * 2, r.startSeconds(), r.reportsPerSecond(), r.reportP99Ms(),
                        r.campaignReportP99Ms(), r.roundP50Ms(), r.roundP99Ms(), r.dispatchP99Ms(), r.tenants().readMs(0.99),
                        r.tenants().writeMs(0.99), r.tenants().errors(), r.tenants().sent(), r.idleCores(), r.campaignCores(),
                        r.heapPeakMiB(), r.heapAfterGcMiB(), r.dbGrowthBytes() / 1048576.0, r.campaignSeconds(),
                        r.state().equals("completed") ? "" : " (" + r.state() + ")", r.simulatedSeconds(),
                        100.0 * (r.campaignSeconds() - r.simulatedSeconds()) / Math.max(1, r.simulatedSeconds())));
            }
            for (Result r : results) {
                if (r.resume() != null) {
                    System.out.println();
                    System.out.println("| resume after kill -9, agents | controller serves again after ms | campaign commits again after ms"
                            + " | of which replay ms |");
                    System.out.println("|---|---|---|---|");
                    System.out.println(fmt("| %d | %d | %d | %d |", r.agents(), r.resume().readyMs(), r.resume().progressMs(),
                            r.resume().replayMs()));
                }
            }
            System.out.println();
            System.out.println();
            System.out.println("| agents | during the tenant load: controller cores | agent JVMs' cores | machine's busy cores (of "
                    + Runtime.getRuntime().availableProcessors() + ") | webhook deliveries received | migrations failed (retried) |");
            System.out.println("|---|---|---|---|---|---|");
            for (Result r : results) {
                System.out.println(fmt("| %d | %.2f | %.2f | %.2f | %d | %d |", r.agents(), r.campaignCores(), r.agentCores(),
                        r.machineCores(), r.webhooksReceived(), r.failedMigrations()));
            }
            System.out.println(fmt("Tenant load %d req/s for %d s; reports every %d s; %d MiB guests at %d MiB/s; reboot %d min.",
                    o.rate(), o.loadSeconds(), o.reportSeconds(), o.guestMiB(), o.bandwidth(), o.rebootMinutes()));
        }
    }

    Result run() throws Exception {
        Path dir = Files.createTempDirectory("ferry-fleet-bench-" + n + "-");
        Path log = dir.resolve("processes.log");
        System.err.println(fmt("[%d] in %s (process output: %s)", n, dir, log));
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setServerConfig("max_connections", "200").start()) {
            return run(dir, log, pg);
        }
    }

    /** The run on its database; the controller and agents are stopped before the database is. */
    private Result run(Path dir, Path log, EmbeddedPostgres pg) throws Exception {
        List<Process> agentJvms = new ArrayList<>();
        Controller c = null;
        try (WebhookSink sink = WebhookSink.start()) {
            String url = pg.getJdbcUrl("postgres", "postgres");
            c = Controller.start(dir, url, 0, in, log);
            Map<String, String> secrets = secrets(dir.resolve("secrets"));
            String op = secrets.get("operator");
            String base = "http://127.0.0.1:" + c.port;
            json("PUT", base + "/v1/inventory", op, in.fleetYaml(), "application/yaml");
            json("POST", base + "/v1/advisories", op, FleetInputs.ADVISORY, "application/yaml");
            long t = System.nanoTime();
            int jvms = (n + o.perJvm() - 1) / o.perJvm();
            CountDownLatch ready = new CountDownLatch(jvms);
            for (int j = 0; j < jvms; j++) {
                List<String> args = new ArrayList<>(List.of(base, dir.resolve("secrets").toString(), Integer.toString(j * o.perJvm() + 1),
                        Integer.toString(Math.min(n, (j + 1) * o.perJvm())), Integer.toString(o.reportSeconds()),
                        dir.resolve("agents").toString()));
                args.addAll(FleetBenchmark.inputArgs(in));
                agentJvms.add(FleetBenchmark.spawn("3g", AgentsMain.class, args, line -> {
                    if (line.equals("READY")) {
                        ready.countDown();
                    }
                }, log));
            }
            if (!ready.await(20, TimeUnit.MINUTES)) {
                throw new IOException("the agents did not start; see " + log);
            }
            awaitAllUp(base, op);
            double startSeconds = (System.nanoTime() - t) / 1e9;
            for (int k = 1; k <= in.tenants(); k++) {
                json("POST", base + "/v1/tenant/webhooks", secrets.get("t" + k), "{\"url\":\"" + sink.url() + "/t" + k + "\"}",
                        "application/json");
            }
            System.err.println(fmt("[%d] %d agents up after %.0f s; heartbeats for %d s ...", n, n, startSeconds, 3 * o.reportSeconds()));
            String s0 = scrape(base, op);
            long cpu0 = c.cpuMs;
            long w0 = System.nanoTime();
            Thread.sleep(3_000L * o.reportSeconds()); // a window of heartbeats with nothing else going on
            String s1 = scrape(base, op);
            double window = (System.nanoTime() - w0) / 1e9;
            double idleCores = (c.cpuMs - cpu0) / 1000.0 / window;
            double reportsPerSecond = (count(s1, REPORT) - count(s0, REPORT)) / window;
            double reportP99 = quantile(s1, "ferry_http_requests_seconds", REPORT, "0.99");
            long db0 = FleetBenchmark.databaseBytes(pg);
            String campaign = json("POST", base + "/v1/campaigns", op, FleetBenchmark.JSON.writeValueAsString(Map.of("advisory", "XSA-108",
                    "hypervisors", "agents", "policy", in.policyYaml(), "forecast", 0)), "application/json").path("id").asText();
            json("POST", base + "/v1/campaigns/" + campaign + "/approve", op, "{}", "application/json");
            long cpu1 = c.cpuMs;
            long a0 = System.nanoTime();
            long[] machine0 = machineCpu();
            long agents0 = cpuMs(agentJvms);
            System.err.println(fmt("[%d] campaign %s approved; tenants at %d req/s for %d s ...", n, campaign, o.rate(), o.loadSeconds()));
            Thread.sleep(5_000); // the first moves under way
            OpenLoop.Result tenants = tenantLoad(base, secrets);
            String s2 = scrape(base, op);
            double loadWindow = (System.nanoTime() - a0) / 1e9;
            double campaignCores = (c.cpuMs - cpu1) / 1000.0 / loadWindow;
            double agentCores = (cpuMs(agentJvms) - agents0) / 1000.0 / loadWindow;
            long[] machine1 = machineCpu();
            double machineCores = Runtime.getRuntime().availableProcessors() * (double) (machine1[0] - machine0[0])
                    / Math.max(1, machine1[1] - machine0[1]);
            double roundP50 = quantile(s2, "ferry_campaign_round_seconds", Map.of(), "0.5");
            double roundP99 = quantile(s2, "ferry_campaign_round_seconds", Map.of(), "0.99");
            double dispatchP99 = quantile(s2, "ferry_agent_dispatch_seconds", Map.of(), "0.99");
            double campaignReportP99 = quantile(s2, "ferry_http_requests_seconds", REPORT, "0.99");
            Resume resume = null;
            if (kill) {
                long before = progress(base, op, campaign);
                c.process.destroyForcibly();
                c.process.waitFor();
                long k0 = System.nanoTime();
                System.err.println(fmt("[%d] controller killed (kill -9); starting it again ...", n));
                c = Controller.start(dir, url, c.port, in, log);
                long readyMs = (System.nanoTime() - k0) / 1_000_000;
                while (progress(base, op, campaign) <= before) {
                    Thread.sleep(20); // polling the stored progress for the restarted loop's first commit
                }
                long progressMs = (System.nanoTime() - k0) / 1_000_000;
                JsonNode row = json("GET", base + "/v1/campaigns/" + campaign, op, null, null);
                resume = new Resume(readyMs, progressMs, row.path("live").path("replayMillis").asLong());
            }
            JsonNode end = awaitEnd(base, op, campaign);
            long db1 = FleetBenchmark.databaseBytes(pg);
            long simulated = in.simulatedSeconds(dir);
            System.err.println(fmt("[%d] campaign %s after %d s (simulator: %d s)", n, end.path("state").asText(),
                    end.path("virtualSeconds").asLong(), simulated));
            return new Result(n, jvms, in.affectedHosts(), in.hostsAtOnce(), startSeconds, reportsPerSecond, reportP99 * 1000,
                    campaignReportP99 * 1000, roundP50 * 1000, roundP99 * 1000, dispatchP99 * 1000, tenants, idleCores, campaignCores,
                    c.heapPeakMiB, c.heapAfterGcPeakMiB, db1 - db0, end.path("state").asText(), end.path("virtualSeconds").asLong(),
                    simulated, resume, agentCores, machineCores, sink.received(), failedMigrations);
        } finally {
            for (Process p : agentJvms) {
                p.destroyForcibly();
            }
            if (c != null) {
                c.process.destroyForcibly();
            }
        }
    }

    /** {busy, total} jiffies of the whole machine (/proc/stat): the load on the cores everything here shares. */
    private static long[] machineCpu() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int k = 1; k < f.length; k++) {
            total += Long.parseLong(f[k]);
        }
        return new long[] {total - Long.parseLong(f[4]) - Long.parseLong(f[5]), total};
    }

    private static long cpuMs(List<Process> processes) {
        return processes.stream().mapToLong(p -> p.info().totalCpuDuration().map(java.time.Duration::toMillis).orElse(0L)).sum();
    }

    /** The secrets ControllerMain wrote: the operator's token under "operator", each host's and tenant's under its id. */
    static Map<String, String> secrets(Path file) throws IOException {
        Map<String, String> out = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.split(" ");
            out.put(f[0].equals("operator") ? "operator" : f[1], f[f.length - 1]);
        }
        return out;
    }

    /** Waits until the controller says every host is up (its agent reported lately). */
    private void awaitAllUp(String base, String op) throws Exception {
        while (true) {
            java.util.Set<String> up = new java.util.HashSet<>();
            String cursor = null;
            do {
                JsonNode page = json("GET", base + "/v1/hosts?limit=1000" + (cursor == null ? "" : "&cursor=" + cursor), op, null, null);
                for (JsonNode h : page.path("items")) {
                    if (h.path("health").asText().equals("up")) {
                        up.add(h.path("id").asText());
                    }
                }
                cursor = page.path("next").isTextual() ? page.path("next").asText() : null;
            } while (cursor != null);
            if (up.size() == n) {
                return;
            }
            Thread.sleep(1_000); // the agents' first reports
        }
    }

    private OpenLoop.Result tenantLoad(String base, Map<String, String> secrets) throws Exception {
        Map<String, List<String>> instances = new HashMap<>();
        Map<String, List<String>> small = new HashMap<>();
        for (int h = 1; h <= n; h++) {
            for (FleetInputs.Guest g : in.guestsOn(h)) {
                instances.computeIfAbsent(g.tenant(), k -> new ArrayList<>()).add(g.id());
                if (!g.affectedHost()) {
                    small.computeIfAbsent(g.tenant(), k -> new ArrayList<>()).add(g.id());
                }
            }
        }
        List<String> tenants = new ArrayList<>(small.keySet());
        tenants.retainAll(instances.keySet());
        java.util.Collections.sort(tenants);
        return OpenLoop.run(HttpClient.newHttpClient(), o.rate(), o.loadSeconds(), r -> {
            String t = tenants.get(r.nextInt(tenants.size()));
            String token = secrets.get(t);
            double u = r.nextDouble();
            List<String> mine = instances.get(t);
            String instance = mine.get(r.nextInt(mine.size()));
            if (u < 0.3) {
                return new OpenLoop.Request("GET", base + "/v1/tenant/events?limit=20", token, null, false);
            } else if (u < 0.55) {
                return new OpenLoop.Request("GET", base + "/v1/tenant/instances?limit=50", token, null, false);
            } else if (u < 0.8) {
                return new OpenLoop.Request("GET", base + "/v1/tenant/instances/" + instance, token, null, false);
            }
            List<String> s = small.get(t);
            return new OpenLoop.Request("PATCH", base + "/v1/tenant/instances/" + s.get(r.nextInt(s.size())), token,
                    "{\"onHostMaintenance\":\"" + (r.nextBoolean() ? "migrate" : "restart") + "\"}", true);
        }, new SplittableRandom(16));
    }

    private static String scrape(String base, String op) throws IOException, InterruptedException {
        return FleetBenchmark.send("GET", base + "/metrics", op, null, null).body();
    }

    private static double count(String scrape, Map<String, String> labels) {
        return FleetBenchmark.metric(scrape, "ferry_http_requests_seconds_count", labels);
    }

    private static double quantile(String scrape, String name, Map<String, String> labels, String q) {
        Map<String, String> l = new HashMap<>(labels);
        l.put("quantile", q);
        return FleetBenchmark.metricMax(scrape, name, l);
    }

    private static long progress(String base, String op, String campaign) throws InterruptedException {
        try {
            return json("GET", base + "/v1/campaigns/" + campaign, op, null, null).path("virtualSeconds").asLong();
        } catch (IOException e) {
            return -1; // not serving yet
        }
    }

    /** The most migrations the running campaign had seen fail (its live figures, read while it ran). */
    private volatile long failedMigrations;

    private JsonNode awaitEnd(String base, String op, String campaign) throws Exception {
        while (true) {
            JsonNode row = json("GET", base + "/v1/campaigns/" + campaign, op, null, null);
            failedMigrations = Math.max(failedMigrations, row.path("live").path("failedMigrations").asLong());
            if (List.of("completed", "halted", "aborted").contains(row.path("state").asText())) {
                return row;
            }
            Thread.sleep(500); // the campaign's end
        }
    }
}
