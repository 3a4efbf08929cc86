package dev.ferry.agent.host;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
public final class QemuVm implements AutoCloseable {
    /** How a live migration is run (QEMU's parameters; null leaves QEMU's default). */
    public record MigrationSettings(Long downtimeLimitMs, Long maxBandwidthBytesPerSecond, boolean autoConverge,
                                    boolean postcopy) {
        /** Nothing set: QEMU's defaults (300 ms downtime limit, 128 MiB/s, no auto-converge). */
        public static final MigrationSettings QEMU_DEFAULTS = new MigrationSettings(null, null, false, false);

        /**
         * Ferry's: a 1 ms downtime limit (QEMU stops the guest only when what is left can be sent
         * in that time at the bandwidth it measured; 5 ms left 10–19 ms blackouts in some runs at
         * 16 MiB/s dirtying), bandwidth not capped (loopback or a dedicated migration network; the
         * host's share is the policy's to set), and auto-converge, which throttles a guest that
         * dirties memory faster than it can be sent, so that pre-copy ends. ./bench/migration
         * compares them with QEMU's defaults.
         */
        public static final MigrationSettings FERRY = new MigrationSettings(1L, 8L << 30, true, false);
    }

    /** A migration's end as QEMU reports it ({@code postcopyBytes}: what it sent after a switch to post-copy). */
    public record MigrationResult(String status, long totalTimeMs, Long downtimeMs, long transferredBytes, long dirtySyncCount,
                                  String error, long postcopyBytes) {
        public boolean completed() {
            return status.equals("completed");
        }
    }

    private final String id;
    private final Path dir;
    private final long pid;
    private final Qmp qmp;
    private final Thread serialReader;
    private volatile SocketChannel serial;
    private final java.util.concurrent.CountDownLatch serialConnected = new java.util.concurrent.CountDownLatch(1);

    private QemuVm(String id, Path dir, long pid, Qmp qmp) {
        this.id = id;
        this.dir = dir;
        this.pid = pid;
        this.qmp = qmp;
        // a platform thread: each line is stamped when it is read, and a virtual thread waits for a free
        // carrier when the machine is busy (a controller starting, QEMUs starting), which made old lines
        // arrive stamped after a relocated copy's first ones in a crash test
        this.serialReader = Thread.ofPlatform().daemon().name("serial-" + id).start(this::readSerial);
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
        if (!vm.serialConnected.await(20, java.util.concurrent.TimeUnit.SECONDS)) {
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

    public long pid() {
        return pid;
    }

    public Path dir() {
        return dir;
    }

    public boolean alive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** QEMU's run state: running, paused, inmigrate, postmigrate, ... */
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

    /** Switches a running post-copy-capable migration to post-copy. */
    public synchronized void startPostcopy() throws IOException {
        qmp.execute("migrate-start-postcopy");
    }

    /** Sets the downtime limit of the migration under way (QEMU takes it at its next iteration). */
    public synchronized void setDowntimeLimit(long ms) throws IOException {
        qmp.execute("migrate-set-parameters", Map.of("downtime-limit", ms));
    }

    /** QEMU's view of the outgoing migration (status "none" before one started). */
    public synchronized JsonNode migration() throws IOException {
        return qmp.execute("query-migrate");
    }

    public synchronized void cancelMigration() throws IOException {
        qmp.execute("migrate_cancel");
    }

    /** Polls the outgoing migration until it ends (completed, failed or cancelled) or the timeout passes. */
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
    public synchronized void resume() throws IOException {
        qmp.execute("cont");
    }

    /** Resets the guest in place (a reboot: the same QEMU, the guest boots again). */
    public synchronized void reset() throws IOException {
        qmp.execute("system_reset");
    }

    /** Stops QEMU (the guest is gone). */
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
        closeSerial();
    }

    /** Kills QEMU at once (fault injection). */
    public void kill() {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        closeSerial();
    }

    /** The lines the guest printed, with the host wall time (µs) each arrived at, as read so far. */
    public List<SerialLine> serialLines() {
        return SerialLine.read(dir.resolve("serial.log"));
    }

    /** One line of the guest's serial output. */
    public record SerialLine(long atMicros, String text) {
        public static List<SerialLine> read(Path file) {
            List<SerialLine> out = new ArrayList<>();
            if (!Files.exists(file)) {
                return out;
            }
            try {
                for (String l : Files.readAllLines(file)) {
                    int space = l.indexOf(' ');
                    if (space > 0) {
                        out.add(new SerialLine(Long.parseLong(l.substring(0, space)), l.substring(space + 1)));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out;
        }
    }

    private void readSerial() {
        Path sock = dir.resolve("serial.sock");
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!Files.exists(sock) && System.nanoTime() < deadline) {
                Thread.sleep(10); // QEMU creates the socket as it starts
            }
            SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock));
            serial = ch;
            serialConnected.countDown();
            try (java.io.InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(ch));
                 Writer w = Files.newBufferedWriter(dir.resolve("serial.log"), StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                copyLines(in, w);
            }
        } catch (IOException | InterruptedException e) {
            // QEMU went away, or we were closed
        }
    }

    private final Object noticeLock = new Object();
    private SocketChannel noticePort;

    /**
     * Writes one line to the guest's second serial port (COM2; printable ASCII, at most 200
     * characters): the heartbeat guest echoes it on its console. False when QEMU has no such port
     * (started by an older agent) or does not take it.
     */
    public boolean tell(String line) {
        String clean = line.replaceAll("[^\\x20-\\x7E]", "?");
        byte[] bytes = ((clean.length() > 200 ? clean.substring(0, 200) : clean) + "\n").getBytes(StandardCharsets.US_ASCII);
        synchronized (noticeLock) {
            for (int attempt = 0; attempt < 2; attempt++) {
                try {
                    if (noticePort == null) {
                        noticePort = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("notice.sock")));
                        noticePort.configureBlocking(false); // a guest that does not read must not hold the agent
                    }
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
                    long deadline = System.nanoTime() + 1_000_000_000L;
                    while (b.hasRemaining() && System.nanoTime() < deadline) {
                        if (noticePort.write(b) == 0) {
                            Thread.sleep(5); // QEMU takes it as the guest's port has room
                        }
                    }
                    return !b.hasRemaining();
                } catch (IOException e) {
                    closeQuietly(noticePort); // QEMU took a new connection (an agent restarted): connect again once
                    noticePort = null;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return false;
        }
    }

    /**
     * Writes each line the guest printed to {@code w}, prefixed with the wall time in microseconds it
     * arrived at. A guest stopped or sent away in the middle of a line leaves a piece at the end ("11"
     * of "1126"): it is written marked {@code ~} ({@code ~11}), so that it never reads as a beat of its
     * own; {@link GuestSerial} joins it with the rest of the line where the guest went on.
     */
    static void copyLines(java.io.InputStream in, Writer w) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c != '\n') {
                line.append((char) (c & 0x7F));
                continue;
            }
            write(w, line.toString());
            line.setLength(0);
        }
        if (!line.isEmpty()) {
            write(w, "~" + line);
        }
    }

    private static void write(Writer w, String line) throws IOException {
        java.time.Instant now = java.time.Instant.now();
        w.write((now.getEpochSecond() * 1_000_000 + now.getNano() / 1000) + " " + line + "\n");
        w.flush();
    }

    private void closeSerial() {
        closeQuietly(serial);
        synchronized (noticeLock) {
            closeQuietly(noticePort);
            noticePort = null;
        }
    }

    private static void closeQuietly(SocketChannel s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
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
        closeSerial();
        qmp.close();
    }
}
