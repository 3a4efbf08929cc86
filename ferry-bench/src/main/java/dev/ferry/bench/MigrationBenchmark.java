package dev.ferry.bench;

import dev.ferry.agent.AgentClient;
import dev.ferry.agent.driver.AgentDriver;
import dev.ferry.agent.host.Agent;
import dev.ferry.agent.host.Guest.MigrationSettings;
import dev.ferry.agent.host.Guest.SerialLine;
import dev.ferry.agent.host.GuestImage;
import dev.ferry.agent.host.QemuVm;
import dev.ferry.core.campaign.Effect;
import dev.ferry.core.campaign.Input;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.OnTimeout;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.formats.FleetReader;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Live migration of the heartbeat guest between two QEMU processes on loopback TCP (software
 * emulation), idle and dirtying memory at several rates: QEMU's default migration settings against
 * Ferry's, side by side on the same guest and machine. For each run: QEMU's own downtime figure and
 * total time, the gap the guest's serial output shows across the switch (host wall time between the
 * source's last line and the destination's first, less one beat), whether the counter went on
 * (destination's first value = source's last + 1), and whether the migration completed (a run still
 * copying after 30 s counts as not converging).
 *
 * <p>Then the same as a campaign's moves, as {@code ferry lab} does them: through two host agents and
 * the controller's {@link AgentDriver} (destination QEMU started and prepared first, migrate,
 * destination confirmed running, source stopped), two guests of the lab's size at once from one host
 * (the lab's policy allows two per host), from one host or from three at once (as the lab with 32 VMs
 * does after its canary), timed from the effects to the last answer, with 0, 10 and 30 other heartbeat
 * guests running as in {@code ferry lab} with 12 and 32 VMs (every third dirtying 8 MiB/s). The
 * simulator shares a host's migration bandwidth among its moves in flight, so 2 × memory ÷ a round's
 * time is the per-host bandwidth the lab's prediction is calibrated with; hosts on one machine share
 * its two cores, which real hosts do not, hence the rows with three hosts at once.
 *
 * <p>Then a guest that dirties memory faster than the migration's bandwidth cap (32 MiB/s against 8
 * MiB/s by default, a guest of {@code --move-memory}): QEMU's defaults never converge; the driver's escalations after two passes over
 * memory — the downtime limit stepped up, or post-copy — side by side.
 *
 * <p>Usage: {@code ./bench/migration [--rates 0,16,64,128,256] [--runs 5] [--memory 256] [--move-memory 64]
 * [--capped 32/8] [--steps 0x1,10x1,30x1,30x3] [--qemu qemu-system-x86_64]} ({@code --steps}: other guests × hosts
 * moving at once); {@code --rates none}, {@code --capped none} and {@code --steps none} skip their tables.
 */
public final class MigrationBenchmark {
    private record Run(boolean completed, long totalMs, long downtimeMs, double serialGapMs, boolean continuous) {
    }

