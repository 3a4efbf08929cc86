package dev.ferry.lab;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.AgentClient;
import dev.ferry.agent.host.Agent;
import dev.ferry.agent.host.GuestImage;
import dev.ferry.agent.host.GuestSerial;
import dev.ferry.agent.host.Guest.SerialLine;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.MaintenanceDurations;
import dev.ferry.core.model.OnTimeout;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.core.verify.InvariantChecker;
import dev.ferry.formats.AdvisoryReader;
import dev.ferry.formats.FleetReader;
import dev.ferry.formats.HistoryJson;
import dev.ferry.formats.PolicyReader;
import dev.ferry.server.FerryServer;
import dev.ferry.server.Principal;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ferry lab}: a whole campaign on real hypervisors on this machine, through the controller.
 * It starts a Ferry controller (H2 under {@code <dir>/controller}), a host agent per host (each on
 * its own loopback port, reporting to the controller with its own agent token) and a heartbeat VM
 * per instance in QEMU; then, over the controller's API as an operator would, it imports the fleet
 * (whose hosts name their agents), registers an XSA-108-like advisory, proposes a campaign on the
 * agents, approves it and follows it. Afterwards the stored history is checked again by the
 * invariant checker, and each guest's serial output shows what happened to it: live-migrated guests
 * kept counting, relocated or rebooted ones started again. Every process it started is stopped;
 * the report and the logs stay under its directory.
 */
public final class Lab {
    /**
     * {@code churn}: tenants reboot, stop, start, launch and terminate guests while the campaign runs
     * ({@link LabChurn}); {@code killHost}: the last host dies mid-campaign, agent and QEMU processes
     * killed with SIGKILL ({@link LabKill}).
     */
    public record Options(int hosts, int vms, int affected, int memoryMiB, Path dir, String qemu, boolean churn, boolean killHost,
                          String hypervisor, Path model, int forecastRuns) {
        public Options {
            if (forecastRuns < 0 || forecastRuns > dev.ferry.server.Forecasts.MAX_RUNS) {
                throw new IllegalArgumentException("--forecast runs 0 (none) to " + dev.ferry.server.Forecasts.MAX_RUNS + " simulations");
            }
            if (!List.of(LabHosts.QEMU, LabHosts.LIBVIRT, LabHosts.MIXED).contains(hypervisor)) {
                throw new IllegalArgumentException("the hypervisor is qemu, libvirt or mixed (libvirt hosts and a last one on QEMU)");
            }
            if (hypervisor.equals(LabHosts.MIXED) && hosts < 3) {
                throw new IllegalArgumentException("mixed needs at least 3 hosts: two on libvirt, to migrate between, and one on QEMU");
            }
            if (killHost && !hypervisor.equals(LabHosts.QEMU)) {
                throw new IllegalArgumentException("--kill-host kills a QEMU host's agent and QEMU processes: it runs with --hypervisor qemu");
            }
            if (hosts < 2 || vms < 1 || affected < 1 || affected >= hosts || memoryMiB < 16) {
                throw new IllegalArgumentException("need at least 2 hosts, 1 VM, 1 ≤ affected < hosts, memory ≥ 16 MiB");
            }
            if (churn && vms < hosts) {
                throw new IllegalArgumentException("--churn needs at least one VM per host (--vms ≥ --hosts)");
            }
            if (killHost && (affected < 2 || hosts < affected + 2 || vms < hosts)) {
                throw new IllegalArgumentException("--kill-host needs two affected hosts (a canary, then the soak in which the host"
                        + " killed is called down), two hosts the advisory leaves alone (--hosts ≥ --affected + 2) and a VM on every"
                        + " host (--vms ≥ --hosts)");
            }
        }

        /** The model in {@code <dir>/model.json}, forecast with {@value LabForecast#RUNS} runs. */
        public Options(int hosts, int vms, int affected, int memoryMiB, Path dir, String qemu, boolean churn, boolean killHost,
                       String hypervisor) {
            this(hosts, vms, affected, memoryMiB, dir, qemu, churn, killHost, hypervisor, dir.resolve("model.json"), LabForecast.RUNS);
        }

        public Options(int hosts, int vms, int affected, int memoryMiB, Path dir, String qemu, boolean churn, boolean killHost) {
            this(hosts, vms, affected, memoryMiB, dir, qemu, churn, killHost, LabHosts.QEMU);
        }

        public Options(int hosts, int vms, int affected, int memoryMiB, Path dir, String qemu, boolean churn) {
            this(hosts, vms, affected, memoryMiB, dir, qemu, churn, false);
        }

        public Options(int hosts, int vms, int affected, int memoryMiB, Path dir, String qemu) {
            this(hosts, vms, affected, memoryMiB, dir, qemu, false);
        }
    }

