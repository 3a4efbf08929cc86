package dev.ferry.sim;

/**
 * Tenants using their instances while a campaign runs ({@code ferry simulate --churn}): lifecycle
 * operations arrive at random (a Poisson process) at {@code perInstancePerDay} operations per
 * instance of the fleet per day, so a tenant with more instances acts more often. Each operation
 * picks an instance at random: a stopped one is started; a running one is rebooted (45%), stopped
 * (35%) or terminated (10%: half of these terminate an instance launched earlier instead, when
 * there is one); the rest (10%) launch a new instance of the same size; a terminated one picked
 * again lets go of one launched earlier (or launches one), so that launches and terminations
 * balance. Zero is no churn.
 */
public record ChurnModel(double perInstancePerDay) {
    public static final ChurnModel NONE = new ChurnModel(0);

    public ChurnModel {
        if (!(perInstancePerDay >= 0 && perInstancePerDay <= 1000)) {
            throw new IllegalArgumentException("churn must be between 0 and 1000 operations per instance per day");
        }
    }

    public boolean active() {
        return perInstancePerDay > 0;
    }
}
