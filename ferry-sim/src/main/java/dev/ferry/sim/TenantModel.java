package dev.ferry.sim;

/**
 * How simulated tenants answer a maintenance notice: a share acts early (their own stop/start, or
 * "do it now"), a share reschedules to later within the deadline, the rest wait for Ferry to do it
 * at their window.
 */
public record TenantModel(double actEarly, double reschedule) {
    public static final TenantModel DEFAULT = new TenantModel(0.10, 0.10);
    public static final TenantModel PASSIVE = new TenantModel(0, 0);

    public TenantModel {
        if (!(actEarly >= 0 && reschedule >= 0 && actEarly + reschedule <= 1)) {
            throw new IllegalArgumentException("tenant shares must be between 0 and 1 and add up to at most 1");
        }
    }
}
