package dev.ferry.core.model;

import java.time.Duration;

/** How long the parts of a host's maintenance take, as the operator estimates them. */
public record MaintenanceDurations(Duration patch, Duration reboot, Duration restart) {
    public static final MaintenanceDurations DEFAULTS =
            new MaintenanceDurations(Duration.ofMinutes(8), Duration.ofMinutes(5), Duration.ofMinutes(2));

    public MaintenanceDurations {
        if (patch.isNegative() || reboot.isNegative() || restart.isNegative()) {
            throw new IllegalArgumentException("durations must not be negative");
        }
    }
}
