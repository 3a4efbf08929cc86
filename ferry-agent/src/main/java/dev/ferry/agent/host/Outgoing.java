package dev.ferry.agent.host;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's live migrations out: started, followed to their end (also one found under way when
 * the agent started again), escalated (post-copy, a higher downtime limit) and cancelled; the last
 * outcome of each instance is kept after it left this host.
 */
final class Outgoing {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The last outgoing migration of each instance, kept after the instance left this host. */
    private final Map<String, Guest.MigrationResult> migrations = new ConcurrentHashMap<>();
    private final Map<String, Instance> instances;
    private final java.nio.file.Path dirs;

    /** {@code dirs}: the instances' directories, where each migration's destination and outcome are kept. */
    Outgoing(Map<String, Instance> instances, java.nio.file.Path dirs) {
        this.instances = instances;
        this.dirs = dirs;
    }

    /**
     * What an agent that stopped mid-migration finds on disk for {@code id}: where the guest was being
     * sent and, if it was recorded, how that ended — so that its outcome outlives the agent.
     */
    record Kept(Guest.Destination to, Guest.MigrationResult outcome) {
    }

    Kept kept(String id) {
        try {
            java.nio.file.Path to = dirs.resolve(id).resolve("outgoing.json");
            java.nio.file.Path end = dirs.resolve(id).resolve("migration.json");
            return new Kept(java.nio.file.Files.exists(to) ? JSON.readValue(to.toFile(), Guest.Destination.class) : null,
                    java.nio.file.Files.exists(end) ? JSON.readValue(end.toFile(), Guest.MigrationResult.class) : null);
        } catch (IOException e) {
            return new Kept(null, null);
        }
    }

    /** Records how the migration of {@code id} ended, here and on disk. */
    void ended(String id, Guest.MigrationResult r) {
        migrations.put(id, r);
        try {
            JSON.writeValue(dirs.resolve(id).resolve("migration.json").toFile(), r);
        } catch (IOException e) {
            System.err.println("ferry agent: the outcome of " + id + "'s migration was not kept on disk: " + e.getMessage());
        }
    }

    private Instance instance(Context ctx) {
        return Instance.of(instances, ctx.pathParam("id"));
    }


    void migrate(Context ctx) throws IOException {
        Instance i = instance(ctx);
        AgentBodies.Migrate m = JSON.readValue(ctx.body(), AgentBodies.Migrate.class);
        if (i.outgoing != null && !i.outgoing.isDone()) {
            throw new AgentException(409, i.id + " is migrating already");
        }
        Guest.MigrationSettings s = new Guest.MigrationSettings(m.downtimeLimitMs(), m.maxBandwidthBytesPerSecond(),
                Boolean.TRUE.equals(m.autoConverge()), Boolean.TRUE.equals(m.postcopy()));
        if (m.host() == null || m.port() < 1 || m.port() > 65535) {
            throw new AgentException(400, "host and port (1 to 65535) of the destination are required");
        }
        Guest.Destination to = new Guest.Destination(m.backend(), m.host(), m.port(), m.libvirtUri(), m.guestDir(),
                m.epoch() == null ? 0 : m.epoch());
        java.nio.file.Files.deleteIfExists(dirs.resolve(i.id).resolve("migration.json"));
        JSON.writeValue(dirs.resolve(i.id).resolve("outgoing.json").toFile(), to); // kept before it starts
        i.vm.migrateTo(to, s);
        i.role = "migrating-out";
        i.postcopyCapable = s.postcopy();
        i.postcopyStarted = false;
        watch(i);
        ctx.status(202).json(Map.of("id", i.id, "status", "active"));
    }

