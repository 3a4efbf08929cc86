package dev.ferry.server;

import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/** A clock the test moves by hand. Thread-safe. */
final class MutableClock implements InstantSource {
    private final AtomicLong millis;

    MutableClock(Instant start) {
        this.millis = new AtomicLong(start.toEpochMilli());
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public long millis() {
        return millis.get();
    }

    void set(Instant t) {
        millis.set(t.toEpochMilli());
    }

    void advanceMillis(long ms) {
        millis.addAndGet(ms);
    }
}
