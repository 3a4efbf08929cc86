package dev.ferry.agent.host;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.agent.AgentClient;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The host agent: one per hypervisor host, on its own loopback address and port, with a data
 * directory ({@code <data>/version}, and {@code <data>/instances/<id>/} per instance). It runs
 * instances as QEMU processes over QMP, prepares incoming migrations and migrates out, and
 * "patches and reboots" by restarting its HTTP side with the new version after a pause.
 *
 * <p>Safety it enforces on its own: every start (a launch or an incoming migration) carries the
 * instance's placement epoch, and a start whose epoch is not newer than the newest this host has
 * seen for that instance is refused (409), so a late or repeated start cannot make a second copy;
 * it refuses to reboot while instances run unless forced. A restarted agent re-adopts the QEMU
 * processes still running from their pid files and QMP sockets: an agent crash never stops a guest.
 */
public final class Agent implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * How the agent is run. {@code controller} (a base URL, or null) and {@code token} (an agent token
     * for this host): where to report the host's version and instances every {@code reportEvery}.
     * {@code tls}: mutual TLS with the fleet CA (commands only from a controller's certificate,
     * reports with this host's); null: plain HTTP (a local lab).
     */
    public record Config(String hostId, String listenHost, int port, Path data, String initialVersion, Hypervisor hypervisor,
                         Duration rebootTime, String controller, String token, Duration reportEvery,
                         dev.ferry.agent.tls.FleetTls tls) {
        public Config(String hostId, String listenHost, int port, Path data, String initialVersion, Hypervisor hypervisor,
                      Duration rebootTime, String controller, String token, Duration reportEvery) {
            this(hostId, listenHost, port, data, initialVersion, hypervisor, rebootTime, controller, token, reportEvery, null);
        }

        /** The same agent over mutual TLS. */
        public Config withTls(dev.ferry.agent.tls.FleetTls fleetTls) {
            return new Config(hostId, listenHost, port, data, initialVersion, hypervisor, rebootTime, controller, token, reportEvery,
                    fleetTls);
        }

        /** An agent whose guests are QEMU processes of its own ({@code qemu}: the binary). */
        public Config(String hostId, String listenHost, int port, Path data, String initialVersion, String qemu,
                      Duration rebootTime, String controller, String token, Duration reportEvery) {
            this(hostId, listenHost, port, data, initialVersion, new QemuHypervisor(qemu), rebootTime, controller, token, reportEvery);
        }

        public Config(String hostId, String listenHost, int port, Path data, String initialVersion, Hypervisor hypervisor,
                      Duration rebootTime) {
            this(hostId, listenHost, port, data, initialVersion, hypervisor, rebootTime, null, null, Duration.ofSeconds(5));
        }

        public Config(String hostId, String listenHost, int port, Path data, String initialVersion, String qemu, Duration rebootTime) {
            this(hostId, listenHost, port, data, initialVersion, new QemuHypervisor(qemu), rebootTime);
        }
    }


    private final Config config;
    private final Map<String, Instance> instances = new ConcurrentHashMap<>();
    private final Outgoing outgoing;
    private final GuestEvents guestEvents = new GuestEvents();
    private volatile GuestMetadata metadata;
    private volatile String version;
    private volatile Javalin http;
    /** The highest controller term seen: commands from a lower one are refused. */
    private volatile ControllerTerm term;
    private volatile int port;

    private Agent(Config config) {
        this.config = config;
        this.outgoing = new Outgoing(instances, config.data().resolve("instances"));
    }

    /** Starts the agent: reads its version, re-adopts running QEMU processes, listens. */
    public static Agent start(Config config) throws IOException, InterruptedException {
        Agent a = new Agent(config);
        Files.createDirectories(config.data().resolve("instances"));
        Path v = config.data().resolve("version");
        a.version = Files.exists(v) ? Files.readString(v).trim() : config.initialVersion();
        Files.writeString(v, a.version);
        a.metadata = new GuestMetadata(a.guestEvents, a::acknowledge);
        a.term = new ControllerTerm(config.data());
        try {
            config.hypervisor().claim(config.data().resolve("instances"));
            a.adoptAll();
            a.listen(config.port());
        } catch (IOException | InterruptedException | RuntimeException e) {
            a.metadata.close();
            throw e;
        }
        if (config.controller() != null) {
            a.reportTo(config.controller(), config.token(), config.reportEvery());
        }
        return a;
    }

    private volatile Heartbeats heartbeats;

    /**
     * Starts the heartbeats to a controller (when this agent was started without one: say, before the
     * inventory that names its host and port was imported).
     */
    public synchronized void reportTo(String controllerUrl, String token, Duration every) {
        if (heartbeats != null) {
            throw new IllegalStateException("this agent reports already");
        }
        AgentClient controller = new AgentClient(controllerUrl, token);
        if (config.tls() != null) {
            controller = controller.withTls(config.tls(), new dev.ferry.agent.tls.FleetTls.Identity(
                    dev.ferry.agent.tls.FleetCa.Role.CONTROLLER, null));
        }
        heartbeats = new Heartbeats(config.hostId(), controller, every, () -> {
            if (http == null || rebooting) {
                return null;
            }
            Map<String, Object> report = host();
            report.remove("controllerTerm"); // the controller's own business, not a report's
            return report;
        }, config.hypervisor().blocksInNativeCalls());
    }

    private volatile boolean rebooting;

    public int port() {
        return port;
    }

    public String version() {
        return version;
    }

    public int instanceCount() {
        return instances.size();
    }

    /** The instances found running in the data directory are taken over; dead ones are forgotten. */
    private void adoptAll() throws IOException, InterruptedException {
        try (Stream<Path> dirs = Files.list(config.data().resolve("instances"))) {
            for (Path d : dirs.toList()) {
                String id = d.getFileName().toString();
                Meta m = Meta.read(d);
                Guest vm = m == null ? null : config.hypervisor().adopt(id, d, m.epoch());
                Outgoing.Kept kept = outgoing.kept(id);
                if (vm != null && kept.to() != null && kept.outcome() == null && sentAway(id, vm, kept.to())) {
                    vm.close(); // still here, paused, until its daemon ends the migration's last step: never run here again
                    vm = null;
                } else if (vm == null && kept.to() != null && kept.outcome() == null) {
                    // it was being sent away when the agent stopped, and is no longer here: how did it end?
                    Guest.MigrationResult r = config.hypervisor().arrived(id, kept.to());
                    if (r != null) {
                        outgoing.ended(id, r);
                    }
                }
                if (vm != null) {
                    Instance i = new Instance(id, m.epoch(), m.memoryMiB(), m.dirtyMiBPerSecond(), vm);
                    // the hypervisor's state tells where the guest was: still receiving, already sent away, or running here
                    i.role = switch (vm.status()) {
                        case "inmigrate" -> "incoming";
                        case "postmigrate" -> "migrated";
                        default -> "running";
                    };
                    Guest.Progress p = vm.progress();
                    if (i.role.equals("running") && (p.status().equals("active") || p.status().equals("postcopy-active"))) {
                        // it was being sent away when the agent stopped: followed to its end as if this agent had started it
                        i.role = "migrating-out";
                        i.postcopyStarted = p.status().equals("postcopy-active");
                        outgoing.watch(i);
                    }
                    instances.put(id, i);
                    try {
                        attachGuest(id, d, true);
                    } catch (IOException e) {
                        System.err.println("ferry agent " + config.hostId() + ": " + id + " runs without its metadata listener: " + e.getMessage());
                    }
                }
            }
        }
    }

    /**
     * A guest that was being sent away when the agent stopped, whose migration is no longer under way here, but
     * which runs at the destination with the epoch it was sent with: it was sent away, and the source's daemon has
     * not yet removed it (libvirt's last step of a migration that ended while the agent was down). Its outcome is kept.
     */
    private boolean sentAway(String id, Guest vm, Guest.Destination to) throws IOException {
        String progress = vm.progress().status();
        if (progress.equals("active") || progress.equals("postcopy-active") || vm.status().equals("postmigrate")) {
            return false; // still under way, or paused for post-copy: followed or marked below
        }
        Guest.MigrationResult r = config.hypervisor().arrived(id, to);
        if (r == null || !r.status().equals("completed")) {
            return false;
        }
        outgoing.ended(id, r);
        return true;
    }

    /** The guest's events (kept, when re-adopted) and its own metadata listener in its directory. */
    private void attachGuest(String id, Path dir, boolean adopted) throws IOException {
        guestEvents.attach(id, dir, adopted);
        try {
            metadata.open(id, dir.resolve("metadata.sock"));
        } catch (IOException e) {
            guestEvents.detach(id);
            throw e;
        }
    }

    private void detachGuest(String id) {
        metadata.close(id);
        guestEvents.detach(id);
    }

    /** An event of a guest here, as the controller tells it; a change is written to the guest's notice port. */
    private void putEvent(Context ctx) {
        Instance i = instance(ctx);
        GuestEvents.Event body;
        try {
            body = GuestEvents.JSON.readValue(ctx.body(), GuestEvents.Event.class);
        } catch (IOException x) {
            throw new AgentException(400, "the event is not JSON of its fields: " + x.getMessage());
        }
        GuestEvents.Event e = GuestEvents.valid(ctx.pathParam("event"), body);
        // the notice port only of a guest that runs here: one still arriving or already sent away does not read it
        boolean told = guestEvents.put(i.id, e) && List.of("running", "migrating-out").contains(i.role) && i.vm.tell(e.noticeLine());
        ctx.json(Map.of("id", e.id(), "toldGuest", told));
    }

    /** A guest acknowledged an event through its metadata (Azure's StartRequests): the controller is asked to start it now. */
    private void acknowledge(String instance, String eventId) throws IOException, InterruptedException {
        Heartbeats h = heartbeats;
        if (h == null) {
            throw new IOException("this agent reports to no controller");
        }
        h.controller().post("/v1/agent/instances/" + instance + "/events/" + eventId + "/now", Map.of());
    }

    private void listen(int wanted) {
        Javalin app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.concurrency.useVirtualThreads = true;
            var r = c.routes;
            if (config.tls() != null) {
                c.jetty.addConnector((server, http) -> config.tls().connector(server, http, config.listenHost(), wanted, true));
                r.before(this::controllerOnly);
            }
            r.before(ctx -> term.check(ctx.method().name(), ctx.path(), ctx.header(dev.ferry.agent.AgentClient.TERM_HEADER)));
            r.get("/v1/host", ctx -> ctx.json(host()));
            r.post("/v1/instances", this::launch);
            r.post("/v1/instances/{id}/incoming", this::incoming);
            r.post("/v1/instances/{id}/migrate", outgoing::migrate);
            r.get("/v1/instances/{id}/migration", outgoing::migration);
            r.post("/v1/instances/{id}/migration/cancel", outgoing::cancel);
            r.post("/v1/instances/{id}/migration/postcopy", outgoing::postcopy);
            r.post("/v1/instances/{id}/migration/downtime", outgoing::downtime);
            r.post("/v1/instances/{id}/stop", this::stop);
            r.post("/v1/instances/{id}/reset", this::reset);
            r.put("/v1/instances/{id}/events/{event}", this::putEvent);
            r.post("/v1/reboot", this::reboot);
            r.exception(AgentException.class, (e, ctx) -> ctx.status(e.status).json(Map.of("status", e.status, "detail", e.getMessage())));
            r.exception(IOException.class, (e, ctx) -> ctx.status(502).json(Map.of("status", 502, "detail",
                    config.hypervisor().name() + ": " + e.getMessage())));
            // the hypervisor did not answer whether a guest runs: unknown, never taken for "not there"
            r.exception(java.io.UncheckedIOException.class, (e, ctx) -> ctx.status(502).json(Map.of("status", 502, "detail",
                    config.hypervisor().name() + ": " + e.getCause().getMessage())));
        });
        app.start(config.listenHost(), wanted);
        this.http = app;
        this.port = app.port();
    }

    /** Over mutual TLS every request must come from a controller's certificate (the CA was checked in the handshake). */
    private void controllerOnly(io.javalin.http.Context ctx) {
        var who = dev.ferry.agent.tls.FleetTls.client(ctx.req().getAttribute(dev.ferry.agent.tls.FleetTls.CLIENT_CERTIFICATES));
        if (who == null || who.role() != dev.ferry.agent.tls.FleetCa.Role.CONTROLLER) {
            throw new AgentException(403, "this agent takes requests from a controller's certificate only; this one names "
                    + (who == null ? "no one" : who));
        }
    }

    private Map<String, Object> host() {
        for (Instance i : instances.values()) {
            if (i.role.equals("incoming")) {
                try {
                    if (i.vm.status().equals("running")) {
                        i.role = "running"; // the migration into this host completed and the guest runs here now
                    }
                } catch (IOException e) {
                    // QEMU went away: shown as not alive
                }
            }
        }
        List<Map<String, Object>> list = new ArrayList<>();
        new TreeMap<>(instances).values().forEach(i -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", i.id);
            m.put("epoch", i.epoch);
            m.put("role", i.role);
            m.put("alive", i.vm.alive());
            if (i.vm.pid() >= 0) {
                m.put("pid", i.vm.pid());
            }
            m.put("memoryMiB", i.memoryMiB);
            list.add(m);
        });
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host", config.hostId());
        m.put("version", version);
        m.put("backend", config.hypervisor().name());
        m.put("controllerTerm", term.highest());
        m.put("instances", list);
        return m;
    }

    private void launch(Context ctx) throws IOException, InterruptedException {
        AgentBodies.Launch l = JSON.readValue(ctx.body(), AgentBodies.Launch.class);
        Instance i = startGuest(l, false);
        ctx.status(201).json(Map.of("id", i.id, "epoch", i.epoch, "pid", i.vm.pid()));
    }

    private void incoming(Context ctx) throws IOException, InterruptedException {
        AgentBodies.Launch l = JSON.readValue(ctx.body(), AgentBodies.Launch.class);
        if (!l.id().equals(ctx.pathParam("id"))) {
            throw new AgentException(400, "the body's id is not the path's");
        }
        Instance i = startGuest(l, true);
        Guest.Destination at = i.arrival;
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("id", i.id);
        answer.put("epoch", i.epoch);
        answer.put("backend", at.backend());
        answer.put("host", at.host());
        answer.put("port", at.port());
        if (at.libvirtUri() != null) {
            answer.put("libvirtUri", at.libvirtUri());
            answer.put("guestDir", at.guestDir());
        }
        ctx.status(201).json(answer);
    }

    /** Starts a guest for an instance, refusing a start whose epoch is not newer than any this host has seen. */
    private synchronized Instance startGuest(AgentBodies.Launch l, boolean incoming) throws IOException, InterruptedException {
        if (!Meta.isInstanceId(l.id()) || l.memoryMiB() < 8
                || l.dirtyMiBPerSecond() < 0) {
            throw new AgentException(400, "id (letters, digits, . _ -), memoryMiB ≥ 8 and dirtyMiBPerSecond ≥ 0 are required");
        }
        Path dir = config.data().resolve("instances").resolve(l.id());
        Meta seen = Meta.read(dir);
        if (seen != null && l.epoch() <= seen.epoch()) {
            throw new AgentException(409, "stale epoch " + l.epoch() + " for " + l.id() + ": this host has seen epoch " + seen.epoch());
        }
        Instance running = instances.get(l.id());
        if (running != null && running.vm.alive()) {
            throw new AgentException(409, l.id() + " already runs here (epoch " + running.epoch + ")");
        }
        Meta.write(dir, new Meta(l.epoch(), l.memoryMiB(), l.dirtyMiBPerSecond())); // the epoch is recorded before the guest starts
        java.nio.file.Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        attachGuest(l.id(), dir, false);
        Hypervisor.Incoming in;
        try {
            in = incoming
                    ? config.hypervisor().incoming(l.id(), dir, l.epoch(), l.memoryMiB(), l.dirtyMiBPerSecond(),
                            Boolean.TRUE.equals(l.postcopy()), config.listenHost())
                    : new Hypervisor.Incoming(config.hypervisor().launch(l.id(), dir, l.epoch(), l.memoryMiB(), l.dirtyMiBPerSecond()), null);
        } catch (IOException | InterruptedException | RuntimeException e) {
            detachGuest(l.id());
            throw e;
        }
        Instance i = new Instance(l.id(), l.epoch(), l.memoryMiB(), l.dirtyMiBPerSecond(), in.guest());
        i.role = incoming ? "incoming" : "running";
        i.arrival = in.at();
        instances.put(l.id(), i);
        return i;
    }

    private void stop(Context ctx) {
        Instance i = instance(ctx);
        i.vm.quit();
        if (instances.remove(i.id, i)) {
            detachGuest(i.id);
        }
        ctx.status(204);
    }

    /** A guest reboot in place (QMP {@code system_reset}, libvirt's reset); only a guest that runs here (not one migrating) can be reset. */
    private void reset(Context ctx) throws IOException {
        Instance i = instance(ctx);
        if (!i.role.equals("running") || !i.vm.alive()) {
            throw new AgentException(409, i.id + " is " + (i.vm.alive() ? i.role : "not alive") + " here; only a running guest is reset");
        }
        i.vm.reset();
        ctx.status(202).json(Map.of("id", i.id, "epoch", i.epoch));
    }

    private void reboot(Context ctx) throws IOException {
        AgentBodies.Reboot r = JSON.readValue(ctx.body(), AgentBodies.Reboot.class);
        long running = instances.values().stream().filter(i -> i.vm.alive()).count();
        if (running > 0 && !r.force()) {
            throw new AgentException(409, "refusing to reboot with " + running + " instances running (force to override)");
        }
        ctx.status(202).json(Map.of("version", r.version()));
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(200); // let the answer go out before the listener closes
                rebooting = true;
                http.stop();
                for (Instance i : instances.values()) {
                    try {
                        i.vm.kill(); // a forced reboot takes its guests with it
                    } catch (RuntimeException e) {
                        System.err.println("ferry agent " + config.hostId() + ": " + i.id + " could not be stopped for the reboot: " + e);
                    }
                    detachGuest(i.id);
                }
                instances.clear();
                Files.writeString(config.data().resolve("version"), r.version());
                version = r.version();
                Thread.sleep(config.rebootTime().toMillis()); // the host is down while it "reboots"
                listen(port);
                rebooting = false;
                if (heartbeats != null) {
                    heartbeats.now(); // report the new version now
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private Instance instance(Context ctx) {
        return Instance.of(instances, ctx.pathParam("id"));
    }

    /** Stops listening and lets go of the QEMU processes, which go on running (an agent restart or crash). */
    @Override
    public void close() {
        if (heartbeats != null) {
            heartbeats.close();
        }
        Javalin h = http;
        if (h != null) {
            h.stop();
        }
        metadata.close();
        for (Instance i : instances.values()) {
            try {
                i.vm.close();
            } catch (IOException ignored) {
                // letting go
            }
        }
    }

    /** Stops every guest, then the agent (the clean-up of a lab or a test). */
    public void stopAllAndClose() {
        stopAll();
        close();
    }

    /** Stops every instance's guest (the lab's clean-up). */
    public void stopAll() {
        instances.values().forEach(i -> {
            try {
                i.vm.quit();
            } catch (RuntimeException e) {
                System.err.println("ferry agent " + config.hostId() + ": " + i.id + " could not be stopped: " + e);
            }
            detachGuest(i.id);
        });
        instances.clear();
    }
}
