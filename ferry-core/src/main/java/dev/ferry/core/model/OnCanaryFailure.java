package dev.ferry.core.model;

/** What a campaign does when one of its canary hosts fails (does not come back, comes back unpatched, goes down). */
public enum OnCanaryFailure implements WireName {
    /** The campaign halts with the canary's failure as its reason: the rollout does not go on. */
    HALT("halt"),
    /** The failure counts like any other (towards {@code haltAfterFailures}) and the rollout goes on. */
    CONTINUE("continue");

    private final String wireName;

    OnCanaryFailure(String wireName) {
        this.wireName = wireName;
    }

    @Override
    public String wireName() {
        return wireName;
    }
}
