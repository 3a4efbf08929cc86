package dev.ferry.store;

/**
 * An audit line, written in the same transaction as the change it describes (or alone, for a
 * refused attempt). Never holds a token or a secret.
 */
public record Audit(long at, String actor, String requestId, String action, String target, String detail) {
    /** The same line with another detail (the store adds what only it knows, such as a version). */
    public Audit detail(String more) {
        return new Audit(at, actor, requestId, action, target, more);
    }
}
