package dev.ferry.server;

import dev.ferry.store.AgentStore;
import dev.ferry.store.StoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Group commit of agents' reports: each report waits while the reports that arrived before it are
 * written, then every report that arrived meanwhile is written in one transaction. At a few reports
 * a second that is one transaction each, as before, with no delay added; at a thousand a second
 * (10,000 agents every 10 s) it is a few dozen transactions a second instead of a thousand. A
 * report is answered only once it is stored (or with the store's error).
 */
final class ReportBatches implements AutoCloseable {
    /** Reports written in one transaction at most. */
    static final int MAX_BATCH = 1_000;
    /** A report not stored by then is answered with an error (the agent reports again at its next heartbeat). */
    static final long STORE_TIMEOUT_SECONDS = 30;

    private record Item(AgentStore.Entry entry, CompletableFuture<Void> stored) {
    }

    private final AgentStore store;
    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean closed;

    ReportBatches(AgentStore store) {
        this.store = store;
        this.writer = Thread.ofVirtual().name("agent-reports").start(this::run);
    }

    /** Stores the report with the others that arrived together; returns once it is stored. */
    void store(AgentStore.Entry entry) {
        if (closed) {
            throw new StoreException("the server is stopping", null);
        }
        Item item = new Item(entry, new CompletableFuture<>());
        queue.add(item);
        try {
            item.stored().get(STORE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while the report was being stored", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new StoreException("the report was not stored within " + STORE_TIMEOUT_SECONDS + " s", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new StoreException(e.getCause().toString(), e.getCause());
        }
    }

    private void run() {
        while (!closed) {
            List<Item> batch = new ArrayList<>();
            try {
                Item first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            try {
                store.reportAll(batch.stream().map(Item::entry).toList());
                batch.forEach(i -> i.stored().complete(null));
            } catch (RuntimeException e) {
                batch.forEach(i -> i.stored().completeExceptionally(e));
            }
        }
        List<Item> left = new ArrayList<>();
        queue.drainTo(left);
        left.forEach(i -> i.stored().completeExceptionally(new StoreException("the server is stopping", null)));
    }

    @Override
    public void close() {
        closed = true;
        writer.interrupt();
    }
}
