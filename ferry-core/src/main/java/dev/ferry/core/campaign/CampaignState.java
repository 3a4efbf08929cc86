package dev.ferry.core.campaign;

/**
 * <pre>
 * proposed -> approved -> running <-> paused
 *                            |          |
 *                            +-> completed | halted | aborted (from running or paused)
 * proposed/approved -> aborted
 * </pre>
 */
public enum CampaignState {
    PROPOSED, APPROVED, RUNNING, PAUSED, COMPLETED, HALTED, ABORTED;

    public static final Lifecycle<CampaignState> TABLE = Lifecycle.of(CampaignState.class)
            .allow(PROPOSED, APPROVED, ABORTED)
            .allow(APPROVED, RUNNING, ABORTED)
            .allow(RUNNING, PAUSED, COMPLETED, HALTED, ABORTED)
            .allow(PAUSED, RUNNING, HALTED, ABORTED)
            .build();
}
