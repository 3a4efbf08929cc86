package dev.ferry.core.campaign;

/**
 * One host's maintenance:
 * <pre>
 * waiting -> cordoned -> draining -> patching -> rebooting -> verifying -> returned
 *   |                       |           |            |             +-----> failed
 *   +-> skipped             +-----------+------------+-------------------> failed
 * </pre>
 * A failed host stays cordoned.
 */
public enum HostPhase {
    WAITING, CORDONED, DRAINING, PATCHING, REBOOTING, VERIFYING, RETURNED, FAILED, SKIPPED;

    public static final Lifecycle<HostPhase> TABLE = Lifecycle.of(HostPhase.class)
            .allow(WAITING, CORDONED, SKIPPED)
            .allow(CORDONED, DRAINING)
            .allow(DRAINING, PATCHING, FAILED)
            .allow(PATCHING, REBOOTING, FAILED)
            .allow(REBOOTING, VERIFYING, FAILED)
            .allow(VERIFYING, RETURNED, FAILED)
            .build();

    /** Holds a maintenance slot (counts against the caps). */
    public boolean inMaintenance() {
        return this == CORDONED || this == DRAINING || this == PATCHING || this == REBOOTING || this == VERIFYING;
    }
}
