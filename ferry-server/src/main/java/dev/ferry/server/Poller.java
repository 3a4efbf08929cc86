package dev.ferry.server;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A daemon thread that works an outbox table (webhook deliveries, instance operations): it runs
 * {@code work} again at once while there was work, and polls the table every {@code poll}
 * otherwise or after a failure (logged). {@link #close} stops it.
 */
public final class Poller implements AutoCloseable {
    /** One pass over what is due; how many items it attempted. */
    public interface Work {
        int due() throws InterruptedException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(Poller.class);

    private final Thread thread;
    private volatile boolean stopping;

    public Poller(String name, Duration poll, Work work) {
        this.thread = new Thread(() -> {
            while (!stopping) {
                try {
                    if (work.due() == 0) {
                        Thread.sleep(poll.toMillis()); // polling the outbox table, not waiting for a result
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.warn("{}: {}", name, e.toString());
                    try {
                        Thread.sleep(poll.toMillis());
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }, name);
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    @Override
    public void close() {
        stopping = true;
        thread.interrupt();
    }
}
