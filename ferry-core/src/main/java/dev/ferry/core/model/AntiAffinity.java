package dev.ferry.core.model;

/** The failure domain within which no two members of a group may share a place. */
public enum AntiAffinity implements WireName {
    NONE("none"),
    HOST("host"),
    RACK("rack"),
    ZONE("zone");

    private final String wireName;

    AntiAffinity(String wireName) {
        this.wireName = wireName;
    }

    @Override
    public String wireName() {
        return wireName;
    }
}
