package dev.ferry.store;

import java.util.List;
import java.util.Optional;

/**
 * Several controllers on one database: the leader's lease (a term that only grows, timed by the
 * database's clock), the members' heartbeats, and the commands to a running campaign that any
 * member receives and the leader's loop takes up. Thread-safe (each call is its own transaction).
 */
public interface ClusterStore {
    /** The lease as the database has it; {@code nowMs}: the database's clock when it was read. */
    record Lease(String holder, long term, long sinceMs, long expiresMs, long nowMs) {
        public boolean heldBy(String node) {
            return node.equals(holder) && expiresMs >= nowMs;
        }
    }

    /** A member's last heartbeat (database time). */
    record Member(String node, String address, long startedMs, long heartbeatMs, long leaderships) {
    }

    /** A command received by a member for a running campaign, as the input row it becomes ({@code seq} 0). */
    record QueuedCommand(long id, String campaign, CampaignStore.Input input) {
    }

    record Outcome(boolean ok, String text) {
    }

    /**
     * Renews the lease when {@code node} holds it at {@code term}; takes it (term + 1) when it has
     * expired by the database's clock, was never held, {@code node} holds it at another term (a
     * process of that name that started again), or {@code force} (a database only this process
     * can open); else leaves it. Returns the lease after the call.
     */
    Lease claim(String node, long term, long ttlMs, boolean force);

    /** Gives the lease up (it expires now) when {@code node} holds it at {@code term}: a standby takes over at once. */
    void release(String node, long term);

    Lease lease();

    /** Records the member's heartbeat (database time); {@code tookLease}: it took the lease since its last one. */
    void heartbeat(String node, String address, long startedMs, boolean tookLease);

    /** Members heard from, newest heartbeat first. */
    List<Member> members();

    /** A member leaves (a clean stop). */
    void leave(String node);

    /** Queues a command for the leader's loop; returns its id. */
    long enqueue(String campaign, CampaignStore.Input command, long atMs);

    /** Commands not answered and not yet taken by {@code term}, oldest first; they are marked taken by it. */
    List<QueuedCommand> take(long term, int max);

    /**
     * The outcome of a command taken at {@code term}: stored only while the lease is still at that
     * term and no later leader took the command (a deposed leader's answer is dropped; the new one
     * answers it). False when dropped.
     */
    boolean answer(long id, long term, boolean ok, String outcome, long atMs);

    /** Withdraws a command no leader has taken yet (the one who sent it stopped waiting); false when one took it already. */
    boolean withdraw(long id, long atMs);

    /** The command's outcome once the leader answered it. */
    Optional<Outcome> outcome(long id);

    /**
     * An input of this kind, for this instance (null: none) and request id, is logged for the
     * campaign: a command a former leader applied before it died, or the same request again.
     */
    boolean applied(String campaign, String requestId, String kind, String instance);
}
