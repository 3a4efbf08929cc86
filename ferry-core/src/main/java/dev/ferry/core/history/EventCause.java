package dev.ferry.core.history;

import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.core.planner.MoveKind;

/** Why an event changed; {@link #detail} is what its tenant reads. */
public enum EventCause {
    PLANNED, FALLBACK, RESCHEDULED, STARTED_BY_FERRY, STARTED_BY_TENANT, MOVED, REBOOTED, RESCUED,
    CANCELLED_COMPLETED, CANCELLED_HALTED, CANCELLED_ABORTED, STOPPED_BY_TENANT, TERMINATED_BY_TENANT, HOST_LOST, HOST_FIXED,
    LIVE_MIGRATION_FAILED, DELAYED_PAUSED, DELAYED_BY_CANARIES, DELAYED_BY_CAPACITY;

    /** The sentence the tenant reads of this change (webhooks, API): with the fallback a live migration's notice announces. */
    public static String detail(Fact.EventChanged c) {
        String s = c.cause().detail(c.kind(), c.downtimeMs());
        if (c.kind() == MoveKind.LIVE_MIGRATE && c.state() == dev.ferry.core.lifecycle.EventState.SCHEDULED
                && c.fallbackAfterMs() != null) {
            s += "; if it cannot be live-migrated, it is restarted on another host after fallbackAfter";
        }
        return s;
    }

    /** The sentence the tenant reads (webhooks, API). */
    public String detail(MoveKind kind, long downtimeMs) {
        return switch (this) {
            case PLANNED -> kind == MoveKind.LIVE_MIGRATE
                    ? "scheduled live-migrate (informational: the instance keeps running, paused up to " + downtimeMs
                            + " ms as it switches over)"
                    : "scheduled " + kind.wireName();
            case FALLBACK -> "scheduled relocate (live migration failed)";
            case RESCHEDULED -> "rescheduled";
            case STARTED_BY_FERRY, STARTED_BY_TENANT -> "started " + kind.wireName();
            case MOVED -> "moved, down " + downtimeMs + " ms";
            case REBOOTED -> "rebooted in place";
            case RESCUED -> "restarted on another host after its host was lost";
            case CANCELLED_COMPLETED -> "cancelled: the campaign completed without it";
            case CANCELLED_HALTED -> "cancelled: the campaign halted without it";
            case CANCELLED_ABORTED -> "cancelled: the campaign aborted without it";
            case STOPPED_BY_TENANT -> "cancelled: the instance was stopped; it starts on a patched host";
            case TERMINATED_BY_TENANT -> "cancelled: the instance was terminated";
            case HOST_LOST -> "cancelled: its host went down; it is restarted on another host";
            case HOST_FIXED -> "cancelled: its host no longer needs the fix";
            case LIVE_MIGRATION_FAILED -> "cancelled: it could not be live-migrated; a relocation event follows";
            case DELAYED_PAUSED -> "delayed: the campaign is paused or halted; it starts by the new notAfter, if at all";
            case DELAYED_BY_CANARIES -> "delayed: the canary hosts are not done yet; it starts by the new notAfter";
            case DELAYED_BY_CAPACITY -> "delayed: it waits for a maintenance slot, room on a patched host or its group's budget;"
                    + " it starts by the new notAfter";
        };
    }

    /** Ferry moved the event's latest start later, telling its tenant why. */
    public boolean delay() {
        return this == DELAYED_PAUSED || this == DELAYED_BY_CANARIES || this == DELAYED_BY_CAPACITY;
    }

    /** The cancellation when the campaign ends in {@code state}. */
    public static EventCause cancelledBy(CampaignState state) {
        return switch (state) {
            case COMPLETED -> CANCELLED_COMPLETED;
            case HALTED -> CANCELLED_HALTED;
            case ABORTED -> CANCELLED_ABORTED;
            default -> throw new IllegalArgumentException("a campaign in state " + state + " has not ended");
        };
    }
}
