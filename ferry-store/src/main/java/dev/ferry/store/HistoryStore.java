package dev.ferry.store;

import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import java.util.List;

/**
 * Campaigns' stored facts, read typed (history/v2; rows stored before it are read as history/v1).
 * Thread-safe.
 */
public interface HistoryStore {
    /** A stored fact with its campaign and position. */
    record Stored(String campaign, long seq, HistoryRecord record) {
    }

    /**
     * Facts in (campaign, seq) order after ({@code afterCampaign}, {@code afterSeq}), of one campaign,
     * about one target, or about one tenant's instances (null: any); at most {@code limit}.
     */
    List<Stored> page(String campaign, String target, String tenant, String afterCampaign, long afterSeq, int limit);

    /** The campaign's facts of these types, in order. */
    List<HistoryRecord> facts(String campaign, List<Class<? extends Fact>> types);

    /** The campaign's last {@code n} facts of these types, newest first. */
    List<HistoryRecord> latest(String campaign, List<Class<? extends Fact>> types, int n);
}
