package dev.ferry.core.lifecycle;

/**
 * What a tenant sees for a non-live disruption:
 * {@code scheduled -> (rescheduled)* -> started -> completed}; {@code scheduled|rescheduled -> cancelled}.
 */
public enum EventState {
    SCHEDULED, RESCHEDULED, STARTED, COMPLETED, CANCELLED;

    public static final Lifecycle<EventState> TABLE = Lifecycle.of(EventState.class)
            .allow(SCHEDULED, RESCHEDULED, STARTED, CANCELLED)
            .allow(RESCHEDULED, RESCHEDULED, STARTED, CANCELLED)
            .allow(STARTED, COMPLETED)
            .build();
}
