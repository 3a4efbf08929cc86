package dev.ferry.server;

import dev.ferry.core.history.Fact;
import dev.ferry.core.history.RefusalReason;
import java.util.Locale;

/**
 * A request the controller will not do, and why: raised by the services where they decide, with
 * a kind that says what sort of "no" it is and a message that says what to do. The HTTP layer
 * alone turns kinds into status codes.
 */
public final class Refused extends RuntimeException {
    public enum Kind {
        /** The request is malformed or a value is out of range. */
        INVALID,
        /** A document (fleet, advisory, policy) has problems: each is named with line and field. */
        INVALID_DOCUMENT,
        /** No such object, or another tenant's (the same answer for both). */
        NOT_FOUND,
        /** The caller may not do this. */
        FORBIDDEN,
        /** Not in the current state (of the campaign, the instance, the inventory). */
        CONFLICT,
        /** The controller cannot answer now (its database, a campaign's loop); try again later. */
        UNAVAILABLE
    }

    private final Kind kind;
    private final Long retryAfterSeconds;
    private final String reason;

    public Refused(Kind kind, String message, Long retryAfterSeconds, String reason) {
        super(message);
        this.kind = kind;
        this.retryAfterSeconds = retryAfterSeconds;
        this.reason = reason;
    }

    public static Refused invalid(String message) {
        return new Refused(Kind.INVALID, message, null, null);
    }

    /** The same answer for an object that does not exist and for one of another tenant. */
    public static Refused notFound(String what) {
        return new Refused(Kind.NOT_FOUND, "no such " + what, null, null);
    }

    public static Refused conflict(String message) {
        return new Refused(Kind.CONFLICT, message, null, null);
    }

    /** Not now; the same request may succeed after {@code retryAfterSeconds}. */
    public static Refused conflict(String message, long retryAfterSeconds) {
        return new Refused(Kind.CONFLICT, message, retryAfterSeconds, null);
    }

    /**
     * A running campaign refused a tenant's request: a conflict with the campaign's reason as a
     * value ({@code move-in-flight}), and when to ask again (or null).
     */
    public static Refused byCampaign(String message, Long retryAfterSeconds, RefusalReason reason) {
        return new Refused(Kind.CONFLICT, message, retryAfterSeconds,
                reason == null ? null : reason.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }

    public static Refused forbidden(String message) {
        return new Refused(Kind.FORBIDDEN, message, null, null);
    }

    public static Refused unavailable(String message, Long retryAfterSeconds) {
        return new Refused(Kind.UNAVAILABLE, message, retryAfterSeconds, null);
    }

    public Kind kind() {
        return kind;
    }

    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** A machine-readable reason (a campaign's refusal of a tenant's request, say), or null. */
    public String reason() {
        return reason;
    }
}