    /** One guest: what the campaign did with it and what its serial port showed. */
    public record Guest(String id, String tenant, String moves, int boots, int expectedBoots, int counterBreaks,
                        List<Long> qemuDowntimeMs, List<Double> serialGapMs, String finalHost, boolean terminated) {
        public boolean ok() {
            return boots == expectedBoots && counterBreaks == 0 && (terminated ? finalHost == null : finalHost != null);
        }
    }

    /** What {@code --churn} did and found: operations, starts and launches that landed on patched hosts, reboots, guests lost. */
    public record Churn(int operations, int landedOnPatched, int reboots, int lost) {
        public String line() {
            return String.format(Locale.ROOT, "churn: %d operations, %d landed on patched hosts, %d reboots in place, %d lost", operations,
                    landedOnPatched, reboots, lost);
        }
    }

    /**
     * @param measuredMs  from approval until the campaign's last fact
     * @param predictedMs the simulator's campaign time for the same plan, with the timing calibrated
     *                    from ./bench/migration (per-host migration bandwidth) and the lab's own steps
     */
    public record Result(String campaign, String state, int affected, int patched, int failed, long measuredMs,
                         long predictedMs, List<Guest> guests, List<String> violations, Churn churn, LabKill.Loss loss,
                         LabNotices notices, LabForecast.Judged forecast) {
        public boolean ok() {
            return state.equals("completed") && patched == affected && violations.isEmpty() && guests.stream().allMatch(Guest::ok)
                    && (churn == null || churn.lost() == 0);
        }
    }

    static final String FIXED = "xen-4.4.1";
    /** The agents' "reboot": the pause before the host answers again with the fixed version. */
    private static final Duration AGENT_REBOOT = Duration.ofSeconds(1);

    private Lab() {
    }

    /**
     * Runs the lab and prints its report, every VM's line and the verdict, keeping the whole report
     * and the controller's messages under {@code o.dir()} ({@link LabReport}).
     *
     * @param clock the wall clock (the controller's and the advisory's; the guests' serial logs use the system's)
     */
    public static Result run(Options o, PrintWriter console, InstantSource clock) throws Exception {
        try (LabReport report = LabReport.open(o.dir(), console)) {
            try {
                Result r = campaign(o, report.out(), clock);
                report.verdict(r);
                return r;
            } catch (Exception e) {
                report.stopped(e);
                throw e;
            }
        }
    }

