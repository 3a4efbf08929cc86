package dev.ferry.core.campaign;

import dev.ferry.core.history.Fact;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.core.planner.MoveKind;

/**
 * What the campaign wants done, as data. {@link CampaignRunner} applies effects in the order they
 * are returned; every effect has an idempotency key, recorded before the effect is applied, so a
 * replay after a crash can tell what was done. Times are milliseconds from campaign start.
 */
public sealed interface Effect {
    /** Unique per effect instance of a campaign ({@code op/sequence}); a driver applies one key at most once. */
    String key();

    /** Stop placing anything on the host. */
    record Cordon(String key, int host) implements Effect {
    }

    /**
     * Move an instance. For a live migration the source keeps running until the destination is
     * confirmed; a relocation stops it, then starts it on the destination. The start carries the
     * instance's new placement epoch; a driver refuses stale epochs.
     */
    record StartMove(String key, long moveId, int instance, int from, int to, MoveKind kind, long epoch, boolean postCopy)
            implements Effect {
    }

    /** Install the fixed hypervisor version (the host runs only instances that reboot in place with it). */
    record PatchHost(String key, int host, String version) implements Effect {
    }

    record RebootHost(String key, int host) implements Effect {
    }

    /** Check the host came back on the fixed version and restart what rebooted in place with it. */
    record VerifyHost(String key, int host) implements Effect {
    }

    /** Start an instance on a host (restart after a reboot in place, a rescue from a failed host, or a tenant's start). */
    record StartInstance(String key, int instance, int host, long epoch) implements Effect {
    }

    /** Stop an instance on its host (a tenant's stop), and forget it there when {@code terminate}. */
    record StopInstance(String key, int instance, int host, boolean terminate) implements Effect {
    }

    /**
     * Make sure the down host runs nothing of the campaign's: its agent stops every guest if it
     * answers; if it does not, the newer placement epochs of the restarts elsewhere fence it. Answered
     * by {@link Input.HostFenced}.
     */
    record FenceHost(String key, int host) implements Effect {
    }

    /** Reset an instance in place (a tenant's reboot): the guest boots again on the same host. */
    record RebootInstance(String key, int instance, int host) implements Effect {
    }

    /**
     * Tell a tenant about a maintenance event: the event's change as the history has it, and the
     * tenant it belongs to.
     */
    record Notify(String key, String tenant, Fact.EventChanged change) implements Effect {
        public String instance() {
            return change.instance();
        }

        public String eventId() {
            return change.event();
        }

        public EventState state() {
            return change.state();
        }

        public long notBeforeMs() {
            return change.notBeforeMs();
        }

        public long deadlineMs() {
            return change.deadlineMs();
        }

        /** What the tenant reads. */
        public String detail() {
            return dev.ferry.core.history.EventCause.detail(change);
        }
    }

    /** Ask to be woken at this time (a notice ends, a soak ends, a reboot times out). */
    record Wakeup(String key, long atMs, WakeupReason reason) implements Effect {
    }
}
