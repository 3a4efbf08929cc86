package dev.ferry.core.lifecycle;

import java.util.Locale;

/**
 * A campaign's life cycle, one table for the runtime and the controller:
 * <pre>
 * proposed -> approved -> running <-> paused
 *    |           |          |          |
 *    |           |          +-> completed | halted | aborted (from running or paused)
 *    |           +-> aborted
 *    +-> superseded (the inventory changed under its plan before approval) | aborted
 * </pre>
 * A proposal is only a plan: the controller supersedes it when the inventory overtakes it, and only a
 * proposed campaign can be approved.
 */
public enum CampaignState {
    PROPOSED, SUPERSEDED, APPROVED, RUNNING, PAUSED, COMPLETED, HALTED, ABORTED;

    public static final Lifecycle<CampaignState> TABLE = Lifecycle.of(CampaignState.class)
            .allow(PROPOSED, APPROVED, SUPERSEDED, ABORTED)
            .allow(APPROVED, RUNNING, ABORTED)
            .allow(RUNNING, PAUSED, COMPLETED, HALTED, ABORTED)
            .allow(PAUSED, RUNNING, HALTED, ABORTED)
            .build();

    /** The spelling in the API, the database and the history ({@code running}). */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The state spelled {@code text} ({@code running}), or null. */
    public static CampaignState parse(String text) {
        for (CampaignState s : values()) {
            if (s.wireName().equals(text)) {
                return s;
            }
        }
        return null;
    }

    /** Running or paused: its loop runs and it holds the fleet. */
    public boolean active() {
        return this == RUNNING || this == PAUSED;
    }
}
