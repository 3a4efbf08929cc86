package dev.ferry.core.scheduler;

/**
 * A host filter's "no", made where the decision is made.
 *
 * @param permanent true when the host can never take this instance ("never fits"),
 *                  false when it may later ("not now")
 */
public record Veto(VetoReason reason, boolean permanent, String message) {
    public static Veto never(VetoReason reason, String message) {
        return new Veto(reason, true, message);
    }

    public static Veto notNow(VetoReason reason, String message) {
        return new Veto(reason, false, message);
    }
}
