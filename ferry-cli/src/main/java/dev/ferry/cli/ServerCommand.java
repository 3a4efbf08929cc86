package dev.ferry.cli;

import dev.ferry.lab.DemoSeed;
import dev.ferry.server.FerryServer;
import dev.ferry.server.Principal;
import dev.ferry.server.api.HttpApi;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "server", mixinStandardHelpOptions = true,
        header = "Run the controller: REST API, dashboard, durable campaigns.",
        description = {"The controller: REST API for operators and tenants, durable campaigns,",
                "signed webhooks. State lives in an H2 database under --data (no setup), or",
                "in PostgreSQL with --jdbc-url (password from FERRY_DB_PASSWORD). Campaigns",
                "run against a simulated fleet in real time, or faster with --accel.",
                "On first start an operator token is written to <data>/operator.token",
                "(readable by you only); it is never printed or logged. The API is",
                "described at /openapi.yaml (docs/openapi.yaml; more in docs/server.md).",
                "The dashboard (fleet map, campaigns, audit log; tenants' own events) is at /",
                "on the same port: sign in with a token (docs/dashboard.md).",
                "Several servers on one PostgreSQL share the work: one leads (runs the",
                "campaigns, webhooks and agents' operations), the others serve the API and",
                "take over within a lease period when it dies (docs/operations.md)."})
