package dev.ferry.server.engine;

/**
 * Something from outside the campaign loop: an operator's or a tenant's request, or the health
 * watch's word that a host is down. Each one is logged
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

    /**
     * A tenant's instance outside the campaign's fleet is launched or started while the campaign
     * runs: the campaign chooses its host and holds the room.
     */
    record PlaceOutside(String instance, String tenant, int cpus, long memoryMiB, String group, String actor,
                        String requestId) implements Command {
    }

    /** Such an instance stopped or was terminated: its room is given back. */
    record ReleaseOutside(String instance, String host, int cpus, long memoryMiB, String actor, String requestId)
            implements Command {
    }

    /** A tenant's own lifecycle operation on an instance of the campaign's fleet, while it runs. */
    record TenantLifecycle(String instance, Op op, String actor, String requestId) implements Command {
        public enum Op {
            STOP, START, REBOOT, TERMINATE;

            public String wireName() {
                return name().toLowerCase(java.util.Locale.ROOT);
            }
        }
    }

    /** The campaign's advisory was amended: {@code document} is the new advisory/v1 document. */
    record AdvisoryAmended(String document, String actor, String requestId) implements Command {
    }

    /** A host's agent reports a hypervisor version the campaign did not install (fixed or rolled back outside it). */
    record HostVersion(String host, String version, String actor, String requestId) implements Command {
    }

    /** The host's agent has been silent past the down threshold (the server's health watch). */
    record HostDown(String host, String actor, String requestId) implements Command {
    }

    /**
     * What the loop said: accepted (with a value: the host chosen), or refused with the reason (for a
     * tenant's request the runtime refused, also as a value).
     */
    record Outcome(boolean accepted, String message, String value, dev.ferry.core.history.RefusalReason reason) {
        public Outcome(boolean accepted, String message) {
            this(accepted, message, null, null);
        }

        public Outcome(boolean accepted, String message, String value) {
            this(accepted, message, value, null);
        }
    }
}
