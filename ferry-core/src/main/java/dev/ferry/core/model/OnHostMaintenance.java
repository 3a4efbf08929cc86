package dev.ferry.core.model;

/** What an instance wants done to it when its host goes into maintenance. */
public enum OnHostMaintenance implements WireName {
    /** Live-migrate while running; falls back to {@link #RESTART} when live migration is impossible. */
    MIGRATE("migrate"),
    /** Stop on the source, start on a destination (a relocation). */
    RESTART("restart"),
    /** Stay on the host and restart with it. */
    REBOOT_IN_PLACE("reboot-in-place");

    private final String wireName;

    OnHostMaintenance(String wireName) {
        this.wireName = wireName;
    }

    @Override
    public String wireName() {
        return wireName;
    }
}
