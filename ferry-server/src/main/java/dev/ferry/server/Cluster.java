package dev.ferry.server;

import dev.ferry.store.ClusterStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This controller's membership of the cluster: any number of controllers on one database, one of
 * them the leader. The leader holds a lease in the database whose term only grows; the lease's
 * time is the database's clock. Every {@code ttl / 5} the leader renews it and each standby tries
 * to take it (which succeeds once it has run out, with the term raised). A leader that cannot
 * reach the database keeps its term: its loops cannot commit, so they send nothing new, and once
 * the database is back it renews, or stands down when another took the lease meanwhile. The
 * leader alone runs the campaign loops and sends webhooks and agents' operations; its term goes
 * with every write of its loops (the store refuses it once the lease has moved on) and with every
 * command to an agent (the agent refuses a term below the highest it has seen). One thread.
 */
public final class Cluster implements AutoCloseable {
    /** Told when this node becomes the leader (with its term) and when it stops being it; on the cluster's thread. */
    public interface Duties {
        void lead(long term);

        void standBy(long term);
    }

    private static final Logger LOG = LoggerFactory.getLogger(Cluster.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ClusterStore store;
    private final String node;
    private final long ttlMs;
    /** Only this process can open the database (H2): the lease is taken at once, whoever held it last. */
    private final boolean exclusive;
    private final long startedMs;
    private volatile String address = "";
    private volatile long term;
    /** When this node last renewed (or took) the lease, by its own monotonic clock. */
    private volatile long renewedNanos;
    private volatile ClusterStore.Lease lastSeen;
    private final AtomicLong leaderships = new AtomicLong();
    private boolean tookSinceHeartbeat;
    private Duties duties;
    private Thread thread;
    private volatile boolean stopping;

    /**
     * @param started   when this controller started (shown to operators; the lease runs on the database's clock)
     * @param exclusive only this process can open the database (H2): the first claim takes the lease whoever held it
     */
    public Cluster(ClusterStore store, String node, Duration ttl, boolean exclusive, java.time.Instant started) {
        this.startedMs = started.toEpochMilli();
        this.store = store;
        this.node = node != null ? node : "ferry-" + HexFormat.of().formatHex(bytes());
        this.ttlMs = ttl.toMillis();
        this.exclusive = exclusive;
    }

    private static byte[] bytes() {
        byte[] b = new byte[4];
        RANDOM.nextBytes(b);
        return b;
    }

    public String node() {
        return node;
    }

    /** The term this node leads in, or 0 when it does not lead (as far as it knows). */
    public long term() {
        return term;
    }

    public boolean leading() {
        return term > 0;
    }

    /**
     * This node may command agents now: it leads, and by its own clock its lease cannot have run
     * out yet (less than a lease since the start of its last renewal; a standby takes it only once
     * it ran out by the database's clock, which started later). A leader that stalled past its
     * lease finds this false the moment it wakes, before it has read the lease again: whatever it
     * had under way sends nothing more (and the agents refuse its term once its successor has
     * spoken to them).
     */
    public boolean mayAct() {
        return term > 0 && System.nanoTime() - renewedNanos < ttlMs * 1_000_000L;
    }

    /** How many times this node took the lease. */
    public long leaderships() {
        return leaderships.get();
    }

    public Duration ttl() {
        return Duration.ofMillis(ttlMs);
    }

    /** The lease as this node last read it (null before its first claim). */
    public ClusterStore.Lease lastSeen() {
        return lastSeen;
    }

    /** Claims the lease once now (the first claim decides whether this node starts as the leader), then keeps at it in the background. */
    public synchronized void start(String serving, Duties onChange) {
        this.address = serving;
        this.duties = onChange;
        tick(exclusive);
        thread = new Thread(this::run, "cluster-lease");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        long everyMs = Math.max(50, ttlMs / 5);
        while (!stopping) {
            try {
                Thread.sleep(everyMs); // the lease's period: renewed (or tried) every fifth of its time to live
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (!stopping) {
                    try {
                        tick(false);
                    } catch (RuntimeException e) {
                        LOG.error("cluster: the lease's round failed; trying again", e); // the thread must go on
                    }
                }
            }
        }
    }

    /** One claim: renew or take the lease, or see who holds it; leadership changes tell the duties. */
    private void tick(boolean force) {
        ClusterStore.Lease l;
        long asked = System.nanoTime();
        try {
            l = store.claim(node, term, ttlMs, force);
        } catch (RuntimeException e) {
            // the database is away: this node keeps its term, and its loops wait (they cannot commit, so they
            // send nothing new); when it is back, the lease is renewed, or the node stands down if another took it
            LOG.warn("cluster: the lease could not be read: {}", e.toString());
            return;
        }
        lastSeen = l;
        if (l.holder() != null && l.holder().equals(node) && l.expiresMs() > l.nowMs()) {
            renewedNanos = asked; // the lease runs from the database's now, read after this: counting from here is safe
            if (term != l.term()) {
                if (term > 0) {
                    standDown();
                }
                term = l.term();
                leaderships.incrementAndGet();
                tookSinceHeartbeat = true;
                LOG.info("cluster: {} leads, term {}", node, term);
                try {
                    duties.lead(term);
                } catch (RuntimeException e) {
                    // it could not take up its duties (the database went away, say): it gives the lease up
                    LOG.error("cluster: {} could not take up the duties of term {}; giving the lease up", node, term, e);
                    long was = term;
                    standDown();
                    store.release(node, was);
                }
            }
        } else if (term > 0) {
            LOG.warn("cluster: {} lost the lease of term {} to {} (term {})", node, term, l.holder(), l.term());
            standDown();
        }
        try {
            store.heartbeat(node, address, startedMs, tookSinceHeartbeat);
            tookSinceHeartbeat = false;
        } catch (RuntimeException e) {
            LOG.warn("cluster: heartbeat not stored: {}", e.toString());
        }
    }

    private void standDown() {
        long was = term;
        term = 0;
        duties.standBy(was);
    }

    /**
     * What {@code GET /v1/cluster} shows: the lease (leader, term, since, expiry: database time),
     * the members with their last heartbeat and role ({@code silent} after three lease periods
     * without one), and this node.
     */
    public java.util.Map<String, Object> view() {
        ClusterStore.Lease l = store.lease();
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("node", node);
        out.put("leaseSeconds", ttlMs / 1000.0);
        if (l.holder() != null) {
            java.util.Map<String, Object> leader = new java.util.LinkedHashMap<>();
            leader.put("node", l.holder());
            leader.put("term", l.term());
            leader.put("since", java.time.Instant.ofEpochMilli(l.sinceMs()).toString());
            leader.put("leaseExpiresAt", java.time.Instant.ofEpochMilli(l.expiresMs()).toString());
            leader.put("leaseValid", l.expiresMs() >= l.nowMs());
            out.put("leader", leader);
        } else {
            out.put("leader", null);
        }
        out.put("term", l.term());
        java.util.List<java.util.Map<String, Object>> members = new java.util.ArrayList<>();
        for (ClusterStore.Member m : store.members()) {
            java.util.Map<String, Object> v = new java.util.LinkedHashMap<>();
            long age = Math.max(0, l.nowMs() - m.heartbeatMs());
            v.put("node", m.node());
            v.put("address", m.address());
            v.put("startedAt", java.time.Instant.ofEpochMilli(m.startedMs()).toString());
            v.put("lastHeartbeat", java.time.Instant.ofEpochMilli(m.heartbeatMs()).toString());
            v.put("heartbeatAgeMs", age);
            v.put("role", age > 3 * ttlMs ? "silent" : m.node().equals(l.holder()) && l.expiresMs() >= l.nowMs() ? "leader" : "standby");
            v.put("leaderships", m.leaderships());
            members.add(v);
        }
        out.put("members", members);
        return out;
    }

    /** Stops: the duties end, the lease is given up (a standby takes it at once) and the member leaves. */
    @Override
    public void close() {
        stopping = true;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            long was = term;
            if (was > 0 && duties != null) {
                standDown();
            }
            try {
                if (was > 0) {
                    store.release(node, was);
                }
                store.leave(node);
            } catch (RuntimeException e) {
                LOG.warn("cluster: could not give up the lease: {}", e.toString());
            }
        }
    }
}
