package dev.ferry.core.campaign;

/** What happens to a campaign: answers from hypervisors, tenants' requests and wake-ups. */
public sealed interface Input {
    /** The move switched over: the instance runs on the destination only. */
    record MoveCompleted(long moveId, long downtimeMs) implements Input {
    }

    /** The move failed; the instance still runs on its source. */
    record MoveFailed(long moveId, String reason, boolean notConverging) implements Input {
    }

    record HostPatched(int host) implements Input {
    }

    /** The host booted again, running {@code version}. */
    record HostRebooted(int host, String version) implements Input {
    }

    /** Verification finished; the instances rebooted in place run again. */
    record HostVerified(int host, String version) implements Input {
    }

    /** An instance was started (after a reboot in place or a rescue). */
    record InstanceStarted(int instance, int host, long epoch) implements Input {
    }

    /** The tenant stopped and started the instance themselves, or asked for "now". */
    record TenantMoveNow(int instance) implements Input {
    }

    /** The tenant moved their event to a later time, within the deadline. */
    record TenantReschedule(int instance, long notBeforeMs) implements Input {
    }

    /** A time the runtime asked to be woken at has come. */
    record Wakeup(long atMs, WakeupReason reason) implements Input {
    }
}
