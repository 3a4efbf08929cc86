package dev.ferry.agent;

import dev.ferry.core.campaign.CampaignRunner;
import dev.ferry.core.campaign.CampaignRuntime;
import dev.ferry.core.campaign.CampaignState;
import dev.ferry.core.campaign.CampaignStats;
import dev.ferry.core.campaign.HistoryRecord;
import dev.ferry.core.campaign.Input;
import dev.ferry.core.campaign.Ports;
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
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code ferry lab}: a whole campaign on real hypervisors on this machine. Host agents (one per
 * host, each on its own loopback port), a heartbeat VM per instance in QEMU, an XSA-108-like
 * advisory on some hosts; Ferry plans the campaign and runs it with the campaign runtime and the
 * {@link AgentDriver} in real time (every record checked by the invariant checker); then each
 * guest's serial output shows what happened to it: live-migrated guests kept counting, relocated
 * or rebooted ones started again. Every process it started is stopped at the end.
 */
public final class Lab {
    public record Options(int hosts, int vms, int affected, int memoryMiB, Path dir, String qemu) {
        public Options {
            if (hosts < 2 || vms < 1 || affected < 1 || affected >= hosts || memoryMiB < 16) {
                throw new IllegalArgumentException("need at least 2 hosts, 1 VM, 1 ≤ affected < hosts, memory ≥ 16 MiB");
            }
        }
    }

    /** One guest: what the plan did with it and what its serial port showed. */
    public record Guest(String id, String tenant, String moves, int boots, int expectedBoots, int counterBreaks,
                        List<Long> qemuDowntimeMs, List<Double> serialGapMs, String finalHost) {
        public boolean ok() {
            return boots == expectedBoots && counterBreaks == 0 && finalHost != null;
        }
    }

    /**
     * @param seconds          measured: from approval until the campaign settled
     * @param predictedSeconds the simulator's campaign time for the same plan, with the timing calibrated
     *                         from ./bench/migration (effective migration bandwidth) and the lab's own steps
     */
    public record Result(String state, int affected, int patched, int failed, long seconds, long predictedSeconds,
                         List<Guest> guests, List<String> violations) {
        public boolean ok() {
            return state.equals("completed") && patched == affected && violations.isEmpty() && guests.stream().allMatch(Guest::ok);
        }
    }

    private static final String FIXED = "xen-4.4.1";
    /**
     * Effective live-migration throughput on this machine with Ferry's settings, from ./bench/migration
     * (docs/benchmarks.md: a 256 MiB guest dirtying 64 MiB/s moved in 0.71–0.78 s, median 0.73 s: 350 MiB/s).
     */
    static final double CALIBRATED_MIGRATION_MIBPS = 350;
    /** The lab's maintenance steps: the driver's patch pause, the agent's reboot, a QEMU start. */
    private static final MaintenanceDurations LAB_DURATIONS =
            new MaintenanceDurations(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMillis(300));

    private Lab() {
    }

