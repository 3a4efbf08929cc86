package dev.ferry.core.admission;

/**
 * Why a host's step cannot start (in a plan or in a running campaign), made where it is decided:
 * the kind tells "wait" from "blocked" from "never", the message says what to a person.
 */
public record Refusal(Kind kind, String message) {
    public enum Kind {
        /** No maintenance slot now: {@code maxHostsInMaintenance}, {@code maxHostsPerZone} or {@code zonesAtOnce}. */
        CAP,
        /** Moves or rescues are still on their way to this host. */
        ARRIVALS_PENDING,
        /** The host is down: its step fails once the host is fenced. */
        HOST_DOWN,
        /** A tenant's notice period is still running. */
        NOTICE,
        /** An instance has no acceptable destination now. */
        NO_ROOM,
        /** A group's {@code maxUnavailable} is taken by disruptions elsewhere now. */
        BUDGET_NOT_NOW,
        /** A group's {@code maxUnavailable} is smaller than its members on this host that must be disrupted. */
        BUDGET_NEVER;

        /** Time alone will lift it (a slot frees, a notice runs out, arrivals land, a down host is fenced and fails). */
        public boolean waits() {
            return this == CAP || this == ARRIVALS_PENDING || this == NOTICE || this == HOST_DOWN;
        }

        /** Nothing will ever lift it. */
        public boolean permanent() {
            return this == BUDGET_NEVER;
        }
    }

    public Refusal {
        java.util.Objects.requireNonNull(kind, "kind");
        java.util.Objects.requireNonNull(message, "message");
    }

    public static Refusal of(Kind kind, String message) {
        return new Refusal(kind, message);
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(java.util.Locale.ROOT) + ": " + message;
    }
}
