package dev.ferry.server.engine;

/**
 * A version number that watchers wait on: {@link #bump()} after each change, {@link #await} until
 * one newer than what the watcher has seen (or a timeout), {@link #release()} when the server stops
 * so that every watcher returns at once, now and later. Thread-safe.
 */
public final class Signal {
    private long version;
    private boolean released;

    public synchronized void bump() {
        version++;
        notifyAll();
    }

    public synchronized void release() {
        released = true;
        notifyAll();
    }

    public synchronized boolean released() {
        return released;
    }

    /** Waits until the version is past {@code seen} (or released, or the timeout) and returns it; −1 returns at once. */
    public synchronized long await(long seen, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (version <= seen && !released) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                break;
            }
            wait(left);
        }
        return version;
    }
}