    /** Follows an outgoing migration to its end and records it; a source whose migration failed runs on. */
    void watch(Instance i) {
        i.outgoing = CompletableFuture.supplyAsync(() -> {
            try {
                Guest.MigrationResult r = i.vm.awaitMigration(Duration.ofDays(1)); // the caller cancels; this records the end
                ended(i.id, r);
                if (r.completed()) {
                    // QEMU has paused the source for good; it is stopped (POST .../stop) once the caller has
                    // confirmed that the destination runs the guest
                    i.role = "migrated";
                } else if (i.postcopyStarted) {
                    i.role = "postcopy-failed"; // the destination ran the guest: the source's copy must never run again
                } else {
                    try {
                        i.vm.resume(); // QEMU restarts a source it had stopped for the switch-over; this makes sure
                        i.role = "running";
                    } catch (IOException e) {
                        i.role = "running"; // it runs already
                    } catch (AgentException e) {
                        i.role = "postcopy-failed"; // the hypervisor says it was paused for post-copy: never run here again
                    }
                }
                return r;
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, r -> Thread.ofPlatform().daemon().name("outgoing-" + i.id).start(r)); // it waits in native calls (libvirt's)
    }

    /** The longest a migration's reader may ask to wait for its end ({@code ?waitMs=}). */
    static final long MAX_WAIT_MS = 30_000;

    private static long waitMs(String q) {
        if (q == null) {
            return 0;
        }
        try {
            long ms = Long.parseLong(q);
            if (ms >= 0 && ms <= MAX_WAIT_MS) {
                return ms;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new AgentException(400, "waitMs is a number of milliseconds from 0 to " + MAX_WAIT_MS);
    }

    void migration(Context ctx) throws IOException {
        String id = ctx.pathParam("id");
        Instance i = instances.get(id);
        long waitMs = waitMs(ctx.queryParam("waitMs"));
        if (i != null && i.outgoing != null && !i.outgoing.isDone() && waitMs > 0) {
            try {
                i.outgoing.get(waitMs, java.util.concurrent.TimeUnit.MILLISECONDS); // a long poll: answered once it ends
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                // still under way (answered with its progress), or its outcome is told below
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (i != null && i.outgoing != null && !i.outgoing.isDone()) {
            Guest.Progress now = i.vm.progress();
            if (!now.ended()) {
                // how many passes over the guest's memory pre-copy has made: one that goes round and round does not converge
                ctx.json(Map.of("status", now.status(), "iterations", now.iterations()));
                return;
            }
            try {
                // QEMU has finished; the outcome (downtime, total time) is being recorded: answer with it
                i.outgoing.get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AgentException(502, "the migration's outcome could not be read: " + e);
            }
        } else if (i != null && i.outgoing == null) {
            ctx.json(Map.of("status", i.vm.progress().status()));
            return;
        }
        Guest.MigrationResult done = migrations.get(id);
        if (done == null && Meta.isInstanceId(id)) {
            done = kept(id).outcome(); // recorded before this agent restarted
        }
        if (done != null) {
            ctx.json(done);
        } else {
            throw new AgentException(404, "no migration of " + id + " from here");
        }
    }

    void cancel(Context ctx) throws IOException {
        instance(ctx).vm.cancelMigration();
        ctx.status(202);
    }

    /** A migration out that is still copying (pre-copy) and was started post-copy capable. */
    private Instance precopying(Context ctx) throws IOException {
        Instance i = instance(ctx);
        String status = i.outgoing == null || i.outgoing.isDone() ? "none" : i.vm.progress().status();
        if (!status.equals("active")) {
            throw new AgentException(409, i.id + " has no migration in pre-copy (status " + status + ")");
        }
        return i;
    }

    /** Switches a pre-copy that does not converge to post-copy (started with postcopy: true). */
    void postcopy(Context ctx) throws IOException {
        Instance i = precopying(ctx);
        if (!i.postcopyCapable) {
            throw new AgentException(409, i.id + "'s migration was not started post-copy capable");
        }
        i.postcopyStarted = true;
        i.vm.startPostcopy();
        ctx.status(202).json(Map.of("id", i.id, "status", "postcopy-active"));
    }

    /** Raises (or lowers) the downtime limit of a migration still in pre-copy. */
    void downtime(Context ctx) throws IOException {
        Instance i = precopying(ctx);
        long ms = JSON.readTree(ctx.body()).path("downtimeLimitMs").asLong(-1);
        if (ms < 1 || ms > 600_000) {
            throw new AgentException(400, "downtimeLimitMs must be 1 to 600000");
        }
        i.vm.setDowntimeLimit(ms);
        ctx.status(202).json(Map.of("id", i.id, "downtimeLimitMs", ms));
    }
}
