package dev.ferry.core.lifecycle;

/**
 * One host's maintenance:
 * <pre>
 * waiting -> cordoned -> draining -> patching -> rebooting -> verifying -> returned
 *   |                     |  ^  |         |            |             +-----> failed
 *   +-> skipped           v  |  +---------+------------+-------------------> failed
 *                        parked
 * </pre>
 * A failed host stays cordoned. A parked host is cordoned and partly drained, waiting for the
 * notice of a fallback relocation; it gives its maintenance slot back meanwhile. A host that goes
 * down before it is done fails from any phase but rebooting (waiting, cordoned, draining, parked,
 * patching, verifying): a rebooting host is silent anyway, and its reboot time-out decides.
 */
public enum HostPhase {
    WAITING, CORDONED, DRAINING, PARKED, PATCHING, REBOOTING, VERIFYING, RETURNED, FAILED, SKIPPED;

    public static final Lifecycle<HostPhase> TABLE = Lifecycle.of(HostPhase.class)
            .allow(WAITING, CORDONED, SKIPPED, FAILED)
            .allow(CORDONED, DRAINING, FAILED)
            .allow(DRAINING, PATCHING, PARKED, FAILED)
            .allow(PARKED, DRAINING, FAILED)
            .allow(PATCHING, REBOOTING, FAILED)
            .allow(REBOOTING, VERIFYING, FAILED)
            .allow(VERIFYING, RETURNED, FAILED)
            .build();

    /** Holds a maintenance slot (counts against the caps). */
    public boolean inMaintenance() {
        return this == CORDONED || this == DRAINING || this == PATCHING || this == REBOOTING || this == VERIFYING;
    }
}
