package dev.ferry.core.campaign;

import dev.ferry.core.history.HistoryRecord;

/**
 * The narrow ports the {@link CampaignRunner} applies effects through. Implementations are the
 * adapters: simulated hypervisors and an in-memory store in the simulator; host agents, a database
 * and webhooks in the controller. All are called from the one thread that owns the campaign loop.
 */
public final class Ports {
    private Ports() {
    }

    /** Hypervisors: cordon, move, patch, reboot, verify, start. Answers come back later as {@link Input}s. */
    public interface Driver {
        void apply(Effect effect);
    }

    /** Facts, append-only, and the idempotency keys of applied effects. */
    public interface Store {
        void append(HistoryRecord record);

        /** Records the key; false when it was recorded before (the effect must not be applied again). */
        boolean markApplied(String key);
    }

    /** Tenants: maintenance events and informational notices. */
    public interface Notifier {
        void notify(Effect.Notify notice);
    }

    /** The clock side: deliver a {@link Input.Wakeup} at the given time. */
    public interface Timer {
        void wakeAt(long atMs, WakeupReason reason);
    }
}
