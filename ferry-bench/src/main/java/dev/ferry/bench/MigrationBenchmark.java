package dev.ferry.bench;

import dev.ferry.agent.QemuVm;
import dev.ferry.agent.QemuVm.MigrationSettings;
import dev.ferry.agent.QemuVm.SerialLine;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Live migration of the heartbeat guest between two QEMU processes on loopback TCP (software
 * emulation), idle and dirtying memory at several rates: QEMU's default migration settings against
 * Ferry's, side by side on the same guest and machine. For each run: QEMU's own downtime figure and
 * total time, the gap the guest's serial output shows across the switch (host wall time between the
 * source's last line and the destination's first, less one beat), whether the counter went on
 * (destination's first value = source's last + 1), and whether the migration completed (a run still
 * copying after 30 s counts as not converging).
 *
 * <p>Usage: {@code ./bench/migration [--rates 0,16,64,128,256] [--runs 5] [--memory 256] [--qemu qemu-system-x86_64]}
 */
public final class MigrationBenchmark {
    private record Run(boolean completed, long totalMs, long downtimeMs, double serialGapMs, boolean continuous) {
    }

    public static void main(String[] args) throws Exception {
        int[] rates = {0, 16, 64, 128, 256};
        int runs = 5;
        int memory = 256;
        String qemu = "qemu-system-x86_64";
        for (int k = 0; k + 1 < args.length; k += 2) {
            switch (args[k]) {
                case "--rates" -> rates = Arrays.stream(args[k + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--runs" -> runs = Integer.parseInt(args[k + 1]);
                case "--memory" -> memory = Integer.parseInt(args[k + 1]);
                case "--qemu" -> qemu = args[k + 1];
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
        System.out.println();
        System.out.println("Guest: " + memory + " MiB, the heartbeat boot sector; " + runs + " runs each; medians; "
                + "downtime is QEMU's figure, gap is what the serial port showed.");
        System.out.println();
        System.out.println("| guest dirtying | QEMU defaults: downtime / serial gap / total / completed / counter went on "
                + "| Ferry: downtime / serial gap / total / completed / counter went on |");
        System.out.println("|---|---|---|");
        rows.forEach(System.out::println);
    }

    private static Run once(String qemu, Path dir, int memory, int rate, MigrationSettings s) throws Exception {
        QemuVm src = QemuVm.launch(qemu, "bench", dir.resolve("src"), memory, rate, false);
        QemuVm dst = null;
        try {
            // one second of guest time for an idle guest; five for a dirtying one, so that most of its
            // region holds data (not zero pages, which QEMU sends as a flag) when the migration starts
            awaitLines(src, rate == 0 ? 100 : 500);
            dst = QemuVm.launch(qemu, "bench", dir.resolve("dst"), memory, rate, true);
            int port = freePort();
            dst.acceptMigration("127.0.0.1", port);
            src.migrateTo("127.0.0.1", port, s);
            // 30 s is far beyond any converging run here (the slowest, QEMU's defaults at 64 MiB/s, take 3.4 s)
            QemuVm.MigrationResult m = src.awaitMigration(Duration.ofSeconds(30));
            if (!m.completed()) {
                return new Run(false, m.totalTimeMs(), -1, Double.NaN, false);
            }
            awaitLines(dst, 20);
            List<SerialLine> before = src.serialLines();
            List<SerialLine> after = dst.serialLines();
            SerialLine last = before.get(before.size() - 1);
            SerialLine first = after.get(0);
            double gap = (first.atMicros() - last.atMicros()) / 1000.0 - 1000.0 / dev.ferry.agent.GuestImage.HZ;
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
