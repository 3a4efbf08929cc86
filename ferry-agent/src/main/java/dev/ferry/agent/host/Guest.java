package dev.ferry.agent.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One guest as the agent drives it, whatever runs it: a QEMU process of the agent's own
 * ({@link QemuVm}) or a libvirt domain ({@code LibvirtGuest}). The agent's rules (epochs, roles,
 * what may be reset or stopped) are the same for both; only these operations differ.
 */
public interface Guest extends AutoCloseable {
    /** How a live migration is run (the hypervisor's parameters; null leaves its default). */
    record MigrationSettings(Long downtimeLimitMs, Long maxBandwidthBytesPerSecond, boolean autoConverge, boolean postcopy) {
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

    /** A migration's end as the hypervisor reports it ({@code postcopyBytes}: what it sent after a switch to post-copy). */
    record MigrationResult(String status, long totalTimeMs, Long downtimeMs, long transferredBytes, long dirtySyncCount,
                           String error, long postcopyBytes) {
        public boolean completed() {
            return status.equals("completed");
        }
    }

    /** An outgoing migration as it goes: status none, active, postcopy-active, completed, failed or cancelled; passes over memory. */
    record Progress(String status, long iterations) {
        public boolean ended() {
            return List.of("completed", "failed", "cancelled").contains(status);
        }
    }

    /**
     * Where a live migration goes, as the destination's agent answered its incoming call:
     * {@code backend} (qemu or libvirt), {@code host} and {@code port} (the migration stream's
     * address), and for libvirt {@code libvirtUri} (the destination daemon, as the source's daemon
     * reaches it), {@code guestDir} (where the destination keeps the guest's files) and
     * {@code epoch} (the placement epoch it recorded).
     */
    record Destination(String backend, String host, int port, String libvirtUri, String guestDir, long epoch) {
    }

    /** One line of the guest's serial output, with the host wall time (µs) it arrived at. */
    record SerialLine(long atMicros, String text) {
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

    /** The operating-system process that runs the guest, or -1 when the backend does not say. */
    long pid();

    boolean alive();

    /** The guest's run state in QEMU's words: running, paused, inmigrate (still arriving), postmigrate (sent away), ... */
    String status() throws IOException;

    /** Source side: starts sending the guest to {@code to} with these settings (returns at once). */
    void migrateTo(Destination to, MigrationSettings s) throws IOException;

    Progress progress() throws IOException;

    /** Polls the outgoing migration until it ends (completed, failed or cancelled) or the timeout passes. */
    MigrationResult awaitMigration(Duration timeout) throws IOException, InterruptedException;

    /** Switches a running post-copy-capable migration to post-copy. */
    void startPostcopy() throws IOException;

    /** Sets the downtime limit of the migration under way. */
    void setDowntimeLimit(long ms) throws IOException;

    void cancelMigration() throws IOException;

    /** Runs a guest that is held (paused after a failed or cancelled migration: the source keeps running it). */
    void resume() throws IOException;

    /** Resets the guest in place (a reboot: the guest boots again where it is). */
    void reset() throws IOException;

    /** Stops the guest (it is gone). */
    void quit();

    /** Stops the guest at once (fault injection, a forced host reboot). */
    void kill();

    /** Writes one line to the guest's notice port; false when it has none or does not take it. */
    boolean tell(String line);

    /** Lets go of the guest without stopping it (the agent stops; the guest runs on). */
    @Override
    void close() throws IOException;
}
