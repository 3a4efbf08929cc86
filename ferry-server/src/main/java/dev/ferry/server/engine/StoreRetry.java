package dev.ferry.server.engine;

import dev.ferry.store.StoreException;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * A campaign loop's commits while the database may be away: a round's commit is retried with
 * backoff (100 ms doubling to 5 s) and nothing moves meanwhile — no event is processed and no
 * command applied until what is pending is stored. Used by the loop's own thread; {@link #waiting}
 * is read by others.
 */
final class StoreRetry {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StoreRetry.class);

    private final String campaign;
    private volatile boolean waiting;
    private final CompletableFuture<String> firstFailure = new CompletableFuture<>();

    StoreRetry(String campaign) {
        this.campaign = campaign;
    }

    /** Runs {@code commit} until it succeeds; {@code waitingStarted} runs once when a wait begins. Stopping ends the retries. */
    void commit(Runnable commit, BooleanSupplier stopping, Runnable waitingStarted) throws InterruptedException {
        long backoffMs = 100;
        while (true) {
            try {
                commit.run();
                if (waiting) {
                    waiting = false;
                    LOG.warn("campaign {}: the database is back; the loop goes on", campaign);
                }
                return;
            } catch (StoreException e) {
                if (stopping.getAsBoolean()) {
                    throw e;
                }
                if (!waiting) {
                    waiting = true;
                    LOG.warn("campaign {}: the database is unavailable ({}); retrying, nothing moves meanwhile", campaign,
                            e.getMessage());
                    waitingStarted.run();
                }
                firstFailure.complete(e.getMessage());
                Thread.sleep(backoffMs); // a retry's backoff in the loop's own thread
                backoffMs = Math.min(5_000, backoffMs * 2);
            }
        }
    }

    /** The loop waits for the database now. */
    boolean waiting() {
        return waiting;
    }

    /** Completes when a commit first fails because the database is unavailable. */
    CompletableFuture<String> firstFailure() {
        return firstFailure;
    }
}
