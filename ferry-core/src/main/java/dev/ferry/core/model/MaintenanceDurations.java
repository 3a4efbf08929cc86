package dev.ferry.core.model;

import java.time.Duration;

/**
 * How long the parts of a host's maintenance take, as the operator estimates them ({@code patch},
 * {@code reboot}, a guest's {@code restart}: policy/v1's durations), and two the plan does not count
 * and policy/v1 does not hold, for the simulator: {@code verify}, a host's checks after its reboot
 * before it takes work again, and {@code migrationOverhead}, what a live migration takes beyond its
 * transfer (preparing the destination, confirming it, stopping the source). Those two are the
 * simulator's assumptions ({@link #DEFAULT_VERIFY}, none) unless a learned model measured them.
 */
public record MaintenanceDurations(Duration patch, Duration reboot, Duration restart, Duration verify, Duration migrationOverhead) {
    /** The simulator's verification time when nothing measured it (an assumption). */
    public static final Duration DEFAULT_VERIFY = Duration.ofSeconds(30);
    public static final MaintenanceDurations DEFAULTS =
            new MaintenanceDurations(Duration.ofMinutes(8), Duration.ofMinutes(5), Duration.ofMinutes(2));

    public MaintenanceDurations {
        for (Duration d : new Duration[] {patch, reboot, restart, verify, migrationOverhead}) {
            if (d.isNegative()) {
                throw new IllegalArgumentException("durations must not be negative");
            }
        }
    }

    /** The operator's estimates; verification and a migration's overhead as the simulator assumes them. */
    public MaintenanceDurations(Duration patch, Duration reboot, Duration restart) {
        this(patch, reboot, restart, DEFAULT_VERIFY, Duration.ZERO);
    }
}
