package dev.ferry.store;

/**
 * A write fenced by the leader's term was refused: another controller holds the lease with a
 * higher term, so this one must stop acting (its work is the new leader's now). Not retried.
 */
public final class NotLeaderException extends RuntimeException {
    public NotLeaderException(long term, long current) {
        super("this controller's term " + term + " is over: the lease is at term " + current);
    }
}
