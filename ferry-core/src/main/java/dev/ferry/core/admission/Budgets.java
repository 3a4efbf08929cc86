package dev.ferry.core.admission;

import java.util.Map;

/**
 * The group budgets in use ({@link GroupBudgets}), read-only: what the campaign runtime's deciding
 * parts see, while only its facts change them.
 */
public interface Budgets {
    /** Why these extra disruptions (group → members) do not fit now, or null when they do. */
    Refusal check(Map<Integer, Integer> wanted);

    /** One more member of the group fits now. */
    boolean fitsOne(int group);

    /** Members of the group disrupted now. */
    int disrupted(int group);
}
