package dev.ferry.core.planner;

import java.util.List;

/**
 * A reviewable proposal: which host is in maintenance when, and where each instance goes.
 *
 * @param strategy    "ferry" or "naive"
 * @param feasible    false when the deadline cannot be met (the best plan is still here)
 * @param reasons     why it is infeasible, and hosts or groups that had to be skipped
 * @param lowerBound  the independently computed bound and what sets it
 */
public record Plan(
        String advisory,
        String strategy,
        boolean feasible,
        List<String> reasons,
        List<String> affectedHosts,
        List<Step> steps,
        List<SkippedHost> skippedHosts,
        PlanSummary summary,
        LowerBound lowerBound) {

    public Plan {
        reasons = List.copyOf(reasons);
        affectedHosts = List.copyOf(affectedHosts);
        steps = List.copyOf(steps);
        skippedHosts = List.copyOf(skippedHosts);
    }
}
