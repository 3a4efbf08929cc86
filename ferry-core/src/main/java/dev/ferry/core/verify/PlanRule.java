package dev.ferry.core.verify;

/**
 * The rules every plan must satisfy at every instant (docs/safety-rules.md), as {@link PlanVerifier}
 * names them: each violation it reports starts with the rule's id and name, e.g.
 * {@code "P3 capacity: t=840: host h-7 over capacity ..."}.
 */
public enum PlanRule implements SafetyRule {
    /** Every affected host is planned or skipped, once; no other host is planned. */
    COVERAGE("P1", "coverage"),
    /** Every instance on a planned host is moved or rebooted in place exactly once, from where it is; none is moved twice onto safe hosts. */
    HANDLED_ONCE("P2", "handled once"),
    /** A host's cpus × allocation ratio and memory are never exceeded. */
    CAPACITY("P3", "capacity"),
    /** A group's anti-affinity (host, rack, zone) holds after every move. */
    ANTI_AFFINITY("P4", "anti-affinity"),
    /** At most maxUnavailable of a group's members are disrupted (not live-migrated) at once. */
    GROUP_BUDGET("P5", "group budget"),
    /** maxHostsInMaintenance, maxHostsPerZone and zonesAtOnce hold; no host is in maintenance twice at once. */
    CAPS("P6", "caps"),
    /** The canaries run first, one at a time, alone; nothing starts before their soak ends. */
    CANARIES("P7", "canaries"),
    /** A destination is another host of the same zone, not cordoned or in maintenance, and vulnerable exactly when the move says bootstrap. */
    DESTINATION("P8", "destination"),
    /** Live migration only between hosts that can do it, of the same cpu model. */
    LIVE_MIGRATION("P9", "live migration"),
    /** No non-live move before the notice period. */
    NOTICE("P10", "notice"),
    /** A step lasts at least patch (+ reboot) and ends after it starts; nothing moves for a patch that needs no reboot. */
    STEP("P11", "step"),
    /** The summary agrees with the steps, and the lower bound does not exceed the makespan. */
    SUMMARY("P12", "summary");

    private final String id;
    private final String title;

    PlanRule(String id, String title) {
        this.id = id;
        this.title = title;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String title() {
        return title;
    }
}
