package dev.ferry.core.campaign;

import dev.ferry.core.model.Fleet;
import java.util.Arrays;
import java.util.Map;

/**
 * Group budgets as quotas that are taken and given back: members disrupted (not live-migrated)
 * per group, never more than {@code maxUnavailable}. What a step takes is kept in its {@link Hold},
 * so the step gives back exactly that. The check and the taking happen in one call on the
 * runtime's single thread. Not thread-safe.
 */
final class GroupBudgets {
    private final Fleet fleet;
    private final int[] disrupted;

    /** What one step holds: pairs (group, members). */
    static final class Hold {
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
    }

    GroupBudgets(Fleet fleet) {
        this.fleet = fleet;
        this.disrupted = new int[fleet.groups().size()];
    }

    /** Whether these extra disruptions (group → members) fit every group's budget now. */
    boolean fits(Map<Integer, Integer> wanted) {
        for (Map.Entry<Integer, Integer> e : wanted.entrySet()) {
            if (disrupted[e.getKey()] + e.getValue() > fleet.groups().get(e.getKey()).maxUnavailable()) {
                return false;
            }
        }
        return true;
    }

    /** Takes what {@link #fits} allowed, into the hold. */
    void take(Hold hold, Map<Integer, Integer> wanted) {
        for (Map.Entry<Integer, Integer> e : wanted.entrySet()) {
            disrupted[e.getKey()] += e.getValue();
            hold.add(e.getKey(), e.getValue());
        }
    }

    /** Takes one member's budget if it fits; false (nothing taken) otherwise. */
    boolean takeOne(Hold hold, int group) {
        if (disrupted[group] + 1 > fleet.groups().get(group).maxUnavailable()) {
            return false;
        }
        disrupted[group]++;
        hold.add(group, 1);
        return true;
    }

    /** Gives back one member's budget from the hold. */
    void releaseOne(Hold hold, int group) {
        if (hold.remove(group)) {
            disrupted[group]--;
        }
    }

    /**
     * Moves one member's budget out of the hold without giving it back (the member stays disrupted
     * after its step is over, e.g. until it is restarted elsewhere); give it back with {@link #release}.
     */
    boolean detach(Hold hold, int group) {
        return hold.remove(group);
    }

    /** Gives back a budget that was detached from its hold. */
    void release(int group) {
        disrupted[group]--;
    }

    /** Gives back everything the hold still holds. */
    void releaseAll(Hold hold) {
        for (int p = 0; p < hold.pairs.length; p += 2) {
            disrupted[hold.pairs[p]] -= hold.pairs[p + 1];
            hold.pairs[p + 1] = 0;
        }
    }
}
