package dev.ferry.core.planner;

/**
 * The plan/v1 summary block.
 *
 * @param disruptionsPerAffectedInstance moves (of any kind, bootstrap included) per instance initially on an affected host
 *                                       that the plan does not skip
 * @param deadlineSlackSeconds           seconds left before disclosure when the plan ends; null without a deadline
 */
public record PlanSummary(
        long makespanSeconds,
        long lowerBoundSeconds,
        int liveMigrations,
        int relocations,
        int rebootsInPlace,
        int bootstrapMoves,
        int maxConcurrentHosts,
        double disruptionsPerAffectedInstance,
        Long deadlineSlackSeconds) {
}