    public static void main(String[] args) throws Exception {
        int[] rates = {0, 16, 64, 128, 256};
        int runs = 5;
        int memory = 256;
        String qemu = "qemu-system-x86_64";
        int moveMemory = 64;
        // {other guests, source hosts moving at once}: the lab with 12 VMs moves from one host at a time;
        // with 32 VMs from one (the canary), then three at once
        int[][] combos = {{0, 1}, {10, 1}, {30, 1}, {30, 3}};
        int cappedRate = 32;
        int capMiBps = 8;
        for (int k = 0; k + 1 < args.length; k += 2) {
            switch (args[k]) {
                case "--rates" -> rates = args[k + 1].equals("none") ? new int[0]
                        : Arrays.stream(args[k + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--steps" -> combos = args[k + 1].equals("none") ? new int[0][] : Arrays.stream(args[k + 1].split(",")).map(c -> Arrays.stream(c.split("x"))
                        .mapToInt(Integer::parseInt).toArray()).toArray(int[][]::new);
                case "--runs" -> runs = Integer.parseInt(args[k + 1]);
                case "--memory" -> memory = Integer.parseInt(args[k + 1]);
                case "--qemu" -> qemu = args[k + 1];
                case "--move-memory" -> moveMemory = Integer.parseInt(args[k + 1]);
                case "--capped" -> { // RATE/CAP: a guest dirtying RATE MiB/s, the bandwidth capped at CAP MiB/s; "none" skips
                    if (args[k + 1].equals("none")) {
                        capMiBps = 0;
                    } else {
                        cappedRate = Integer.parseInt(args[k + 1].split("/")[0]);
                        capMiBps = Integer.parseInt(args[k + 1].split("/")[1]);
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + args[k]);
            }
        }
        Path dir = Files.createTempDirectory("ferry-bench-migration");
        List<String> rows = new ArrayList<>();
        for (int rate : rates) {
            List<String> cells = new ArrayList<>();
            for (MigrationSettings s : List.of(MigrationSettings.QEMU_DEFAULTS, MigrationSettings.FERRY)) {
                List<Run> results = new ArrayList<>();
                for (int r = 0; r < runs; r++) {
                    Run run = once(qemu, dir.resolve(rate + "-" + (s == MigrationSettings.FERRY ? "ferry" : "qemu") + "-" + r), memory, rate, s);
                    System.err.printf(Locale.ROOT, "%3d MiB/s %-13s run %d: %s%n", rate, s == MigrationSettings.FERRY ? "ferry" : "qemu defaults",
                            r + 1, run);
                    results.add(run);
                }
                cells.add(summary(results));
            }
            rows.add(String.format(Locale.ROOT, "| %d MiB/s | %s | %s |", rate, cells.get(0), cells.get(1)));
        }
        if (!rows.isEmpty()) { // --rates none: the steps only
            System.out.println();
            System.out.println("Guest: " + memory + " MiB, the heartbeat boot sector; " + runs + " runs each; medians; "
                    + "downtime is QEMU's figure, gap is what the serial port showed.");
            System.out.println();
            System.out.println("| guest dirtying | QEMU defaults: downtime / serial gap / total / completed / counter went on "
                    + "| Ferry: downtime / serial gap / total / completed / counter went on |");
            System.out.println("|---|---|---|");
            rows.forEach(System.out::println);
        }

        if (capMiBps > 0) {
            capped(qemu, dir, moveMemory, cappedRate, capMiBps, runs);
        }

        List<String> moveRows = new ArrayList<>();
        long[] reboots = null;
        for (int[] combo : combos) {
            Steps st = steps(qemu, dir.resolve("steps-" + combo[0] + "x" + combo[1]), moveMemory, combo[0], combo[1], runs,
                    reboots == null);
            if (reboots == null) {
                reboots = st.reboots();
            }
            long live = median(st.livePairs());
            long relocate = median(st.relocationPairs());
            moveRows.add(String.format(Locale.ROOT, "| %d | %d | %d ms (%s) | %.0f MiB/s | %d ms (%s) |", combo[0], combo[1], live,
                    range(st.livePairs()), 2 * moveMemory * 1000.0 / live, relocate, range(st.relocationPairs())));
        }
        if (combos.length == 0) {
            return; // --steps none
        }
        System.out.println();
        System.out.println("A campaign's steps through the agents and the AgentDriver: two moves of idle " + moveMemory
                + " MiB guests at once from each moving host (" + runs + " rounds each, from the effects to the last answer),"
                + " with other heartbeat guests running; the simulator's calibration is 2 × memory ÷ a live round's median.");
        System.out.println();
        System.out.println("| other guests | hosts moving at once | live migrations: median (range) | 2 × memory ÷ median |"
                + " relocations: median (range) |");
        System.out.println("|---|---|---|---|---|");
        moveRows.forEach(System.out::println);
        System.out.println();
        System.out.printf(Locale.ROOT, "A host's patch-and-reboot (the agent's 1 s reboot) from the effect to the answer: median %d ms (%s).%n",
                median(reboots), range(reboots));
    }

    /**
     * A guest dirtying memory faster than the bandwidth cap: QEMU's defaults (capped) against the
     * driver's two escalations — the downtime limit stepped up from 1 ms to 300 ms, and post-copy.
     */
    private static void capped(String qemu, Path dir, int memory, int rate, int capMiBps, int runs) throws Exception {
        long cap = (long) capMiBps << 20;
        record Column(String name, MigrationSettings settings, Escalation escalation) {
        }
        List<Column> columns = List.of(new Column("QEMU defaults", new MigrationSettings(null, cap, false, false), Escalation.NONE),
                new Column("downtime 1 ms, stepped up to 300 ms", new MigrationSettings(1L, cap, false, false), Escalation.DOWNTIME_STEP),
                new Column("post-copy", new MigrationSettings(1L, cap, false, true), Escalation.POSTCOPY));
        List<String> summaries = new ArrayList<>();
        for (Column c : columns) {
            List<Run> results = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                Run run = once(qemu, dir.resolve("capped-" + summaries.size() + "-" + r), memory, rate, c.settings(), c.escalation());
                System.err.printf(Locale.ROOT, "capped %d/%d MiB/s %s run %d: %s%n", rate, capMiBps, c.name(), r + 1, run);
                results.add(run);
            }
            summaries.add(summary(results));
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "A guest (%d MiB) dirtying %d MiB/s, the migration capped at %d MiB/s, no auto-converge; after two"
                + " passes over memory without converging the escalation starts; a run still copying 30 s later has not converged"
                + " (%d runs each; medians; downtime / serial gap / total / completed / counter went on):%n", memory, rate, capMiBps, runs);
        System.out.println();
        System.out.println("| " + String.join(" | ", columns.stream().map(Column::name).toList()) + " |");
        System.out.println("|---|---|---|");
        System.out.println("| " + String.join(" | ", summaries) + " |");
    }

    /** What a campaign's steps took through the agents, in ms: live and relocation pairs, and (first load only) reboots. */
    private record Steps(long[] livePairs, long[] relocationPairs, long[] reboots) {
    }

    private static long median(long[] v) {
        long[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    private static String range(long[] v) {
        return Arrays.stream(v).min().orElse(0) + "–" + Arrays.stream(v).max().orElse(0) + " ms";
    }

    /**
     * Through the agents and the driver, with {@code load} other guests running, on {@code pairs} pairs
     * of hosts at once: two idle guests per pair live-migrated at once back and forth, then relocated
     * (stop, start on the other host) at once back and forth; each round's time from the effects to
     * the last answer. With {@code reboots}, also the patch-and-reboot of an empty host.
     */
    private static Steps steps(String qemu, Path dir, int memory, int load, int pairs, int runs, boolean reboots) throws Exception {
        Path fleetFile = Files.createDirectories(dir).resolve("fleet.yaml");
        List<Agent> agents = new ArrayList<>();
        try {
            StringBuilder fleetYaml = new StringBuilder("ferry: fleet/v1\nhosts:\n");
            for (int h = 0; h < 2 * pairs; h++) {
                Agent a = Agent.start(new Agent.Config("h" + h, "127.0.0.1", 0, dir.resolve("h" + h), "v1", qemu, Duration.ofSeconds(1)));
                agents.add(a);
                fleetYaml.append("  - { id: h").append(h).append(", zone: z, rack: r, cpus: 8, memoryMiB: 8192, hypervisor: v1,"
                        + " cpuModel: qemu64, liveMigration: true, agent: \"127.0.0.1:").append(a.port()).append("\" }\n");
            }
            fleetYaml.append("instances:\n");
            for (int p = 0; p < pairs; p++) {
                for (int v = 0; v < 2; v++) {
                    fleetYaml.append("  - { id: vm").append(2 * p + v).append(", tenant: t, host: h").append(2 * p)
                            .append(", cpus: 1, memoryMiB: ").append(memory).append(" }\n");
                }
            }
            Files.writeString(fleetFile, fleetYaml.append("tenants:\n  - { id: t }\n").toString());
            Fleet fleet = new FleetReader().read(fleetFile);
            Policy policy = Policy.DEFAULTS;
            policy = policy.with(new LiveMigrationPolicy(Duration.ofMillis(1), 1024, 2, Duration.ofSeconds(60), OnTimeout.ABORT),
                    policy.durations());
            BlockingQueue<Input> answers = new LinkedBlockingQueue<>();
            AgentDriver driver = new AgentDriver(fleet, policy, null, dev.ferry.agent.driver.AgentCalls.clients(fleet), 0, (facts, in) -> answers.add(in), AgentDriver.Observer.NONE);
            for (int i = 0; i < 2 * pairs; i++) {
                new AgentClient("127.0.0.1", agents.get(i / 2 * 2).port()).post("/v1/instances", java.util.Map.of("id", "vm" + i,
                        "epoch", 1, "memoryMiB", memory, "dirtyMiBPerSecond", 0));
            }
            for (int g = 1; g <= load; g++) {
                new AgentClient("127.0.0.1", agents.get(g % agents.size()).port()).post("/v1/instances", java.util.Map.of("id", "bg" + g,
                        "epoch", 1, "memoryMiB", memory, "dirtyMiBPerSecond", g % 3 == 0 ? 8 : 0));
            }
            Thread.sleep(2_000); // every guest booted and beating before the first move
            long[] seq = {2};
            long[] live = new long[runs];
            long[] relocation = new long[runs];
            for (int r = 0; r < 2 * runs; r++) {
                MoveKind kind = r < runs ? MoveKind.LIVE_MIGRATE : MoveKind.RELOCATE;
                int side = r % 2;
                long began = System.nanoTime();
                for (int vm = 0; vm < 2 * pairs; vm++) {
                    long n = seq[0]++;
                    int from = vm / 2 * 2 + side;
                    int to = vm / 2 * 2 + 1 - side;
                    driver.apply(new Effect.StartMove("move/" + n, n, vm, from, to, kind, r + 2, false));
                }
                for (int vm = 0; vm < 2 * pairs; vm++) {
                    Input answer = answers.poll(120, java.util.concurrent.TimeUnit.SECONDS);
                    if (!(answer instanceof Input.MoveCompleted)) {
                        throw new IllegalStateException(kind.wireName() + " pair " + (r + 1) + ": a move did not complete: " + answer);
                    }
                }
                long ms = (System.nanoTime() - began) / 1_000_000;
                (r < runs ? live : relocation)[r % runs] = ms;
                System.err.printf(Locale.ROOT, "%s, %d other guests, %d hosts moving: %d ms%n", kind.wireName(), load, pairs, ms);
            }
            long[] rebootMs = new long[reboots ? runs : 0];
            // the guests are back where they started after an even number of rounds: h1 is empty (the host rebooted)
            for (int r = 0; r < rebootMs.length; r++) {
                // each reboot installs a new version
                dev.ferry.core.model.Advisory next = new dev.ferry.core.model.Advisory("BENCH", "bench", List.of(), "v" + (r + 2), true,
                        java.time.Instant.EPOCH);
                AgentDriver rebooter = new AgentDriver(fleet, policy, next, dev.ferry.agent.driver.AgentCalls.clients(fleet), 0, (facts, in) -> answers.add(in), AgentDriver.Observer.NONE);
                long began = System.nanoTime();
                rebooter.apply(new Effect.RebootHost("reboot/" + seq[0]++, 1));
                Input answer = answers.poll(120, java.util.concurrent.TimeUnit.SECONDS);
                if (!(answer instanceof Input.HostRebooted)) {
                    throw new IllegalStateException("reboot " + (r + 1) + ": " + answer);
                }
                rebootMs[r] = (System.nanoTime() - began) / 1_000_000;
                System.err.printf(Locale.ROOT, "reboot: %d ms%n", rebootMs[r]);
            }
            return new Steps(live, relocation, rebootMs);
        } finally {
            for (Agent a : agents) {
                a.stopAll();
                a.close();
            }
        }
    }

    private static Run once(String qemu, Path dir, int memory, int rate, MigrationSettings s) throws Exception {
        return once(qemu, dir, memory, rate, s, Escalation.NONE);
    }

    /** What the agent's driver does to a pre-copy that does not converge (after two passes over memory here). */
    private enum Escalation {
        NONE, DOWNTIME_STEP, POSTCOPY
    }

    /**
     * As {@link #once(String, Path, int, int, MigrationSettings)}; with {@code escalation}, once pre-copy
     * has made two passes over memory without ending, the downtime limit is raised to 300 ms or
     * the migration switched to post-copy, as the driver does at half its completion timeout.
     */
    private static Run once(String qemu, Path dir, int memory, int rate, MigrationSettings s, Escalation escalation) throws Exception {
        QemuVm src = QemuVm.launch(qemu, "bench", dir.resolve("src"), memory, rate, false);
        QemuVm dst = null;
        try {
            // one second of guest time for an idle guest; five for a dirtying one, so that most of its
            // region holds data (not zero pages, which QEMU sends as a flag) when the migration starts
            awaitLines(src, rate == 0 ? 100 : 500);
            dst = QemuVm.launch(qemu, "bench", dir.resolve("dst"), memory, rate, true);
            int port = freePort();
            dst.acceptMigration("127.0.0.1", port, s.postcopy());
            src.migrateTo("127.0.0.1", port, s);
            if (escalation != Escalation.NONE) {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (System.nanoTime() < deadline) {
                    var now = src.migration();
                    if (List.of("completed", "failed", "cancelled").contains(now.path("status").asText())) {
                        break;
                    }
                    if (now.path("ram").path("dirty-sync-count").asLong() >= 2) {
                        if (escalation == Escalation.POSTCOPY) {
                            src.startPostcopy();
                        } else {
                            src.setDowntimeLimit(300);
                        }
                        break;
                    }
                    Thread.sleep(20); // QEMU has no blocking wait over QMP
                }
            }
            // 30 s is far beyond any converging run here (the slowest, QEMU's defaults at 64 MiB/s, take 3.4 s)
            dev.ferry.agent.host.Guest.MigrationResult m = src.awaitMigration(Duration.ofSeconds(30));
            if (!m.completed()) {
                return new Run(false, m.totalTimeMs(), -1, Double.NaN, false);
            }
            awaitLines(dst, 20);
            List<SerialLine> before = src.serialLines();
            List<SerialLine> after = dst.serialLines();
            SerialLine last = before.get(before.size() - 1);
            SerialLine first = after.get(0);
            double gap = (first.atMicros() - last.atMicros()) / 1000.0 - 1000.0 / GuestImage.HZ;
            boolean continuous = Long.parseLong(first.text().trim()) == Long.parseLong(last.text().trim()) + 1;
            return new Run(true, m.totalTimeMs(), m.downtimeMs() == null ? -1 : m.downtimeMs(), gap, continuous);
        } finally {
            src.quit();
            if (dst != null) {
                dst.quit();
            }
        }
    }

    private static void awaitLines(QemuVm vm, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (vm.serialLines().stream().filter(l -> !l.text().equals("boot")).count() < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the guest in " + vm.dir() + " printed fewer than " + n + " beats in 60 s");
            }
            Thread.sleep(20); // the guest prints at its own pace
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String summary(List<Run> runs) {
        long completed = runs.stream().filter(Run::completed).count();
        long continuous = runs.stream().filter(Run::continuous).count();
        double[] down = runs.stream().filter(Run::completed).mapToDouble(Run::downtimeMs).sorted().toArray();
        double[] gap = runs.stream().filter(Run::completed).mapToDouble(Run::serialGapMs).sorted().toArray();
        double[] total = runs.stream().filter(Run::completed).mapToDouble(Run::totalMs).sorted().toArray();
        return String.format(Locale.ROOT, "%s / %s / %s / %d of %d / %d of %d", median(down, "%.0f ms"), median(gap, "%.0f ms"),
                median(total, "%.2f s", 1000), completed, runs.size(), continuous, runs.size());
    }

    private static String median(double[] v, String format) {
        return median(v, format, 1);
    }

    private static String median(double[] v, String format, double divide) {
        return v.length == 0 ? "—" : String.format(Locale.ROOT, format, v[v.length / 2] / divide);
    }
}