    private static Result campaign(Options o, PrintWriter out, InstantSource clock) throws Exception {
        for (String own : List.of("agents", "controller")) {
            deleteTree(o.dir().resolve(own)); // a lab starts from nothing: no old epochs, no old campaign to resume
        }
        Path fleetFile = o.dir().resolve("fleet.yaml");
        Path advisoryFile = o.dir().resolve("advisory.yaml");
        String policyText = LabFiles.policyYaml(o);
        List<Agent> agents = new ArrayList<>();
        List<LabKill> dying = new ArrayList<>(); // with --kill-host: the host that dies
        LabHosts backends = LabHosts.start(o);
        FerryServer server = controller(o, clock, backends);
        try {
            String controller = "http://127.0.0.1:" + server.port();
            AgentClient api = new AgentClient(controller, server.tokens().create(Principal.Role.OPERATOR, null, "ferry lab"));
            List<String> addresses = startAgents(o, backends, server, agents, dying, clock);
            Files.writeString(fleetFile, LabFiles.fleetYaml(o, addresses));
            Files.writeString(advisoryFile, LabFiles.advisoryYaml(clock.instant()));
            api.send("PUT", "/v1/inventory", Files.readString(fleetFile), "application/yaml");
            for (int h = 1; h <= agents.size(); h++) {
                // the inventory names the host now: its agent's heartbeats are taken
                agents.get(h - 1).reportTo(controller, server.tokens().create(Principal.Role.AGENT, "h" + h, "agent h" + h),
                        Duration.ofSeconds(1));
            }
            Fleet fleet = new FleetReader().read(fleetFile);
            Advisory advisory = new AdvisoryReader().read(advisoryFile);
            Policy policy = new PolicyReader().read(Files.writeString(o.dir().resolve("policy.yaml"), policyText));
            PlanningProblem problem = new PlanningProblem(fleet, advisory, policy, clock.instant());
            Plan plan = new FerryStrategy().plan(problem);

            out.printf(Locale.ROOT, "Lab in %s: controller on %s, %d host agents, %d VMs of %d MiB%n", o.dir(), controller, o.hosts(),
                    o.vms(), o.memoryMiB());
            out.flush();
            startGuests(o, fleet);
            api.send("POST", "/v1/advisories", Files.readString(advisoryFile), "application/yaml");
            LabForecast forecast = new LabForecast(api, o.model(), out);
            forecast.importModel();
            String id = api.post("/v1/campaigns", Map.of("advisory", advisory.id(), "policy", policyText, "hypervisors", "agents",
                    "forecast", o.forecastRuns())).path("id").asText();
            out.printf(Locale.ROOT, "Campaign %s on the agents: %d affected hosts, %d steps, planned %d s%n", id,
                    plan.affectedHosts().size(), plan.steps().size(), plan.summary().makespanSeconds());
            // approved once its forecast is done: the simulations do not take the cores the campaign is measured on
            JsonNode forecastDone = o.forecastRuns() == 0 ? null : forecast.await(id);
            api.post("/v1/campaigns/" + id + "/approve", Map.of());
            LabChurn churn = o.churn() ? new LabChurn(fleet, o.affected(), o.memoryMiB(), t -> new AgentClient(controller,
                    server.tokens().create(Principal.Role.TENANT, t, t)), api, id, out, server.campaigns()::awaitChange) : null;
            List<Thread> helpers = new ArrayList<>();
            if (churn != null) {
                helpers.add(Thread.ofVirtual().name("lab-churn").start(churn));
            }
            dying.forEach(d -> helpers.add(killer(d, api, id, out, server.campaigns()::awaitChange)));
            JsonNode row = LabFollow.follow(api, id, out, server.campaigns()::awaitChange);
            for (Thread t : helpers) {
                t.join(); // the churn's last start may come after the end
            }
            LabChurn.Done did = churn == null ? null : churn.done();

            List<HistoryRecord> facts = history(api, id);
            InvariantChecker checker = new InvariantChecker(problem, plan);
            facts.forEach(checker::accept);
            List<String> violations = new ArrayList<>(checker.finish());
            long measuredMs = facts.isEmpty() ? 0 : facts.get(facts.size() - 1).timeMs();
            long predictedMs = LabTiming.timing(o, problem, plan, measuredMs, out);
            LabForecast.Judged judged = forecast.judge(forecastDone, measuredMs);
            forecast.save();
            long startedAt = Instant.parse(row.path("startedAt").asText()).toEpochMilli();
            List<Guest> guests = guests(o, fleet, facts, startedAt, agents, did);
            Churn summary = did == null ? null : churn(did, guests, o);
            LabKill.Loss loss = dying.isEmpty() ? null : dying.get(0).loss(facts, startedAt);
            LabNotices notices = LabNotices.of(facts, startedAt, fleet.hosts().stream().map(dev.ferry.core.model.Host::id).toList(),
                    (h, i) -> serialLog(o, h, i));
            for (String line : java.util.stream.Stream.of(notices.line(), summary == null ? null : summary.line(),
                    loss == null ? null : loss.line()).filter(java.util.Objects::nonNull).toList()) {
                out.println("  " + line);
            }
            return new Result(id, row.path("state").asText(), plan.affectedHosts().size(), row.path("hostsPatched").asInt(),
                    row.path("hostsFailed").asInt(), measuredMs, predictedMs, guests, violations, summary, loss, notices, judged);
        } finally {
            tearDown(agents, dying, server, backends);
        }
    }

