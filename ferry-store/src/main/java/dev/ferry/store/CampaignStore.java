package dev.ferry.store;

import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.formats.HistoryV1;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Campaigns: their rows, the fleet and plan each was proposed with, and what a running campaign's
 * loop stores — its facts, effect keys and outside inputs (append-only), the answers heard on
 * agents, and the views derived from them in the same transaction (tenants' events, the webhook
 * outbox, progress, and at the end the inventory). Thread-safe (each call is its own transaction).
 */
public interface CampaignStore {
    /** A campaign row; {@code expectedSeconds}: its plan's expected duration (null for one proposed before it was kept). */
    record Campaign(String id, String advisory, long inventoryVersion, String policy, String strategy, long seed, double accel,
                    CampaignState state, long createdAt, Long startedAt, long predictedSeconds, long lowerBoundSeconds,
                    Long slackSeconds, int steps, int affectedHosts, int hostsPatched, int hostsFailed, long virtualMs,
                    String endReason, String hypervisors, Long expectedSeconds) {
    }

    /** The fleet (fleet/v1 JSON) a campaign was planned on and the plan it was proposed with (plan/v1 JSON; null before plans were stored). */
    /** {@code advisory}: the advisory document the campaign was proposed with (null for campaigns stored before it was kept). */
    record Documents(String fleet, String plan, String advisory) {
        public Documents(String fleet, String plan) {
            this(fleet, plan, null);
        }
    }

    /**
     * An approval: done; or refused because {@code running} runs, or because the campaign is in
     * {@code state} — superseded just now, {@code supersededBecause} says why, when the inventory
     * changes since its proposal overtook its plan.
     */
    record Approval(boolean approved, String running, CampaignState state, String supersededBecause, boolean stale) {
        public Approval(boolean approved, String running, CampaignState state, String supersededBecause) {
            this(approved, running, state, supersededBecause, false);
        }
    }

    /**
     * An outside input of a running campaign, logged before it is applied, with the loop position it
     * was applied at. {@code reason}: an abort's reason, or a placement's fields as a JSON object.
     */
    record Input(long seq, long processed, long timeMs, String kind, String instance, Long argMs, String reason, String actor,
                 String requestId) {
    }

    /** An answer a campaign on agents heard (its body: the input and the facts it came with, as the engine writes them). */
    record Answer(long seq, long timeMs, String body) {
    }

    /** One stored fact: typed (history/v2), or the v1 line stored before typed facts. */
    record StoredFact(HistoryRecord fact, HistoryV1.Line v1) {
    }

    /** Everything stored for a running campaign, in order: what a restarted engine replays. */
    record Stored(List<StoredFact> facts, Set<String> keys, List<Input> inputs, List<Answer> answers) {
    }

    /**
     * A notice to a tenant, as the engine saw it (wall-clock ms but {@code virtualMs}); {@code newHost}:
     * the per-tenant opaque id of the host it runs on afterwards (a completed event). {@code kind}:
     * the event's ({@code live-migrate} is informational); {@code notAfterWallMs}: the latest it
     * starts (0: none, an informational event); {@code fallbackAfterWallMs}: what a live migration's notice announces (or null);
     * {@code blackoutMs}: a live migration's expected blackout when scheduled, measured when
     * completed (null otherwise).
     */
    record EventChange(String changeKey, String eventId, String tenant, String instance, EventState state, long notBeforeWallMs,
                       long deadlineWallMs, String detail, String newHost, long virtualMs, long atWallMs, String kind,
                       long notAfterWallMs, Long fallbackAfterWallMs, Long blackoutMs) {
        /** A live migration's event: the instance keeps running. */
        public boolean informational() {
            return MoveKind.LIVE_MIGRATE.wireName().equals(kind);
        }
    }

    record Progress(CampaignState state, String endReason, int hostsPatched, int hostsFailed, long virtualMs) {
    }

    /** What a finished campaign changed: instances on other hosts, hosts on the fixed version; it becomes the next inventory. */
    record Reconciliation(Map<String, String> moves, Map<String, String> versions, Audit audit) {
    }

    /** One round of a campaign's loop: stored together or not at all ({@code ending} with the final round). */
    record Round(long firstSeq, List<HistoryRecord> facts, List<String> keys, List<Answer> answers, List<EventChange> events,
                 Progress progress, Reconciliation ending) {
    }

    /** Stores a proposal; false (nothing written) when the inventory is no longer the version it was planned on. */
    boolean propose(Campaign campaign, Documents documents, Audit audit);

    /**
     * Approves a proposal, in one transaction under the campaign and inventory locks: it must still
     * be proposed and no other campaign may run; then {@code overtaken} judges the inventory changes
     * since the proposal (null: its plan still stands; else why not, and the proposal is superseded
     * with that reason and a {@code campaign.supersede} audit line instead). An approved campaign
     * runs on the inventory as it is now: {@code fleet}, the fleet document of inventory version
     * {@code fleetVersion}, replaces the proposal's; when the inventory is no longer at that
     * version, nothing is written and the answer is {@code stale} (ask again with the newer one).
     */
    Approval approve(String id, long now, Audit audit, Function<List<InventoryStore.Change>, String> overtaken, String fleet,
                     long fleetVersion);

    Optional<Campaign> get(String id);

    /** Every campaign, oldest first. */
    List<Campaign> list();

    Documents documents(String id);

    /** The campaign that ended last (completed, halted or aborted). */
    Optional<String> lastFinished();

    /** The campaigns that run or are paused (approved and not ended), oldest first. */
    List<String> activeIds();

    Stored load(String campaign);

    /** Logs an outside input before it is applied (write-ahead), with its audit line. */
    void logInput(String campaign, Input input, Audit audit);

    /**
     * Stores one round of the loop; a campaign that has ended is not changed by a later round.
     * Returns the inventory's version after the round's reconciliation, or -1 when it had none.
     */
    long commit(String campaign, Round round);

    /** Marks a campaign whose loop could not go on as halted, with the reason (best effort). */
    void halt(String campaign, String reason);

    /**
     * This store, with a loop's writes (inputs, rounds, halts) fenced by the leader's {@code term}:
     * each is refused with {@link NotLeaderException} once the lease has moved past it, and a
     * takeover waits for a write under way.
     */
    CampaignStore fenced(long term);
}
