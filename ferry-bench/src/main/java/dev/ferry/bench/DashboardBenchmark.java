package dev.ferry.bench;

import dev.ferry.lab.DemoSeed;
import dev.ferry.server.FerryServer;
import dev.ferry.server.Principal;
import java.io.File;
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
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * How the dashboard's fleet map holds up as the fleet grows: for each fleet size, the server's
 * {@code GET /v1/fleet/map} (median time and size), then in headless Chromium (Debian's, through
 * its chromedriver) the time to fetch and to draw the map on a fresh page load (the page's own User
 * Timing measures), the page's height at 1280×800, and the draw time of the map's live redraws
 * while a campaign runs on the fleet.
 *
 * <p>Usage: {@code ./bench/dashboard [--hosts 1000,10000,30000] [--runs 5] [--live-seconds 20]}
 */
public final class DashboardBenchmark {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    public static void main(String[] args) throws Exception {
        int[] sizes = {1_000, 10_000, 30_000};
        int runs = 5;
        int liveSeconds = 20;
        for (int k = 0; k + 1 < args.length; k += 2) {
            switch (args[k]) {
                case "--hosts" -> sizes = Arrays.stream(args[k + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--runs" -> runs = Integer.parseInt(args[k + 1]);
                case "--live-seconds" -> liveSeconds = Integer.parseInt(args[k + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[k]);
            }
        }
        List<String> rows = new ArrayList<>();
        for (int hosts : sizes) {
            rows.add(run(hosts, runs, liveSeconds));
        }
        System.out.println();
        System.out.println("| hosts | GET /v1/fleet/map median | size | page load: fetch + draw (median of " + runs
                + ") | page height at 1280×800 | live redraws: count, median draw |");
        System.out.println("|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
    }

    private static String run(int hosts, int runs, int liveSeconds) throws Exception {
        Path dir = Files.createTempDirectory("ferry-bench-dashboard");
        FerryServer.Config config = FerryServer.Config.defaults(dir).withPort(0).withAccel(600).withWebhookPoll(null);
        try (FerryServer server = FerryServer.start(config)) {
            String base = "http://127.0.0.1:" + server.port();
            String token = server.tokens().create(Principal.Role.OPERATOR, null, "bench");
            System.err.printf(Locale.ROOT, "%,d hosts: seeding ...%n", hosts);
            DemoSeed.seed(server, hosts, 7, 1, Instant.now());
            long[] api = new long[20];
            int bytes = 0;
            for (int k = 0; k < api.length; k++) {
                long t0 = System.nanoTime();
                bytes = get(base + "/v1/fleet/map", token).length();
                api[k] = System.nanoTime() - t0;
            }
            Arrays.sort(api);
            try (Chromium b = new Chromium(dir)) {
                double[] fetch = new double[runs];
                double[] draw = new double[runs];
                long height = 0;
                for (int r = 0; r < runs; r++) {
                    b.driver.get(base + "/");
                    b.js("sessionStorage.setItem('ferry.token', arguments[0]); location.hash = '#/fleet'; location.reload();", token);
                    List<?> m = b.awaitMeasures(1);
                    fetch[r] = ((Number) ((List<?>) m.get(0)).get(0)).doubleValue();
                    draw[r] = ((Number) ((List<?>) m.get(0)).get(1)).doubleValue();
                    height = ((Number) b.js("return document.documentElement.scrollHeight")).longValue();
                }
                Arrays.sort(fetch);
                Arrays.sort(draw);
                // a campaign on the fleet: the map redraws as it goes
                String created = post(base + "/v1/campaigns", token, "{\"advisory\":\"" + DemoSeed.ADVISORY_ID + "\",\"accel\":3600,\"forecast\":0}");
                String id = created.replaceAll("(?s).*\"id\":\"([^\"]+)\".*", "$1");
                post(base + "/v1/campaigns/" + id + "/approve", token, null);
                b.driver.get(base + "/#/fleet");
                b.awaitMeasures(1);
                Thread.sleep(liveSeconds * 1000L); // a measurement window, not synchronisation
                List<?> all = (List<?>) b.js("return performance.getEntriesByName('ferry-map-draw').map(e => e.duration)");
                double[] live = all.stream().skip(1).mapToDouble(o -> ((Number) o).doubleValue()).sorted().toArray();
                post(base + "/v1/campaigns/" + id + "/abort", token, "{\"reason\":\"benchmark over\"}");
                return String.format(Locale.ROOT, "| %,d | %.1f ms | %,d KB | %.0f + %.0f ms | %,d px | %d, %s |", hosts,
                        api[api.length / 2] / 1e6, bytes / 1024, fetch[runs / 2], draw[runs / 2], height, live.length,
                        live.length == 0 ? "—" : String.format(Locale.ROOT, "%.0f ms", live[live.length / 2]));
            }
        }
    }

    private static String get(String url, String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String post(String url, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw new IllegalStateException(url + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    /** Debian's headless Chromium through its chromedriver, at 1280×800. */
    private static final class Chromium implements AutoCloseable {
        final ChromeDriver driver;
        private final ChromeDriverService service;

        Chromium(Path dir) throws Exception {
            ChromeOptions o = new ChromeOptions();
            o.setBinary(new File(System.getenv().getOrDefault("FERRY_CHROMIUM", "/usr/bin/chromium")));
            o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    "--user-data-dir=" + Files.createTempDirectory(dir, "profile"), "--window-size=1280,800",
                    "--force-device-scale-factor=1");
            service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(new File(System.getenv().getOrDefault("FERRY_CHROMEDRIVER", "/usr/bin/chromedriver")))
                    .usingAnyFreePort().build();
            driver = new ChromeDriver(service, o);
        }

        Object js(String script, Object... args) {
            return ((JavascriptExecutor) driver).executeScript(script, args);
        }

        /** Waits for the page's first map measures: [[fetch ms, draw ms]]. */
        List<?> awaitMeasures(int n) {
            return new WebDriverWait(driver, Duration.ofMinutes(2), Duration.ofMillis(20)).until(d -> {
                List<?> m = (List<?>) js("const f = performance.getEntriesByName('ferry-map-fetch'),"
                        + " g = performance.getEntriesByName('ferry-map-draw');"
                        + " return g.length >= arguments[0] ? [[f[0].duration, g[0].duration]] : null;", n);
                return m;
            });
        }

        @Override
        public void close() {
            driver.quit();
            service.stop();
        }
    }
}
