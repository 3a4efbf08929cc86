package dev.ferry.sim;

import dev.ferry.core.campaign.ExpectedDuration;

/**
 * How simulated tenants answer a maintenance notice: a share acts early (their own stop/start, or
 * "do it now"), a share reschedules to later within the deadline (1 to 48 hours past the event's
 * time, uniformly), the rest wait for Ferry to do it at their window.
 */
public record TenantModel(double actEarly, double reschedule) {
    public static final TenantModel DEFAULT = new TenantModel(0.10, 0.10);
    public static final TenantModel PASSIVE = new TenantModel(0, 0);
    /** The least a rescheduling tenant moves its event past the event's time. */
    public static final long RESCHEDULE_MIN_MS = 3_600_000L;
    /** The most (the event's deadline may cap it). */
    public static final long RESCHEDULE_MAX_MS = 48 * 3_600_000L;

    public TenantModel {
        if (!(actEarly >= 0 && reschedule >= 0 && actEarly + reschedule <= 1)) {
            throw new IllegalArgumentException("tenant shares must be between 0 and 1 and add up to at most 1");
        }
    }

    /** The same tenants for the plan's expected duration ({@link ExpectedDuration}). */
    public ExpectedDuration.Tenants expected() {
        return new ExpectedDuration.Tenants(reschedule, RESCHEDULE_MIN_MS, RESCHEDULE_MAX_MS);
    }
}