    public static Result run(Options o, PrintWriter out) throws Exception {
        Files.createDirectories(o.dir());
        Path fleetFile = o.dir().resolve("fleet.yaml");
        Path advisoryFile = o.dir().resolve("advisory.yaml");
        Files.writeString(fleetFile, fleetYaml(o));
        Files.writeString(advisoryFile, advisoryYaml());
        Fleet fleet = new FleetReader().read(fleetFile);
        Advisory advisory = new AdvisoryReader().read(advisoryFile);
        Policy policy = policy(o, 1024);
        PlanningProblem problem = new PlanningProblem(fleet, advisory, policy, Instant.now());
        Plan plan = new FerryStrategy().plan(problem);
        out.printf(Locale.ROOT, "Lab in %s: %d hosts (%d affected by %s), %d VMs of %d MiB; plan: %d steps, predicted %d s%n",
                o.dir(), o.hosts(), plan.affectedHosts().size(), advisory.id(), o.vms(), o.memoryMiB(), plan.steps().size(),
                plan.summary().makespanSeconds());
        out.flush();

        List<Agent> agents = new ArrayList<>();
        ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "campaign-loop"));
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "campaign-timer"));
        try {
            List<AgentClient> clients = new ArrayList<>();
            for (var h : fleet.hosts()) {
                Agent a = Agent.start(new Agent.Config(h.id(), "127.0.0.1", 0, o.dir().resolve("agents").resolve(h.id()), h.hypervisor(),
                        o.qemu(), Duration.ofSeconds(1)));
                agents.add(a);
                clients.add(new AgentClient("127.0.0.1", a.port()));
            }
            long t0 = System.currentTimeMillis(); // the serial logs' clock (wall time)
            long t0n = System.nanoTime();           // the campaign's clock: monotonic, from the same instant
            Store store = new Store(new InvariantChecker(problem));
            CampaignRuntime runtime = new CampaignRuntime(problem, plan, "lab-" + advisory.id(), store::append);
            CountDownLatch settled = new CountDownLatch(1);
            CampaignRunner[] runner = new CampaignRunner[1];
            java.util.function.LongSupplier now = () -> (System.nanoTime() - t0n) / 1_000_000;
            java.util.function.Consumer<Input> deliver = in -> {
                runner[0].apply(runtime.on(in, now.getAsLong()), now.getAsLong());
                if (runtime.settled()) {
                    settled.countDown();
                }
            };
            AgentDriver driver = new AgentDriver(fleet, policy, advisory, clients, store, loop, deliver, now);
            Ports.Timer timer = (at, reason) -> timers.schedule(() -> loop.execute(() -> deliver.accept(new Input.Wakeup(at, reason))),
                    Math.max(0, at - now.getAsLong()), TimeUnit.MILLISECONDS);
            runner[0] = new CampaignRunner(driver, store, n -> { }, timer); // the lab's tenants accept every notice
            out.println("Starting " + o.vms() + " heartbeat VMs ...");
            out.flush();
            driver.launchAll();
            for (var i : fleet.instances()) {
                awaitFirstBeat(o.dir().resolve("agents").resolve(i.host()).resolve("instances").resolve(i.id()).resolve("serial.log"));
            }
            long started = System.currentTimeMillis();
            long approvedAt = now.getAsLong();
            loop.execute(() -> runner[0].apply(runtime.approve(approvedAt), approvedAt));
            String lastLine = "";
            while (!settled.await(1, TimeUnit.SECONDS)) {
                String line = progress(loop, runtime, plan.affectedHosts().size());
                if (!line.equals(lastLine)) {
                    out.printf(Locale.ROOT, "  %4d s  %s%n", (System.currentTimeMillis() - started) / 1000, line);
                    out.flush();
                    lastLine = line;
                }
                if (System.currentTimeMillis() - started > Duration.ofMinutes(15).toMillis()) {
                    loop.execute(() -> runner[0].apply(runtime.abort(now.getAsLong(), "the lab ran out of time"), now.getAsLong()));
                }
            }
            long seconds = (System.currentTimeMillis() - started + 999) / 1000;
            CampaignStats s = loop.submit(runtime::stats).get();
            List<String> violations = new ArrayList<>(loop.submit(() -> store.checker.finish()).get());
            String state = loop.submit(() -> runtime.state() == CampaignState.COMPLETED ? "completed"
                    : runtime.state().name().toLowerCase(Locale.ROOT)).get();
            out.printf(Locale.ROOT, "  %4d s  %s: %d of %d affected hosts patched, %d failed; %d live migrations, %d relocations,"
                    + " %d reboots in place%n", seconds, state, s.hostsPatched, plan.affectedHosts().size(), s.hostsFailed,
                    s.liveMigrations, s.relocations, s.rebootsInPlace);
            long measuredMs = s.makespanMs - approvedAt; // campaign time: approval to the last host's return
            long predicted = predict(o, problem, plan);
            out.printf(Locale.ROOT, "  campaign time: measured %.1f s; the simulator, calibrated, predicted %d s (%+.0f%%); the plan said %d s%n",
                    measuredMs / 1000.0, predicted, 100.0 * (predicted * 1000.0 - measuredMs) / Math.max(1, measuredMs),
                    plan.summary().makespanSeconds());
            List<Guest> guests = guests(o, fleet, driver.moved(), t0, clients);
            return new Result(state, plan.affectedHosts().size(), s.hostsPatched, s.hostsFailed, (measuredMs + 999) / 1000, predicted,
                    guests, violations);
        } finally {
            for (Agent a : agents) {
                a.stopAll();
                a.close();
            }
            loop.shutdownNow();
            timers.shutdownNow();
        }
    }

    /** One canary soaked 2 s, then the affected hosts together; 5 s notice; live migrations capped at {@code mibps}. */
    private static Policy policy(Options o, double mibps) {
        return new Policy(o.affected(), o.affected(), 1, 1, Duration.ofSeconds(2), Duration.ofSeconds(5),
                new LiveMigrationPolicy(Duration.ofMillis(1), mibps, 2, Duration.ofSeconds(60), OnTimeout.ABORT), 3, LAB_DURATIONS);
    }

    /** The simulator on the same fleet and plan, exact timing, no faults, tenants who wait. */
    static long predict(Options o, PlanningProblem problem, Plan plan) {
        PlanningProblem calibrated = new PlanningProblem(problem.fleet(), problem.advisory(), policy(o, CALIBRATED_MIGRATION_MIBPS),
                problem.start());
        return dev.ferry.sim.Simulation.run(calibrated, plan, new dev.ferry.sim.Simulation.Options(1, dev.ferry.sim.FaultSpec.NONE,
                new dev.ferry.sim.TenantModel(0, 0), false, true, null, null, true)).makespanSeconds();
    }

    private static String progress(ExecutorService loop, CampaignRuntime runtime, int affected) throws Exception {
        return loop.submit(() -> {
            CampaignStats s = runtime.stats();
            return String.format(Locale.ROOT, "%s: %d/%d hosts patched, %d live migrations, %d relocations, %d reboots in place",
                    runtime.state().name().toLowerCase(Locale.ROOT), s.hostsPatched, affected, s.liveMigrations, s.relocations,
                    s.rebootsInPlace);
        }).get();
    }

    /** Reads every guest's serial output across the hosts and checks it against what the driver did. */
    private static List<Guest> guests(Options o, Fleet fleet, List<AgentDriver.Moved> moved, long t0, List<AgentClient> clients)
            throws Exception {
        List<Guest> out = new ArrayList<>();
        for (var inst : fleet.instances()) {
            // a guest restarted at the very end of the campaign may still be booting: wait (bounded) until
            // its serial output shows the boots its moves imply and a beat after the last one
            long expected = 1 + moved.stream().filter(m -> m.instance().equals(inst.id()) && m.completed()
                    && !m.kind().equals("live-migrate")).count();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && !booted(o, fleet, inst.id(), expected)) {
                Thread.sleep(50); // the guest boots at its own pace
            }
            List<QemuVm.SerialLine> lines = new ArrayList<>();
            List<List<QemuVm.SerialLine>> perHost = new ArrayList<>();
            for (var h : fleet.hosts()) {
                List<QemuVm.SerialLine> l = QemuVm.SerialLine.read(o.dir().resolve("agents").resolve(h.id()).resolve("instances")
                        .resolve(inst.id()).resolve("serial.log"));
                perHost.add(l);
                lines.addAll(l);
            }
            lines.sort(Comparator.comparingLong(QemuVm.SerialLine::atMicros));
            int boots = 0;
            int breaks = 0;
            long prev = -1;
            for (QemuVm.SerialLine l : lines) {
                if (l.text().equals("boot")) {
                    boots++;
                    prev = 0;
                } else if (l.text().matches("\\d+")) {
                    long v = Long.parseLong(l.text());
                    if (prev >= 0 && v != prev + 1) {
                        breaks++;
                    }
                    prev = v;
                }
            }
            List<AgentDriver.Moved> mine = moved.stream().filter(m -> m.instance().equals(inst.id()) && m.completed()).toList();
            int expectedBoots = 1 + (int) mine.stream().filter(m -> !m.kind().equals("live-migrate")).count();
            List<Long> downtimes = new ArrayList<>();
            List<Double> gaps = new ArrayList<>();
            for (AgentDriver.Moved m : mine) {
                if (!m.kind().equals("live-migrate")) {
                    continue;
                }
                downtimes.add(m.qemuDowntimeMs());
                List<QemuVm.SerialLine> from = perHost.get(fleet.hostIndex(m.from()));
                List<QemuVm.SerialLine> to = perHost.get(fleet.hostIndex(m.to()));
                long since = (t0 + m.atMs()) * 1000;
                QemuVm.SerialLine first = to.stream().filter(l -> l.atMicros() >= since && !l.text().equals("boot")).findFirst().orElse(null);
                if (first != null) {
                    from.stream().filter(l -> l.atMicros() < first.atMicros()).reduce((a, b) -> b)
                            .ifPresent(last -> gaps.add((first.atMicros() - last.atMicros()) / 1000.0 - 1000.0 / GuestImage.HZ));
                }
            }
            String where = null;
            for (int h = 0; h < clients.size(); h++) {
                for (var i : clients.get(h).get("/v1/host").path("instances")) {
                    if (i.path("id").asText().equals(inst.id()) && i.path("role").asText().equals("running") && i.path("alive").asBoolean()) {
                        where = where == null ? fleet.host(h).id() : where + "+" + fleet.host(h).id(); // two would be a bug
                    }
                }
            }
            String kinds = mine.isEmpty() ? "stayed" : String.join(", ", mine.stream().map(m -> m.kind() + " " + m.from() + "→" + m.to()).toList());
            out.add(new Guest(inst.id(), inst.tenant(), kinds, boots, expectedBoots, breaks, downtimes, gaps,
                    where != null && where.contains("+") ? null : where));
        }
        return out;
    }

    /** The guest's serial output, all hosts together, shows at least {@code boots} boots and a beat after the last. */
    private static boolean booted(Options o, Fleet fleet, String id, long boots) {
        List<QemuVm.SerialLine> lines = new ArrayList<>();
        for (var h : fleet.hosts()) {
            lines.addAll(QemuVm.SerialLine.read(o.dir().resolve("agents").resolve(h.id()).resolve("instances").resolve(id).resolve("serial.log")));
        }
        lines.sort(Comparator.comparingLong(QemuVm.SerialLine::atMicros));
        long seen = lines.stream().filter(l -> l.text().equals("boot")).count();
        return seen >= boots && !lines.isEmpty() && !lines.get(lines.size() - 1).text().equals("boot");
    }

    private static void awaitFirstBeat(Path serialLog) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!(Files.exists(serialLog) && Files.readString(serialLog).contains("\n"))) {
            if (System.nanoTime() > deadline) {
                throw new IOException("no heartbeat in " + serialLog + " after 60 s");
            }
            Thread.sleep(20); // the guest boots at its own pace
        }
    }

    /** Hosts h1..hN in one zone; the first {@code affected} run the vulnerable version. VMs round-robin. */
    static String fleetYaml(Options o) {
        StringBuilder b = new StringBuilder("# written by ferry lab\nferry: fleet/v1\nhosts:\n");
        for (int h = 1; h <= o.hosts(); h++) {
            b.append(String.format(Locale.ROOT, "  - { id: h%d, zone: lab, rack: r%d, cpus: 16, memoryMiB: %d, hypervisor: %s,"
                    + " cpuModel: qemu64, liveMigration: true }%n", h, (h + 1) / 2, Math.max(4096, o.vms() * o.memoryMiB() * 2),
                    h <= o.affected() ? "xen-4.4.0" : "xen-4.5.0"));
        }
        b.append("instances:\n");
        int onAffected = 0;
        for (int v = 1; v <= o.vms(); v++) {
            int host = (v - 1) % o.hosts() + 1;
            // on the affected hosts, in turn: live migration, restart elsewhere, live migration, reboot in place;
            // every third VM dirties memory
            String ohm = "migrate";
            if (host <= o.affected()) {
                ohm = switch (onAffected++ % 4) {
                    case 1 -> "restart";
                    case 3 -> "reboot-in-place";
                    default -> "migrate";
                };
            }
            b.append(String.format(Locale.ROOT, "  - { id: vm%02d, tenant: t%d, host: h%d, cpus: 1, memoryMiB: %d,"
                    + " onHostMaintenance: %s, dirtyRateMiBps: %d }%n", v, (v - 1) % 3 + 1, host, o.memoryMiB(), ohm, v % 3 == 0 ? 8 : 0));
        }
        b.append("tenants:\n  - { id: t1 }\n  - { id: t2 }\n  - { id: t3 }\n");
        return b.toString();
    }

    static String advisoryYaml() {
        return "# written by ferry lab\nferry: advisory/v1\nid: XSA-108\ntitle: Improper MSR range used for x2APIC emulation\n"
                + "affects:\n  - { hypervisor: \"xen-4.4.*\", cpuModel: \"*\" }\nfixedVersion: " + FIXED + "\nrequiresReboot: true\n"
                + "disclosure: " + Instant.now().plus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "\n";
    }

    /** The history in memory, checked record by record; used on the campaign loop's thread only. */
    private static final class Store implements Ports.Store {
        final InvariantChecker checker;
        private final Set<String> applied = new HashSet<>();

        Store(InvariantChecker checker) {
            this.checker = checker;
        }

        @Override
        public void append(HistoryRecord record) {
            checker.accept(record);
        }

        @Override
        public boolean markApplied(String key) {
            return applied.add(key);
        }
    }
}
