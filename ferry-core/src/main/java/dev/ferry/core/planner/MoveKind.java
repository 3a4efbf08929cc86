package dev.ferry.core.planner;

import dev.ferry.core.model.WireName;

/** How an instance leaves (or stays on) a host in maintenance. */
public enum MoveKind implements WireName {
    LIVE_MIGRATE("live-migrate"),
    RELOCATE("relocate"),
    REBOOT_IN_PLACE("reboot-in-place");

    private final String wireName;

    MoveKind(String wireName) {
        this.wireName = wireName;
    }

    @Override
    public String wireName() {
        return wireName;
    }

    /** The kind an instance asks for ({@code onHostMaintenance}), before any fallback. */
    public static MoveKind of(dev.ferry.core.model.OnHostMaintenance wanted) {
        return switch (wanted) {
            case MIGRATE -> LIVE_MIGRATE;
            case RESTART -> RELOCATE;
            case REBOOT_IN_PLACE -> REBOOT_IN_PLACE;
        };
    }

    /** Everything but a live migration interrupts the guest: it needs notice and counts against group budgets. */
    public boolean disruptive() {
        return this != LIVE_MIGRATE;
    }
}
