package dev.ferry.core.campaign;

/** What happens to a campaign: answers from hypervisors, tenants' requests and wake-ups. */
public sealed interface Input {
    /** The move switched over: the instance runs on the destination only. */
    record MoveCompleted(long moveId, long downtimeMs) implements Input {
    }

    /**
     * The move failed; the instance still runs on its source, at {@code runsAtEpoch} when a relocation
     * had stopped it and the driver started it there again with the move's epoch (−1: as before).
     */
    record MoveFailed(long moveId, String reason, boolean notConverging, long runsAtEpoch) implements Input {
        public MoveFailed(long moveId, String reason, boolean notConverging) {
            this(moveId, reason, notConverging, -1);
        }
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

    /** A hypervisor stopped an instance for its tenant (the answer to a {@link Effect.StopInstance}). */
    record InstanceStopped(int instance, int host) implements Input {
    }

    /** A hypervisor reset an instance in place for its tenant (the answer to a {@link Effect.RebootInstance}). */
    record InstanceReset(int instance, int host) implements Input {
    }

    /** The tenant stopped and started the instance themselves, or asked for "now". */
    record TenantMoveNow(int instance) implements Input {
    }

    /** The tenant moved their event to a later time, within the deadline. */
    record TenantReschedule(int instance, long notBeforeMs) implements Input {
    }

    /**
     * The tenant stops an instance of the campaign (or deletes it: {@code terminate}). It is moved no
     * more; its room is given back and its pending event cancelled. Refused while a move of it is
     * in flight.
     */
    record TenantStop(int instance, boolean terminate) implements Input {
    }

    /** The tenant starts a stopped instance: the campaign places it on a safe host. */
    record TenantStart(int instance) implements Input {
    }

    /** The tenant reboots an instance: it stays where it is, its event as it was. */
    record TenantReboot(int instance) implements Input {
    }

    /** The host is down: its agent has been silent past the threshold (the simulator: it died). */
    record HostDown(int host) implements Input {
    }

    /** The down host is fenced (the answer to a {@link Effect.FenceHost}): nothing of the campaign's runs there any more. */
    record HostFenced(int host, dev.ferry.core.history.Fact.Fence how) implements Input {
    }

    /** The amended advisory affects the host now: it joins the campaign, to be patched to {@code fixedVersion}. */
    record HostJoined(int host, String fixedVersion) implements Input {
    }

    /** The host needs no patching any more: its agent reports {@code version}, fixed outside the campaign (null: the amended advisory leaves it alone). */
    record HostLeft(int host, String version) implements Input {
    }

    /** A time the runtime asked to be woken at has come. */
    record Wakeup(long atMs, WakeupReason reason) implements Input {
    }
}
