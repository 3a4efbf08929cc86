package dev.ferry.agent.host;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** One instance this host runs (or is receiving). */
final class Instance {
    final String id;
    final long epoch;
    final int memoryMiB;
    final int dirtyMiBPerSecond;
    volatile Guest vm;
    volatile String role = "running"; // running | incoming | migrating-out | migrated | postcopy-failed
    volatile Guest.Destination arrival; // where an incoming guest is to be sent (the answer to its incoming call)
    volatile CompletableFuture<Guest.MigrationResult> outgoing;
    volatile boolean postcopyCapable; // started so that it may switch to post-copy
    volatile boolean postcopyStarted; // switched: the source's copy is stale from then on

    Instance(String id, long epoch, int memoryMiB, int dirtyMiBPerSecond, Guest vm) {
        this.id = id;
        this.epoch = epoch;
        this.memoryMiB = memoryMiB;
        this.dirtyMiBPerSecond = dirtyMiBPerSecond;
        this.vm = vm;
    }

    /** The instance {@code id} of {@code instances}; 404 when this host has none. */
    static Instance of(Map<String, Instance> instances, String id) {
        Instance i = instances.get(id);
        if (i == null) {
            throw new AgentException(404, "no instance " + id + " here");
        }
        return i;
    }
}
