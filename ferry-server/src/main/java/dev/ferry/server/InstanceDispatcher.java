package dev.ferry.server;

import dev.ferry.agent.AgentClient;
import dev.ferry.store.OperationStore;
import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends tenants' lifecycle operations to the host agents after their commit (the
 * instance-operations outbox): a start at its placement epoch, a stop, a reset. Each is sent until
 * the agent has done it, in order per instance, backing off (1 s doubling to a minute) while the
 * agent cannot be reached; an agent's refusal that says it was done already (a start it has seen,
 * a stop of a guest it no longer runs) counts as done. A reset is at most once: it is marked done
 * before it is sent, so a crash never resets a guest twice. One thread; {@link #dispatchDue()} is
 * also callable directly (tests).
 */
public final class InstanceDispatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InstanceDispatcher.class);
    private static final int BATCH = 50;

    private final OperationStore store;
    private final InstantSource clock;
    private final Poller poller;
    /** The leader's term, sent with every operation; 0 on a standby (or a leader whose lease may have run out): nothing is sent. */
    private final java.util.function.LongSupplier term;

    private final dev.ferry.agent.tls.FleetTls tls;

    /** @param tls mutual TLS with the agents (null: plain HTTP) */
    public InstanceDispatcher(OperationStore store, InstantSource clock, Duration poll, java.util.function.LongSupplier term,
                              dev.ferry.agent.tls.FleetTls tls) {
        this.tls = tls;
        this.store = store;
        this.clock = clock;
        this.term = term;
        this.poller = new Poller("instance-dispatcher", poll, this::dispatchDue);
    }

    public void start() {
        poller.start();
    }

    /** Attempts every due operation once; returns how many were attempted. */
    public int dispatchDue() throws InterruptedException {
        long t = term.getAsLong();
        if (t == 0) {
            return 0;
        }
        List<OperationStore.Pending> due = store.due(clock.millis(), BATCH);
        for (OperationStore.Pending p : due) {
            if (p.operation().op() == OperationStore.Op.RESET) {
                store.done(p.id(), clock.millis()); // at most once
            }
            String error = send(p, dev.ferry.agent.driver.AgentCalls.client(p.operation().agent(), p.operation().host(), t, tls)
                    .withGuard(() -> term.getAsLong() == t)); // nothing more once this controller may no longer act
            long at = clock.millis();
            if (p.operation().op() == OperationStore.Op.RESET) {
                if (error != null) {
                    LOG.warn("reset of {} on {} not done: {}", p.operation().instance(), p.operation().host(), error);
                }
            } else if (error == null) {
                store.done(p.id(), at);
            } else {
                store.failed(p.id(), at + backoffMs(p.attempts() + 1), error);
            }
        }
        return due.size();
    }

    /** Null when done (or done before), else why not. */
    private String send(OperationStore.Pending p, AgentClient agent) throws InterruptedException {
        OperationStore.Operation o = p.operation();
        try {
            if (tls != null) {
                agent.get("/v1/host"); // over TLS its certificate must name the host first: nothing is sent to another
            }
            switch (o.op()) {
                case START -> agent.post("/v1/instances", Map.of("id", o.instance(), "epoch", p.epoch(), "memoryMiB",
                        Math.max(8, o.memoryMiB()), "dirtyMiBPerSecond", o.dirtyMiBPerSecond()));
                case STOP -> agent.post("/v1/instances/" + o.instance() + "/stop", Map.of());
                case RESET -> agent.post("/v1/instances/" + o.instance() + "/reset", Map.of());
            }
            return null;
        } catch (AgentClient.Refused r) {
            boolean doneBefore = o.op() == OperationStore.Op.START && r.status() == 409 || o.op() == OperationStore.Op.STOP
                    && r.status() == 404;
            return doneBefore ? null : "agent " + o.agent() + " refused (" + r.status() + "): " + r.getMessage();
        } catch (IOException e) {
            return "agent " + o.agent() + " unreachable: " + e.getMessage();
        }
    }

    /** The wait after the given number of failed attempts: 1 s, 2 s, 4 s, … capped at one minute. */
    static long backoffMs(int failures) {
        return Math.min(60_000L, 1000L << Math.min(failures - 1, 6));
    }

    @Override
    public void close() {
        poller.close();
    }
}
