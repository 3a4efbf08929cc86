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

    Outgoing(Map<String, Instance> instances) {
        this.instances = instances;
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
        i.vm.migrateTo(new Guest.Destination(m.backend(), m.host(), m.port(), m.libvirtUri(), m.guestDir(),
                m.epoch() == null ? 0 : m.epoch()), s);
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
                migrations.put(i.id, r);
                if (r.completed()) {
                    // QEMU has paused the source for good; it is stopped (POST .../stop) once the caller has
                    // confirmed that the destination runs the guest
                    i.role = "migrated";
                } else if (i.postcopyStarted) {
                    i.role = "postcopy-failed"; // the destination ran the guest: the source's copy must never run again
                } else {
                    try {
                        i.vm.resume(); // QEMU restarts a source it had stopped for the switch-over; this makes sure
                    } catch (IOException e) {
                        // it runs already
                    }
                    i.role = "running";
                }
                return r;
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, r -> Thread.ofPlatform().daemon().name("outgoing-" + i.id).start(r)); // it waits in native calls (libvirt's)
    }

    void migration(Context ctx) throws IOException {
        String id = ctx.pathParam("id");
        Instance i = instances.get(id);
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