    /** Stops every guest, agent and the controller, then the libvirt daemons the lab started, whatever else failed. */
    private static void tearDown(List<Agent> agents, List<LabKill> dying, FerryServer server, LabHosts backends) throws Exception {
        try {
            agents.forEach(Agent::stopAllAndClose);
            dying.forEach(LabKill::close);
            server.close();
        } finally {
            backends.close();
        }
    }

    /** The lab's controller (the backends are let go if it does not start). */
    private static FerryServer controller(Options o, InstantSource clock, LabHosts backends) throws Exception {
        try {
            return FerryServer.start(FerryServer.Config.defaults(o.dir().resolve("controller")).withPort(0).withClock(clock)
                    .withHostDownAfter(o.killHost() ? HOST_DOWN_AFTER : Duration.ofMinutes(2)));
        } catch (Exception e) {
            backends.close();
            throw e;
        }
    }

    /** An agent per host (with {@code --kill-host}, the last in a process of its own, into {@code dying}); their addresses. */
    private static List<String> startAgents(Options o, LabHosts backends, FerryServer server, List<Agent> agents, List<LabKill> dying,
                                            InstantSource clock) throws Exception {
        List<String> addresses = new ArrayList<>();
        for (int h = 1; h <= o.hosts(); h++) {
            String id = "h" + h;
            Path data = o.dir().resolve("agents").resolve(id);
            String version = h <= o.affected() ? "xen-4.4.0" : "xen-4.5.0";
            if (o.killHost() && h == o.hosts()) {
                dying.add(LabKill.start(id, data, version, o.qemu(), AGENT_REBOOT, "http://127.0.0.1:" + server.port(),
                        server.tokens().create(Principal.Role.AGENT, id, "agent " + id), clock));
                addresses.add("127.0.0.1:" + dying.get(0).port());
                continue;
            }
            Agent a = backends.agent(h, data, version, AGENT_REBOOT);
            agents.add(a);
            addresses.add("127.0.0.1:" + a.port());
        }
        return addresses;
    }

    /** With {@code --kill-host}: how long a silent agent takes to be called down (it reports every second). */
    static final Duration HOST_DOWN_AFTER = Duration.ofSeconds(6);

    private static Thread killer(LabKill dying, AgentClient api, String campaign, PrintWriter out, Changes changes) {
        return Thread.ofVirtual().name("lab-kill").start(() -> {
            try {
                dying.killMidCampaign(api, campaign, changes, out);
            } catch (Exception e) {
                out.println("  the host could not be killed: " + e);
            }
        });
    }

    /** The fleet as it was before the campaign: every VM where the inventory says, placement epoch 1, beating. */
    private static void startGuests(Options o, Fleet fleet) throws Exception {
        for (var inst : fleet.instances()) {
            new AgentClient("http://" + fleet.host(fleet.hostIndex(inst.host())).agent(), null).post("/v1/instances",
                    Map.of("id", inst.id(), "epoch", 1, "memoryMiB", inst.memoryMiB(),
                            "dirtyMiBPerSecond", (int) Math.round(inst.dirtyRateMiBps())));
        }
        for (var i : fleet.instances()) {
            awaitFirstBeat(serialLog(o, i.host(), i.id()));
        }
    }

