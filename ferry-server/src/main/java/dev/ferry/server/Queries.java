package dev.ferry.server;

import dev.ferry.store.HistoryStore;

/** Operators' queries over the stored history (facts), paginated by key. Thread-safe. */
public final class Queries {
    private final HistoryStore history;

    public Queries(HistoryStore history) {
        this.history = history;
    }

    /**
     * Facts by campaign, target (a host or an instance) or tenant (the facts about its instances),
     * in (campaign, seq) order; {@code after} is the cursor "campaign/seq" of the previous page.
     */
    public Page<HistoryStore.Stored> history(String campaign, String target, String tenant, String after, int limit) {
        String afterCampaign = "";
        long afterSeq = -1;
        if (after != null) {
            int slash = after.lastIndexOf('/');
            try {
                afterCampaign = after.substring(0, slash);
                afterSeq = Long.parseLong(after.substring(slash + 1));
            } catch (RuntimeException e) {
                throw Refused.invalid("cursor is not one this server gave out");
            }
        }
        return Page.of(history.page(campaign, target, tenant, afterCampaign, afterSeq, limit + 1), limit,
                f -> f.campaign() + "/" + f.seq());
    }
}
