package dev.ferry.agent.sim;

import dev.ferry.agent.host.Guest;
import dev.ferry.core.planner.MigrationModel;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A guest of the {@link SimulatedHypervisor}: its run state (QEMU's words: running, inmigrate,
 * postmigrate, paused), and a live migration out that takes the modelled time — pre-copy passes
 * over memory at the bandwidth asked for while the guest dirties it, ending when what is left fits
 * the downtime limit ({@link MigrationModel}); a pre-copy that cannot converge runs until it is
 * cancelled or switched to post-copy (one more pass). At the end the destination's agent is told
 * and the guest is "postmigrate" here. Thread-safe.
 */
final class SimulatedGuest implements Guest {
    /** The bandwidth of a migration that asks for none (QEMU's default, 128 MiB/s). */
    private static final double DEFAULT_BANDWIDTH_MIBPS = 128;

    private final SimulatedHypervisor hv;
    private final String id;
    private final long epoch;
    private final int memoryMiB;
    private final int dirtyMiBPerSecond;
    private volatile String state;
    private volatile CompletableFuture<MigrationResult> migration;
    private volatile long migrationStartedNanos;
    private volatile double passSeconds = 1;
    private volatile boolean cancel;
    private volatile boolean postcopy;
    private volatile double downtimeLimitMs;

    SimulatedGuest(SimulatedHypervisor hv, String id, long epoch, int memoryMiB, int dirtyMiBPerSecond, String state) {
        this.hv = hv;
        this.id = id;
        this.epoch = epoch;
        this.memoryMiB = Math.max(1, memoryMiB);
        this.dirtyMiBPerSecond = dirtyMiBPerSecond;
        this.state = state;
    }

    String id() {
        return id;
    }

    long epoch() {
        return epoch;
    }

    /** The guest switched over to this host: it runs here now (false unless it was waiting for that). */
    synchronized boolean arrived() {
        if (!state.equals("inmigrate")) {
            return false;
        }
        state = "running";
        return true;
    }

    @Override
    public long pid() {
        return -1;
    }

    @Override
    public boolean alive() {
        return !state.equals("gone");
    }

    @Override
    public String status() throws IOException {
        if (state.equals("gone")) {
            throw new IOException(id + " is gone");
        }
        return state;
    }

    @Override
    public synchronized void migrateTo(Destination to, MigrationSettings s) throws IOException {
        if (!SimulatedHypervisor.NAME.equals(to.backend())) {
            throw new IOException("a simulated guest migrates to a simulated host only, not to " + to.backend());
        }
        if (!state.equals("running") || migration != null && !migration.isDone()) {
            throw new IOException(id + " is " + state + (migration != null && !migration.isDone() ? ", migrating" : ""));
        }
        // the host's bandwidth is shared by the migrations out under way when this one starts (the simulator's model)
        double bandwidth = (s.maxBandwidthBytesPerSecond() == null ? DEFAULT_BANDWIDTH_MIBPS
                : Math.max(1, s.maxBandwidthBytesPerSecond() / (double) (1 << 20))) / hv.migrationsOut.incrementAndGet();
        downtimeLimitMs = s.downtimeLimitMs() == null ? 300 : s.downtimeLimitMs();
        cancel = false;
        postcopy = false;
        passSeconds = memoryMiB / bandwidth;
        migrationStartedNanos = System.nanoTime();
        CompletableFuture<MigrationResult> f = new CompletableFuture<>();
        migration = f;
        Thread.ofVirtual().name("simulated-migration-" + id).start(() -> {
            try {
                f.complete(run(to, bandwidth));
            } finally {
                hv.migrationsOut.decrementAndGet();
            }
        });
    }

    /** The migration, in real time: passes until it converges (or is cancelled, or switched to post-copy), then the switch-over. */
    private MigrationResult run(Destination to, double bandwidth) {
        long began = System.nanoTime();
        try {
            while (true) {
                MigrationModel.Estimate e = MigrationModel.estimate(memoryMiB, dirtyMiBPerSecond, bandwidth, downtimeLimitMs,
                        Double.MAX_VALUE);
                double elapsed = (System.nanoTime() - began) / 1e9;
                double left = postcopy ? passSeconds : e.converges() ? e.seconds() - elapsed : Double.MAX_VALUE;
                if (cancel) {
                    state = "running";
                    return result("cancelled", began, null);
                }
                if (left <= 0 || postcopy) {
                    Thread.sleep((long) (Math.max(0, postcopy ? passSeconds : 0) * 1000)); // the post-copy pass, in real time
                    long downtime = Math.max(1, Math.round(postcopy ? 1 : e.downtimeMs()));
                    if (!SimulatedHypervisor.send(to, id, to.epoch())) {
                        state = "running";
                        return result("failed", began, null);
                    }
                    state = "postmigrate";
                    return result("completed", began, downtime);
                }
                Thread.sleep((long) Math.ceil(Math.min(left, 0.05) * 1000)); // modelled time passing, a slice at a time
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            state = "running";
            return result("failed", began, null);
        }
    }

    private MigrationResult result(String status, long began, Long downtimeMs) {
        long ms = (System.nanoTime() - began) / 1_000_000;
        return new MigrationResult(status, ms, downtimeMs, (long) memoryMiB << 20, 1, status.equals("failed") ? "simulated" : null,
                postcopy ? (long) memoryMiB << 20 : 0);
    }

    @Override
    public Progress progress() {
        CompletableFuture<MigrationResult> f = migration;
        if (f == null) {
            return new Progress("none", 0);
        }
        if (f.isDone()) {
            return new Progress(f.join().status(), 1);
        }
        long passes = 1 + (long) ((System.nanoTime() - migrationStartedNanos) / 1e9 / Math.max(0.001, passSeconds));
        return new Progress(postcopy ? "postcopy-active" : "active", passes);
    }

    @Override
    public MigrationResult awaitMigration(Duration timeout) throws IOException, InterruptedException {
        CompletableFuture<MigrationResult> f = migration;
        if (f == null) {
            throw new IOException(id + " is not migrating");
        }
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return new MigrationResult("timeout:" + progress().status(), timeout.toMillis(), null, 0, 0, null, 0);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    @Override
    public void startPostcopy() throws IOException {
        CompletableFuture<MigrationResult> f = migration;
        if (f == null || f.isDone()) {
            throw new IOException(id + " is not migrating");
        }
        postcopy = true;
    }

    @Override
    public void setDowntimeLimit(long ms) {
        downtimeLimitMs = ms;
    }

    @Override
    public void cancelMigration() {
        cancel = true;
    }

    @Override
    public synchronized void resume() throws IOException {
        if (state.equals("gone")) {
            throw new IOException(id + " is gone");
        }
        state = "running";
    }

    @Override
    public void reset() throws IOException {
        if (!state.equals("running")) {
            throw new IOException(id + " is " + state + ", not running");
        }
    }

    @Override
    public void quit() {
        try {
            Thread.sleep(hv.stopTime().toMillis()); // the guest shuts down
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kill();
    }

    @Override
    public void kill() {
        cancel = true;
        state = "gone";
        hv.gone(this);
    }

    @Override
    public boolean tell(String line) {
        return false; // no notice port: the guest's metadata service still tells it
    }

    @Override
    public void close() {
        // the agent lets go; the guest stays in this process's hypervisor
    }
}