    /** The controller's campaign loops' commits: waits for one after {@code seen}, or the timeout; the latest number ({@code -1}: now). */
    interface Changes {
        long await(long seen, long timeoutMs) throws InterruptedException;
    }

    /** The campaign's stored facts, every page, as the API gives them. */
    public static List<HistoryRecord> history(AgentClient api, String id) throws Exception {
        List<HistoryRecord> out = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = api.get("/v1/history?campaign=" + id + "&limit=1000"
                    + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)));
            for (JsonNode f : page.path("items")) {
                out.add(HistoryJson.parse(f.toString())); // an item is a history/v2 line with its campaign and position
            }
            cursor = page.path("next").isTextual() ? page.path("next").asText() : null;
        } while (cursor != null);
        return out;
    }


    /** One completed move of a guest, from the history: kind, hosts, when it started (ms from approval), QEMU's downtime. */
    public record Move(String kind, String from, String to, long atMs, Long qemuDowntimeMs) {
        /** The guest started again (a relocation, a reboot in place), rather than going on (a live migration). */
        public boolean restarts() {
            return !kind.equals("live-migrate");
        }
    }

    /** The completed moves the history shows for a guest, with its restarts along with its host's reboot. */
    public static List<Move> moves(String instance, List<HistoryRecord> facts) {
        List<Move> done = new ArrayList<>();
        Move attempt = null;
        String stoppedOn = null;
        String lostOn = null;
        for (HistoryRecord r : facts) {
            if (!instance.equals(r.fact().subject())) {
                continue;
            }
            long t = r.timeMs();
            switch (r.fact()) {
                case Fact.MoveStarted m -> attempt = new Move(m.kind().wireName(), m.from(), m.to(), t, null);
                case Fact.MigrationMeasured m -> {
                    if (attempt != null) {
                        attempt = new Move(attempt.kind(), attempt.from(), attempt.to(), attempt.atMs(), m.downtimeMs());
                    }
                }
                case Fact.SwitchedOver s -> {
                    if (attempt != null) {
                        done.add(attempt);
                        attempt = null;
                    }
                }
                case Fact.RolledBack b -> attempt = null;
                case Fact.Stopped s -> {
                    if (attempt == null) {
                        stoppedOn = s.host(); // stopped by its host's reboot
                    }
                }
                case Fact.Ran ran -> {
                    if (attempt == null && ran.host().equals(stoppedOn)) {
                        done.add(new Move("reboot-in-place", ran.host(), ran.host(), t, null));
                        stoppedOn = null;
                    }
                }
                case Fact.RescueNeeded n -> lostOn = n.lostHost();
                case Fact.DisruptionEnded e -> {
                    if (e.end() == Fact.DisruptionEnd.RESCUED) {
                        done.add(new Move("rescue", lostOn, e.host(), t, null)); // its host was lost: started elsewhere
                        stoppedOn = null;
                    }
                }
                default -> {
                }
            }
        }
        return done;
    }

    /** Reads every guest's serial output across the hosts and checks it against what the history says happened. */
    private static List<Guest> guests(Options o, Fleet fleet, List<HistoryRecord> facts, long startedAt, List<Agent> agents,
                                      LabChurn.Done did) throws Exception {
        List<Guest> out = new ArrayList<>();
        List<dev.ferry.core.model.Instance> all = new ArrayList<>(fleet.instances());
        if (did != null) {
            did.launched().forEach(id -> all.add(new dev.ferry.core.model.Instance(id, "launched", fleet.host(0).id(), 1, o.memoryMiB(),
                    dev.ferry.core.model.OnHostMaintenance.MIGRATE, null, 0)));
        }
        for (var inst : all) {
            List<Move> mine = moves(inst.id(), facts);
            int expectedBoots = 1 + (int) mine.stream().filter(Move::restarts).count()
                    + (did == null ? 0 : did.extraBoots().getOrDefault(inst.id(), 0));
            List<Path> logs = fleet.hosts().stream().map(h -> serialLog(o, h.id(), inst.id())).toList();
            // a guest restarted at the very end of the campaign may still be booting
            GuestSerial serial = GuestSerial.await(logs, expectedBoots, Duration.ofSeconds(30));
            List<List<SerialLine>> perHost = logs.stream().map(SerialLine::read).toList();
            List<Long> downtimes = new ArrayList<>();
            List<Double> gaps = new ArrayList<>();
            for (Move m : mine) {
                if (!m.kind().equals("live-migrate")) {
                    continue;
                }
                downtimes.add(m.qemuDowntimeMs());
                List<SerialLine> from = perHost.get(fleet.hostIndex(m.from()));
                List<SerialLine> to = perHost.get(fleet.hostIndex(m.to()));
                long since = (startedAt + m.atMs()) * 1000;
                SerialLine first = to.stream().filter(l -> l.atMicros() >= since && !l.text().equals("boot")).findFirst().orElse(null);
                if (first != null) {
                    from.stream().filter(l -> l.atMicros() < first.atMicros()).reduce((a, b) -> b)
                            .ifPresent(last -> gaps.add((first.atMicros() - last.atMicros()) / 1000.0 - 1000.0 / GuestImage.HZ));
                }
            }
            List<String> runsOn = new ArrayList<>();
            for (int h = 0; h < agents.size(); h++) {
                for (var i : new AgentClient("127.0.0.1", agents.get(h).port()).get("/v1/host").path("instances")) {
                    if (i.path("id").asText().equals(inst.id()) && i.path("role").asText().equals("running") && i.path("alive").asBoolean()) {
                        runsOn.add(fleet.host(h).id());
                    }
                }
            }
            String kinds = mine.isEmpty() ? "stayed" : String.join(", ", mine.stream().map(m -> m.from().equals(m.to())
                    ? m.kind() + " on " + m.from() : m.kind() + " " + m.from() + "→" + m.to()).toList());
            boolean terminated = did != null && did.terminated().contains(inst.id());
            String tenant = did == null ? "" : did.launched().contains(inst.id()) ? "launched by its tenant"
                    : terminated ? "terminated by its tenant" : did.started().contains(inst.id()) ? "stopped and started by its tenant"
                    : did.extraBoots().containsKey(inst.id()) ? "rebooted by its tenant" : "";
            kinds = tenant.isEmpty() ? kinds : mine.isEmpty() ? tenant : kinds + "; " + tenant;
            out.add(new Guest(inst.id(), inst.tenant(), kinds, serial.boots(), expectedBoots, serial.breaks(), downtimes, gaps,
                    runsOn.size() == 1 ? runsOn.get(0) : null, terminated)); // none or two copies: no final host
        }
        return out;
    }

    /** The churn's line: starts and launches that run on a host the campaign patched, reboots, guests not running once. */
    private static Churn churn(LabChurn.Done did, List<Guest> guests, Options o) {
        int landed = 0;
        int lost = 0;
        for (Guest g : guests) {
            boolean moved = did.started().contains(g.id()) || did.launched().contains(g.id());
            if (moved && g.finalHost() != null && Integer.parseInt(g.finalHost().substring(1)) <= o.affected()) {
                landed++;
            }
            if (!g.terminated() && g.finalHost() == null) {
                lost++;
            }
        }
        int reboots = did.extraBoots().values().stream().mapToInt(Integer::intValue).sum() - did.started().size();
        return new Churn(did.operations(), landed, reboots, lost);
    }

    private static Path serialLog(Options o, String host, String instance) {
        return o.dir().resolve("agents").resolve(host).resolve("instances").resolve(instance).resolve("serial.log");
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    private static void awaitFirstBeat(Path serialLog) throws Exception {
        if (!GuestSerial.await(List.of(serialLog), 1, Duration.ofSeconds(60)).beatingAfter(1)) {
            throw new IOException("no heartbeat in " + serialLog + " after 60 s");
        }
    }



}