final class ServerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "A properties file of defaults, one key per long option"
            + " without its dashes (port = 8080); options given here win (docs/install.md).")
    java.nio.file.Path config;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default 127.0.0.1).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port (default 8080; 0 picks a free one).")
    int port;

    @Option(names = "--data", defaultValue = "ferry-data", paramLabel = "DIR",
            description = "Data directory: the H2 database, the operator token (default ./ferry-data).")
    Path data;

    @Option(names = "--jdbc-url", paramLabel = "URL", description = "PostgreSQL instead of H2, e.g. jdbc:postgresql://db/ferry.")
    String jdbcUrl;

    @Option(names = "--db-user", paramLabel = "USER", description = "Database user (with --jdbc-url).")
    String dbUser;

    @Option(names = "--accel", paramLabel = "X",
            description = "Default speed of simulated campaigns: virtual seconds per wall second (default 60; --demo: 600).")
    Double accel;

    @Option(names = "--rate", defaultValue = "200", paramLabel = "N", description = "Requests per second per token (default 200).")
    double rate;

    @Option(names = "--forecast-runs", defaultValue = "100", paramLabel = "N",
            description = "Simulated campaigns of each proposal's forecast, run in the background, when the proposal does not say"
                    + " (default 100; 0: none; docs/forecast.md).")
    int forecastRuns;

    @Option(names = "--host-down-after", defaultValue = "120", paramLabel = "SECONDS",
            description = "A host whose agent has not reported for this long is down: a running campaign fences it and restarts"
                    + " its instances elsewhere (default 120; suspect after a quarter of it, at most 30 s).")
    double hostDownAfter;

    @Option(names = "--node", paramLabel = "NAME", description = "This controller's name in the cluster (default: a random one).")
    String node;

    @Option(names = "--lease-seconds", defaultValue = "5", paramLabel = "SECONDS",
            description = "The leader's lease (default 5): a standby takes over about this long after the leader dies or stalls.")
    double leaseSeconds;

    @Option(names = "--tls", paramLabel = "DIR", description = "Mutual TLS with the fleet CA: DIR holds ca.crt and this"
            + " controller's <node>.crt and <node>.key ('controller' without --node; ferry ca issue --controller). The API is https.")
    Path tls;

    @Option(names = "--insecure-agents", description = "Campaigns on host agents over plain HTTP, without --tls (local labs only).")
    boolean insecureAgents;

    @Option(names = "--allow-loopback-webhooks", description = "Deliver webhooks to loopback addresses (local testing).")
    boolean loopbackWebhooks;

    @Option(names = "--demo", description = "Into an empty server: a 200-host XSA-108-like fleet, the advisory, and tokens"
            + " for three tenants (written to <data>/tenant-*.token).")
    boolean demo;

    @Option(names = "--libvirt", paramLabel = "[ID=]URI",
            description = "A libvirt daemon to read the inventory from (repeat for each; docs/libvirt.md): read into an empty"
                    + " inventory at start, and again on POST /v1/inventory/libvirt.")
    List<String> libvirt;

    @Option(names = "--libvirt-map", paramLabel = "FILE", description = "With --libvirt: a libvirt-map/v1 file.")
    Path libvirtMap;

    @Option(names = "--libvirt-zone", defaultValue = "default", paramLabel = "ZONE",
            description = "With --libvirt: the zone of hosts the map does not place (default default).")
    String libvirtZone;

    @Option(names = "--libvirt-cpu-allocation-ratio", defaultValue = "1.0", paramLabel = "X",
            description = "With --libvirt: vCPUs per host CPU where the map sets none, 1 to 64 (default 1.0).")
    double libvirtCpuRatio;

    private final InstantSource clock;

    ServerCommand(InstantSource clock) {
        this.clock = clock;
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        dev.ferry.formats.LibvirtMap map;
        FerryServer.Config config;
        try {
            map = libvirtMap == null ? dev.ferry.formats.LibvirtMap.EMPTY : new dev.ferry.formats.LibvirtMapReader().read(libvirtMap);
            config = config();
        } catch (dev.ferry.formats.InvalidInputException e) {
            Inputs.report(List.of(e), err);
            return ExitCodes.INVALID_INPUT;
        } catch (IllegalArgumentException | IOException e) {
            err.println("error: " + e.getMessage());
            return ExitCodes.INVALID_INPUT;
        }
        Files.createDirectories(data);
        FerryServer server;
        try {
            server = FerryServer.start(config);
        } catch (RuntimeException e) {
            err.println("error: the server could not start: " + e.getMessage());
            return ExitCodes.INTERNAL;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "ferry-shutdown"));
        String base = (tls != null ? "https://" : "http://") + host + ":" + server.port();
        if (!server.tokens().anyOperator()) {
            Path file = data.resolve("operator.token");
            dev.ferry.agent.tls.SecretFiles.write(file, server.tokens().create(Principal.Role.OPERATOR, null, "first operator") + "\n");
            out.println("Created the first operator token in " + file + " (shown nowhere else).");
        }
        readLibvirt(server, map, out, err);
        if (demo && server.inventory().current().version() == 0) {
            DemoSeed.Seeded s = DemoSeed.seed(server, 200, 108, 3, clock.instant());
            for (String[] t : s.tenantTokens()) {
                dev.ferry.agent.tls.SecretFiles.write(data.resolve("tenant-" + t[0] + ".token"), t[1] + "\n");
            }
            out.printf(Locale.ROOT, "Demo: %d hosts, %d instances, advisory %s; tenant tokens in %s/tenant-*.token%n",
                    s.hosts(), s.instances(), s.advisory(), data);
        }
        var cluster = server.cluster();
        out.printf(Locale.ROOT, "Ferry server on %s (database: %s; started in %d ms, campaigns resumed: %d)%n", base,
                jdbcUrl != null ? "PostgreSQL" : "H2 in " + data, server.startupMillis(), server.campaigns().engines().size());
        out.printf(Locale.ROOT, "Controller %s: %s%n", cluster.node(), cluster.leading() ? "the leader (term " + cluster.term() + ")"
                : "a standby (the leader is " + cluster.lastSeen().holder() + ", term " + cluster.lastSeen().term() + ")");
        out.println("Dashboard: " + base + "/ (sign in with the token in " + data.resolve("operator.token") + ")");
        out.println("Or the API:");
        out.println("  T=$(cat " + data.resolve("operator.token") + ")");
        out.println("  curl -s -H \"Authorization: Bearer $T\" " + base + "/v1/inventory");
        out.println("  curl -s -H \"Authorization: Bearer $T\" -d '{\"advisory\":\"XSA-108\"}' " + base + "/v1/campaigns");
        out.println("  curl -s -H \"Authorization: Bearer $T\" -X POST " + base + "/v1/campaigns/<id>/approve");
        out.println("API document: " + base + "/openapi.yaml. Stop with Ctrl-C.");
        out.flush();
        stopped.await();
        return ExitCodes.DONE;
    }

    /** The server's configuration from the options; a bad option is an IllegalArgumentException, unreadable TLS files an IOException. */
    private FerryServer.Config config() throws IOException {
        if (rate <= 0 || accel != null && !(accel >= 1)) {
            throw new IllegalArgumentException("--rate must be positive and --accel at least 1");
        }
        if (!(libvirtCpuRatio >= 1 && libvirtCpuRatio <= 64)) {
            throw new IllegalArgumentException("--libvirt-cpu-allocation-ratio must be 1 to 64");
        }
        if (!(leaseSeconds >= 0.5 && leaseSeconds <= 300)) {
            throw new IllegalArgumentException("--lease-seconds must be 0.5 to 300");
        }
        if (node != null && !node.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("--node must be 1 to 64 of A-Z a-z 0-9 . _ -");
        }
        if (!(hostDownAfter >= 1)) {
            throw new IllegalArgumentException("--host-down-after must be at least 1 second");
        }
        if (forecastRuns < 0 || forecastRuns > dev.ferry.server.Forecasts.MAX_RUNS) {
            throw new IllegalArgumentException("--forecast-runs must be 0 (none) to " + dev.ferry.server.Forecasts.MAX_RUNS);
        }
        FerryServer.Config config = FerryServer.Config.defaults(data).withHost(host).withPort(port)
                .withAccel(accel != null ? accel : demo ? 600 : 60).withLoopbackWebhooks(loopbackWebhooks)
                .withLimits(new HttpApi.Limits(64 << 10, 256L << 20, rate, (long) Math.max(1, rate * 2))).withClock(clock)
                .withHostDownAfter(java.time.Duration.ofMillis((long) (hostDownAfter * 1000)))
                .withLease(java.time.Duration.ofMillis((long) (leaseSeconds * 1000))).withNode(node).withPlainAgents(insecureAgents)
                .withForecastRuns(forecastRuns);
        if (tls != null) {
            String name = node != null ? node : "controller";
            dev.ferry.agent.tls.FleetTls t = dev.ferry.agent.tls.FleetTls.load(tls, name);
            if (t.self().role() != dev.ferry.agent.tls.FleetCa.Role.CONTROLLER) {
                throw new IllegalArgumentException(tls.resolve(name + ".crt") + " names " + t.self() + ", not a controller");
            }
            config = config.withTls(t);
        }
        return jdbcUrl == null ? config : config.withDatabase(jdbcUrl, dbUser, System.getenv("FERRY_DB_PASSWORD"));
    }

    /** With --libvirt: the server's inventory source, read now into an empty inventory. */
    private void readLibvirt(FerryServer server, dev.ferry.formats.LibvirtMap map, PrintWriter out, PrintWriter err) {
        if (libvirt == null || libvirt.isEmpty()) {
            return;
        }
        server.inventory().libvirtSource(new dev.ferry.server.LibvirtFleet(libvirt, map, libvirtZone, libvirtCpuRatio));
        if (server.inventory().current().version() != 0) {
            return; // an inventory is there: POST /v1/inventory/libvirt replaces it when an operator asks
        }
        try {
            Principal startup = new Principal("ferry server --libvirt", Principal.Role.OPERATOR, null, "startup");
            var c = server.inventory().importFromLibvirt(startup, null);
            out.printf(Locale.ROOT, "Inventory read from %d libvirt daemons: %d hosts, %d instances%n", libvirt.size(),
                    c.fleet().hosts().size(), c.fleet().instances().size());
        } catch (dev.ferry.server.Refused e) {
            err.println("warning: the inventory could not be read from libvirt: " + e.getMessage()
                    + " (POST /v1/inventory/libvirt to try again)");
        }
    }
}
