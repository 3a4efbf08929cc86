package dev.ferry.core.admission;

import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Group;
import java.util.Arrays;
import java.util.Map;

/**
 * Group budgets as quotas that are taken and given back, for the planner and the campaign runtime:
 * members disrupted (not live-migrated) per group, never more than {@code maxUnavailable}. What a
 * step takes is kept in its {@link Hold}, so the step gives back exactly that. Checking and taking
 * happen on one thread, one after the other, with nothing in between. Not thread-safe.
 */
public final class GroupBudgets implements Budgets {
    private final Fleet fleet;
    private final int[] disrupted;

    /** What one step holds: pairs (group, members). */
    public static final class Hold {
        private int[] pairs = new int[0];

        private void add(int group, int members) {
            for (int p = 0; p < pairs.length; p += 2) {
                if (pairs[p] == group) {
                    pairs[p + 1] += members;
                    return;
                }
            }
            pairs = Arrays.copyOf(pairs, pairs.length + 2);
            pairs[pairs.length - 2] = group;
            pairs[pairs.length - 1] = members;
        }

        /** Removes one member of the group from the hold; false when it held none. */
        private boolean remove(int group) {
            for (int p = 0; p < pairs.length; p += 2) {
                if (pairs[p] == group && pairs[p + 1] > 0) {
                    pairs[p + 1]--;
                    return true;
                }
            }
            return false;
        }

        /** Members held of the group. */
        public int of(int group) {
            for (int p = 0; p < pairs.length; p += 2) {
                if (pairs[p] == group) {
                    return pairs[p + 1];
                }
            }
            return 0;
        }

        /** What the hold holds as text (group=members, in the order taken), for comparisons in tests. */
        public String describe() {
            StringBuilder sb = new StringBuilder();
            for (int p = 0; p < pairs.length; p += 2) {
                if (pairs[p + 1] > 0) {
                    sb.append(pairs[p]).append('=').append(pairs[p + 1]).append(' ');
                }
            }
            return sb.toString().trim();
        }
    }

    public GroupBudgets(Fleet fleet) {
        this.fleet = fleet;
        this.disrupted = new int[fleet.groups().size()];
    }

    /**
     * Why these extra disruptions (group → members) do not fit now, or null when they do: never,
     * when a group's own members here are more than it allows; not now, when others hold it.
     */
    @Override
    public Refusal check(Map<Integer, Integer> wanted) {
        for (Map.Entry<Integer, Integer> e : wanted.entrySet()) {
            Group group = fleet.groups().get(e.getKey());
            if (e.getValue() > group.maxUnavailable()) {
                return Refusal.of(Refusal.Kind.BUDGET_NEVER, "group " + group.id() + " (tenant " + group.tenant()
                        + ") allows maxUnavailable: " + group.maxUnavailable() + " but " + e.getValue()
                        + " of its members on this host must be disrupted");
            }
            if (disrupted[e.getKey()] + e.getValue() > group.maxUnavailable()) {
                return Refusal.of(Refusal.Kind.BUDGET_NOT_NOW, "group " + group.id() + " has " + disrupted[e.getKey()] + " of "
                        + group.maxUnavailable() + " members disrupted already");
            }
        }
        return null;
    }

    /** Takes what {@link #check} allowed, into the hold. */
    public void take(Hold hold, Map<Integer, Integer> wanted) {
        for (Map.Entry<Integer, Integer> e : wanted.entrySet()) {
            take(hold, e.getKey(), e.getValue());
        }
    }

    /** Takes {@code members} of the group into the hold (checked before). */
    public void take(Hold hold, int group, int members) {
        disrupted[group] += members;
        hold.add(group, members);
    }

    /** One more member of the group fits now. */
    @Override
    public boolean fitsOne(int group) {
        return disrupted[group] + 1 <= fleet.groups().get(group).maxUnavailable();
    }

    /** Gives back one member's budget from the hold. */
    public void releaseOne(Hold hold, int group) {
        if (hold.remove(group)) {
            disrupted[group]--;
        }
    }

    /**
     * Moves one member's budget out of the hold without giving it back (the member stays disrupted
     * after its step is over, e.g. until it is restarted elsewhere); give it back with {@link #release}.
     */
    public boolean detach(Hold hold, int group) {
        return hold.remove(group);
    }

    /** Gives back a budget that was detached from its hold. */
    public void release(int group) {
        disrupted[group]--;
    }

    /** Gives back everything the hold still holds. */
    public void releaseAll(Hold hold) {
        for (int p = 0; p < hold.pairs.length; p += 2) {
            disrupted[hold.pairs[p]] -= hold.pairs[p + 1];
            hold.pairs[p + 1] = 0;
        }
    }

    /** Members of the group disrupted now. */
    @Override
    public int disrupted(int group) {
        return disrupted[group];
    }
}
