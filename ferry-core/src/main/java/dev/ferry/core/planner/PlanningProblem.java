package dev.ferry.core.planner;

import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Policy;
import java.time.Instant;
import java.util.Objects;

/** Everything a plan is decided from: an immutable snapshot, the advisory, the policy and when the campaign starts. */
public record PlanningProblem(Fleet fleet, Advisory advisory, Policy policy, Instant start) {
    public PlanningProblem {
        Objects.requireNonNull(fleet, "fleet");
        Objects.requireNonNull(advisory, "advisory");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(start, "start");
    }

    /** Seconds from campaign start to disclosure, or null without a deadline. */
    public Long secondsToDeadline() {
        return advisory.disclosure() == null ? null : advisory.disclosure().getEpochSecond() - start.getEpochSecond();
    }
}
