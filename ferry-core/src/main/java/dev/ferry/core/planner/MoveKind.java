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

    /** Everything but a live migration interrupts the guest: it needs notice and counts against group budgets. */
    public boolean disruptive() {
        return this != LIVE_MIGRATE;
    }
}
