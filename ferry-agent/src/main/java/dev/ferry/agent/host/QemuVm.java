package dev.ferry.agent.host;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One QEMU process running the heartbeat guest, in its own directory: the boot image, the QMP
 * socket, the serial socket (COM1, the console), the notice socket (COM2: what the host tells the
 * guest, {@link #tell}), the pid file, QEMU's log, and {@code serial.log} (each line the guest
 * printed, prefixed with the host's wall time in microseconds when it arrived). QEMU is started
 * detached from this JVM (its output goes to a file), so it outlives the agent; {@link #adopt}
 * takes over a running one from its pid file and sockets.
 */
public final class QemuVm implements Guest {
    private final String id;
    private final Path dir;
    private final long pid;
    private final Qmp qmp;
    private final Console console;

    private QemuVm(String id, Path dir, long pid, Qmp qmp) {
        this.id = id;
        this.dir = dir;
        this.pid = pid;
        this.qmp = qmp;
        this.console = new Console(id, dir.resolve("serial.sock"), dir.resolve("notice.sock"), dir.resolve("serial.log"));
    }

    /**
     * Starts QEMU for instance {@code id} in {@code dir}: running the guest, or with
     * {@code incoming} waiting for a migration (started by {@link #acceptMigration}).
     */
    public static QemuVm launch(String qemu, String id, Path dir, int memoryMiB, int dirtyMiBPerSecond, boolean incoming)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path image = dir.resolve("guest.img");
        byte[] sector = GuestImage.build(dirtyMiBPerSecond, memoryMiB);
        byte[] disk = new byte[1 << 20];
        System.arraycopy(sector, 0, disk, 0, sector.length);
        Files.write(image, disk);
        for (String f : List.of("qmp.sock", "serial.sock", "notice.sock", "qemu.pid")) {
            Files.deleteIfExists(dir.resolve(f));
        }
        List<String> cmd = new ArrayList<>(List.of(qemu, "-name", id, "-machine", "pc,accel=tcg", "-m", Integer.toString(memoryMiB),
                "-smp", "1", "-display", "none", "-nodefaults", "-no-user-config",
                "-drive", "file=" + image + ",format=raw,if=ide",
                "-chardev", "socket,id=serial0,path=" + dir.resolve("serial.sock") + ",server=on,wait=off",
                "-serial", "chardev:serial0",
                "-chardev", "socket,id=notice0,path=" + dir.resolve("notice.sock") + ",server=on,wait=off",
                "-serial", "chardev:notice0",
                "-qmp", "unix:" + dir.resolve("qmp.sock") + ",server=on,wait=off",
                "-pidfile", dir.resolve("qemu.pid").toString()));
        if (incoming) {
            cmd.add("-incoming");
            cmd.add("defer");
        } else {
            cmd.add("-S"); // held until the serial port is read, so that not even the guest's "boot" line is lost
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("qemu.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        Qmp qmp;
        try {
            qmp = Qmp.connect(dir.resolve("qmp.sock"), Duration.ofSeconds(20));
        } catch (IOException e) {
            p.destroyForcibly();
            throw new IOException("QEMU did not start for " + id + ": " + e.getMessage() + "; " + tail(dir.resolve("qemu.log")), e);
        }
        QemuVm vm = new QemuVm(id, dir, p.pid(), qmp);
        if (!vm.console.awaitConnected(Duration.ofSeconds(20))) {
            p.destroyForcibly();
            throw new IOException("QEMU's serial port for " + id + " did not open; " + tail(dir.resolve("qemu.log")));
        }
        if (!incoming) {
            vm.resume();
        }
        return vm;
    }

    /** Takes over a QEMU that runs in {@code dir} (after the agent restarted), or null when none does. */
    public static QemuVm adopt(String id, Path dir) throws InterruptedException {
        try {
            long pid = Long.parseLong(Files.readString(dir.resolve("qemu.pid")).trim());
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                return new QemuVm(id, dir, pid, Qmp.connect(dir.resolve("qmp.sock"), Duration.ofSeconds(5)));
            }
        } catch (IOException | NumberFormatException e) {
            // no pid file, or its process is gone, or it does not answer: not adoptable
        }
        return null;
    }

    public String id() {
        return id;
    }

    @Override
    public long pid() {
        return pid;
    }

    public Path dir() {
        return dir;
    }

    @Override
    public boolean alive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** QEMU's run state: running, paused, inmigrate, postmigrate, ... */
    @Override
    public synchronized String status() throws IOException {
        return qmp.execute("query-status").path("status").asText();
    }

    /** Destination side: listen for the migration on a loopback TCP port ({@code postcopy}: it may switch to post-copy). */
    public synchronized void acceptMigration(String host, int port, boolean postcopy) throws IOException {
        if (postcopy) {
            qmp.execute("migrate-set-capabilities", Map.of("capabilities", List.of(Map.of("capability", "postcopy-ram", "state", true))));
        }
        qmp.execute("migrate-incoming", Map.of("uri", "tcp:" + host + ":" + port));
    }

    /** Source side: applies the settings and starts sending to the destination (returns at once). */
    public synchronized void migrateTo(String host, int port, MigrationSettings s) throws IOException {
        List<Map<String, Object>> caps = new ArrayList<>();
        caps.add(Map.of("capability", "auto-converge", "state", s.autoConverge()));
        caps.add(Map.of("capability", "postcopy-ram", "state", s.postcopy()));
        qmp.execute("migrate-set-capabilities", Map.of("capabilities", caps));
        Map<String, Object> params = new LinkedHashMap<>();
        if (s.downtimeLimitMs() != null) {
            params.put("downtime-limit", s.downtimeLimitMs());
        }
        if (s.maxBandwidthBytesPerSecond() != null) {
            params.put("max-bandwidth", s.maxBandwidthBytesPerSecond());
        }
        if (!params.isEmpty()) {
            qmp.execute("migrate-set-parameters", params);
        }
        qmp.execute("migrate", Map.of("uri", "tcp:" + host + ":" + port));
    }

    /** Source side through the agent: only to another agent that runs QEMU itself (its migration stream's address). */
    @Override
    public void migrateTo(Destination to, MigrationSettings s) throws IOException {
        if (to.backend() != null && !to.backend().equals(QemuHypervisor.NAME)) {
            throw new AgentException(409, "cannot live-migrate " + id + " from a QEMU host to a " + to.backend() + " host");
        }
        migrateTo(to.host(), to.port(), s);
    }

    @Override
    public Progress progress() throws IOException {
        JsonNode m = migration();
        return new Progress(m.path("status").asText("none"), m.path("ram").path("dirty-sync-count").asLong());
    }

    /** Switches a running post-copy-capable migration to post-copy. */
    @Override
    public synchronized void startPostcopy() throws IOException {
        qmp.execute("migrate-start-postcopy");
    }

    /** Sets the downtime limit of the migration under way (QEMU takes it at its next iteration). */
    @Override
    public synchronized void setDowntimeLimit(long ms) throws IOException {
        qmp.execute("migrate-set-parameters", Map.of("downtime-limit", ms));
    }

    /** QEMU's view of the outgoing migration (status "none" before one started). */
    public synchronized JsonNode migration() throws IOException {
        return qmp.execute("query-migrate");
    }

    @Override
    public synchronized void cancelMigration() throws IOException {
        qmp.execute("migrate_cancel");
    }

    /** Polls the outgoing migration until it ends (completed, failed or cancelled) or the timeout passes. */
    @Override
    public MigrationResult awaitMigration(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode m = migration();
            String status = m.path("status").asText("none");
            if (status.equals("completed") || status.equals("failed") || status.equals("cancelled") || System.nanoTime() > deadline) {
                JsonNode ram = m.path("ram");
                return new MigrationResult(System.nanoTime() > deadline && !status.equals("completed") ? "timeout:" + status : status,
                        m.path("total-time").asLong(), m.has("downtime") ? m.get("downtime").asLong() : null,
                        ram.path("transferred").asLong(), ram.path("dirty-sync-count").asLong(), m.path("error-desc").asText(null),
                        ram.path("postcopy-bytes").asLong());
            }
            Thread.sleep(5); // QEMU has no blocking wait for a migration's end over QMP
        }
    }

    /** Runs a guest that is held: started with -S, or paused after a failed or cancelled migration (the source keeps running it). */
    @Override
    public synchronized void resume() throws IOException {
        qmp.execute("cont");
    }

    /** Resets the guest in place (a reboot: the same QEMU, the guest boots again). */
    @Override
    public synchronized void reset() throws IOException {
        qmp.execute("system_reset");
    }

    /** Stops QEMU (the guest is gone). */
    @Override
    public synchronized void quit() {
        try {
            qmp.execute("quit");
        } catch (IOException e) {
            // it may close the socket before it answers
        }
        ProcessHandle.of(pid).ifPresent(h -> {
            try {
                h.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        });
        console.close();
    }

    /** Kills QEMU at once (fault injection). */
    @Override
    public void kill() {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        console.close();
    }

    /** The lines the guest printed, with the host wall time (µs) each arrived at, as read so far. */
    public List<SerialLine> serialLines() {
        return SerialLine.read(dir.resolve("serial.log"));
    }

    @Override
    public boolean tell(String line) {
        return console.tell(line);
    }

    private static String tail(Path log) {
        try {
            String s = Files.exists(log) ? Files.readString(log) : "";
            return s.length() > 500 ? s.substring(s.length() - 500) : s;
        } catch (IOException e) {
            return "";
        }
    }

    /** Lets go of QEMU without stopping it (the agent stops; the guest runs on). */
    @Override
    public void close() throws IOException {
        console.close();
        qmp.close();
    }
}
