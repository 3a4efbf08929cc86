package dev.ferry.core.model;

/** Whether a host accepts new work. A cordoned host keeps what it runs but receives nothing. */
public enum HostState implements WireName {
    ACTIVE("active"),
    CORDONED("cordoned");

    private final String wireName;

    HostState(String wireName) {
        this.wireName = wireName;
    }

    @Override
    public String wireName() {
        return wireName;
    }
}
