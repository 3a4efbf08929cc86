package dev.ferry.lab;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.commons.io.output.TeeOutputStream;
import org.apache.commons.io.output.TeeWriter;

/**
 * Everything a lab run says, kept under its directory on every run: what it prints goes to the
 * console and to {@code <dir>/report.txt}; the controller's and the driver's messages (standard
 * error) go to the console and to {@code <dir>/controller.log}; each agent's QEMU logs stay under
 * {@code <dir>/agents/<host>/instances/<vm>/qemu.log}, a killed host's agent log in
 * {@code <dir>/agents/<host>-agent.log}. A failed run says where they are.
 */
final class LabReport implements AutoCloseable {
    private final Path dir;
    private final PrintWriter out;
    private final Writer file;
    private final PrintStream err;
    private final OutputStream errFile;
    private final PrintStream consoleErr;

    private LabReport(Path dir, PrintWriter console) throws IOException {
        this.dir = dir;
        this.file = Files.newBufferedWriter(dir.resolve("report.txt"), StandardCharsets.UTF_8);
        this.out = new PrintWriter(new TeeWriter(console, file), true);
        this.consoleErr = System.err;
        this.errFile = Files.newOutputStream(dir.resolve("controller.log"));
        this.err = new PrintStream(new TeeOutputStream(consoleErr, errFile), true, StandardCharsets.UTF_8);
        System.setErr(err);
    }

    static LabReport open(Path dir, PrintWriter console) throws IOException {
        Files.createDirectories(dir);
        return new LabReport(dir, console);
    }

    PrintWriter out() {
        return out;
    }

    /** Every VM's line, the broken rules, and the verdict; on a failure, where the logs are. */
    void verdict(Lab.Result r) {
        out.println();
        out.println("VM              tenant    what happened                          boots (expected)  counter  QEMU downtime  serial gap"
                + "  now on");
        for (Lab.Guest g : r.guests()) {
            out.printf(Locale.ROOT, "%-15s %-9s %-38s %d (%d)             %-8s %-14s %-11s %s%n", g.id(), g.tenant(), g.moves(), g.boots(),
                    g.expectedBoots(), g.counterBreaks() == 0 ? "ok" : g.counterBreaks() + " breaks",
                    g.qemuDowntimeMs().isEmpty() ? "-" : g.qemuDowntimeMs().stream().map(d -> d + " ms").collect(Collectors.joining(", ")),
                    g.serialGapMs().isEmpty() ? "-" : g.serialGapMs().stream().map(d -> String.format(Locale.ROOT, "%.0f ms", d))
                            .collect(Collectors.joining(", ")),
                    g.terminated() ? (g.finalHost() == null ? "(terminated)" : "STILL RUNS on " + g.finalHost())
                            : g.finalHost() == null ? "NOT RUNNING ONCE" : g.finalHost());
        }
        r.violations().forEach(v -> out.println("safety rule broken: " + v));
        if (r.ok()) {
            out.println("Lab passed: every affected host patched, every VM accounted for, every check held.");
        } else {
            out.println("Lab FAILED: see above (campaign " + r.campaign() + " ended " + r.state() + ", " + r.patched() + " of "
                    + r.affected() + " hosts patched).");
            where();
        }
    }

    /** A run that stopped with an error: the error, and where to look. */
    void stopped(Exception e) {
        out.println("Lab FAILED: " + e);
        e.printStackTrace(out);
        where();
    }

    private void where() {
        out.println("Kept for diagnosis: " + dir.resolve("report.txt") + " (this report), " + dir.resolve("controller.log")
                + " (the controller's and the driver's messages), " + dir.resolve("agents") + "/<host>/instances/<vm>/ (each"
                + " guest's qemu.log and serial.log), " + dir.resolve("controller") + " (the controller's database).");
    }

    @Override
    public void close() throws IOException {
        out.flush();
        System.setErr(consoleErr);
        try (errFile; file) {
            err.flush(); // both files are closed, whatever either close throws; the console's streams stay open
        }
    }
}
