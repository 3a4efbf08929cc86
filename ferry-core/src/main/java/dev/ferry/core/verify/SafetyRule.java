package dev.ferry.core.verify;

/** A rule a checker names in its violations ({@link PlanRule}, {@link CampaignRule}; docs/safety-rules.md). */
public interface SafetyRule {
    /** "P3", "C4". */
    String id();

    /** "capacity". */
    String title();

    /** "P3 capacity": how each violation of the rule starts. */
    default String label() {
        return id() + " " + title();
    }
}
