package dev.ferry.server.engine;

/**
 * Something from outside the campaign loop: an operator's or a tenant's request. Each one is logged
 * (with the loop position it was applied at) before it is applied, so a restarted server replays it
 * at exactly the same point.
 */
public sealed interface Command {
    String actor();

    String requestId();

    record Pause(String actor, String requestId) implements Command {
    }

    record Resume(String actor, String requestId) implements Command {
    }

    record Abort(String reason, String actor, String requestId) implements Command {
    }

    /** The tenant asks for the disruptive part now. */
    record TenantNow(String instance, String actor, String requestId) implements Command {
    }

    /** The tenant moves the event to a later time (wall-clock milliseconds). */
    record TenantReschedule(String instance, long notBeforeWallMs, String actor, String requestId) implements Command {
    }

    /** What the loop said: accepted, or refused with the runtime's reason. */
    record Outcome(boolean accepted, String message) {
    }
}
