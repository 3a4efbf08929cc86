package dev.ferry.core.planner;

/** Turns a problem into a plan. Implementations are pure: same problem, same plan. */
public interface PlanStrategy {
    String name();

    Plan plan(PlanningProblem problem);
}
