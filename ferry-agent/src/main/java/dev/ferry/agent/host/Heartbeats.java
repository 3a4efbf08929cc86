package dev.ferry.agent.host;

import dev.ferry.agent.AgentClient;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/**
 * An agent's heartbeats: the host's view (null while it has none to give, say while it reboots) to
 * the controller every period, and at once when asked ({@link #now}, after a reboot). A report that
 * fails on the way is sent again once at once; a failure is printed once until the reports go through again.
 */
final class Heartbeats {
    private final String hostId;
    private final AgentClient controller;
    private final Duration every;
    private final Supplier<Map<String, Object>> view;
    private final Thread thread;
    private volatile boolean closed;
    /** Guards {@link #asked}; the loop waits on it between reports. */
    private final Object wake = new Object();
    private boolean asked;
    private volatile String lastError;
    private final boolean platform;

    /** @param platform the view may wait in native calls (libvirt's): reports on a platform thread, else on a virtual one */
    Heartbeats(String hostId, AgentClient controller, Duration every, Supplier<Map<String, Object>> view, boolean platform) {
        this.hostId = hostId;
        this.platform = platform;
        this.controller = controller;
        this.every = every;
        this.view = view;
        this.thread = start();
    }

    AgentClient controller() {
        return controller;
    }

    /**
     * Reports now, and every period from then: the loop is woken, never interrupted (an interrupted
     * report would cancel its request and could close the pooled connection the next one takes).
     */
    void now() {
        synchronized (wake) {
            asked = true;
            wake.notifyAll();
        }
    }

    void close() {
        closed = true;
        synchronized (wake) {
            wake.notifyAll();
        }
        thread.interrupt();
    }

    private Thread start() {
        return (platform ? Thread.ofPlatform().daemon() : Thread.ofVirtual()).name("report-" + hostId).start(this::loop);
    }

    /**
     * One report; sent once more at once when it failed on the way (not refused): a pooled connection
     * the controller closed just then fails a request with no answer ("header parser received no
     * bytes"), and a report, the host's whole state, does no harm twice.
     */
    private void report(Map<String, Object> v) throws IOException, InterruptedException {
        try {
            controller.post("/v1/agent/report", v);
        } catch (AgentClient.Refused r) {
            throw r;
        } catch (IOException e) {
            controller.post("/v1/agent/report", v);
        }
    }

    private void loop() {
        while (!closed) {
            try {
                Map<String, Object> v = view.get();
                if (v != null) {
                    report(v);
                    lastError = null;
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                // refused, or the hypervisor did not say what runs: no report this time (a silent host is suspect)
                if (!String.valueOf(e.getMessage()).equals(lastError)) {
                    System.err.println("ferry agent " + hostId + ": report refused or failed: " + e.getMessage());
                }
                lastError = String.valueOf(e.getMessage());
            } catch (InterruptedException e) {
                return;
            }
            try {
                awaitNext();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Waits for the heartbeat's period, or until {@link #now} asks for a report. */
    private void awaitNext() throws InterruptedException {
        long end = System.nanoTime() + every.toNanos();
        synchronized (wake) {
            while (!asked && !closed) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(wake, left);
            }
            asked = false;
        }
    }
}
