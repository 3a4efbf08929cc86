package dev.ferry.server.engine;

import dev.ferry.store.AgentStore;
import java.util.List;
import java.util.Map;

/**
 * What a campaign loop tells the server and asks of it. What a finished campaign changed in the
 * inventory — instances that ended on another host, hosts that now run the fixed version — is stored
 * with the campaign's final round, so that the inventory and the campaign's end are stored together
 * or not at all; then the server hears of it ({@link #committed}).
 */
public interface EngineHooks {
    /** After the final commit, which left the inventory at {@code inventoryVersion} (-1: unchanged): the in-memory views follow. */
    void committed(String campaign, Map<String, String> moves, Map<String, String> versions, long inventoryVersion);

    /** The loop published a new snapshot (after a commit); watchers may look again. */
    default void published(String campaign) {
    }

    /** A round of the loop (its due timers and inputs, its commit and dispatch) took {@code nanos}. */
    default void round(String campaign, long nanos) {
    }

    /** The host agents' reports stored after {@code ms}: a restarted loop on agents learns from them what they run. */
    default List<AgentStore.Report> reportedSince(long ms) {
        return List.of();
    }
}
