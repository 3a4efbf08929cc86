package dev.ferry.store;

import java.util.List;

/**
 * Tenants' lifecycle operations waiting for a host agent (the instance-operations outbox): written
 * by {@link InventoryStore} in the transaction that changes the instance, sent after the commit.
 * Thread-safe.
 */
public interface OperationStore {
    /** What to ask of the agent at {@code agent} (host:port) for one instance. */
    record Operation(String instance, String host, String agent, Op op, long memoryMiB, int dirtyMiBPerSecond) {
    }

    enum Op {
        /** Start (or launch) the guest, at a placement epoch above any it had. */
        START,
        /** Stop the guest (a stop or a terminate). */
        STOP,
        /** Reset the guest in place (a reboot); at most once. */
        RESET
    }

    /** A stored operation, with its id, epoch and how many times it was tried. */
    record Pending(long id, Operation operation, long epoch, int attempts) {
    }

    /**
     * Operations due at {@code now}, oldest first, at most one per instance: an instance's next
     * operation waits until its earlier ones are done.
     */
    List<Pending> due(long now, int batch);

    void done(long id, long at);

    /** Tried and failed: try again at {@code nextAt} (or never, for a reset: {@link #done} it instead). */
    void failed(long id, long nextAt, String error);

    /** Operations not done yet (tests, metrics). */
    long pending();
}
