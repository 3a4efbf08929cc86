package dev.ferry.core.scheduler;

/** Why a host cannot take an instance. */
public enum VetoReason {
    SOURCE_HOST("is the instance's own host"),
    OTHER_ZONE("is in another zone"),
    CORDONED("is cordoned"),
    IN_MAINTENANCE("is in maintenance"),
    VULNERABLE("is still vulnerable"),
    NO_LIVE_MIGRATION("cannot receive live migrations"),
    CPU_MODEL("has another cpuModel"),
    CAPACITY("has no room"),
    ANTI_AFFINITY("holds a member of the same anti-affinity group");

    private final String phrase;

    VetoReason(String phrase) {
        this.phrase = phrase;
    }

    /** Completes "host X ...". */
    public String phrase() {
        return phrase;
    }
}
