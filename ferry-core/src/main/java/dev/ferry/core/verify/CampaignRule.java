package dev.ferry.core.verify;

/**
 * The rules a campaign's history must keep (docs/safety-rules.md), as {@link InvariantChecker}
 * names them: each violation it reports starts with the rule's id and name, e.g.
 * {@code "C4 capacity: t=5000 ms: host h-7 over capacity ..."}.
 */
public enum CampaignRule implements SafetyRule {
    /** The history itself is well formed: time never goes backwards, it names only known hosts and instances. */
    WELL_FORMED("C0", "well-formed history"),
    /**
     * No instance is lost: at the end each runs on exactly one host, or was stopped by its tenant, or
     * (only when the campaign halted for it) waits for room after its host was lost.
     */
    NONE_LOST("C1", "no instance lost"),
    /** Never two running copies; no start with a stale epoch; no stop of what is not running. */
    ONE_COPY("C2", "one running copy"),
    /** Nothing is reserved on a cordoned, in-maintenance, failed or vulnerable host (vulnerable only when bootstrap). */
    RESERVATION("C3", "reservations"),
    /** A host's capacity is never exceeded, counting reservations and held room. */
    CAPACITY("C4", "capacity"),
    /** Group budgets (Ferry's disruptions), blast-radius caps and canaries hold (a failed canary halts, unless the policy says otherwise). */
    BLAST_RADIUS("C5", "budgets and caps"),
    /** No effect is applied twice. */
    ONCE("C6", "effects once"),
    /**
     * Ferry disrupts no instance before its notice: an event delivered to its tenant a notice period
     * before, or a delivered live-migration notice that announced this fallback for no later time.
     */
    NOTICE("C7", "notice"),
    /** The campaign ends completed, halted or aborted, with a reason. */
    ENDING("C8", "ending"),
    /**
     * Tenants' lifecycle during a campaign: a stop or reboot acts where the instance runs, a stopped
     * instance is moved no more until it is started, a start lands on a safe host.
     */
    LIFECYCLE("C9", "tenant lifecycle"),
    /**
     * Hosts that go down: nothing is reserved or started on a down host, a fence names a down host,
     * and an instance of a down host is restarted elsewhere only after the host is fenced (a start
     * elsewhere before that is two copies, C2).
     */
    HOST_DOWN("C10", "hosts down"),
    /** An event Ferry starts starts by its {@code notAfter}, unless Ferry told its tenant of a later one before. */
    LATE_START("C11", "events start in their window");

    private final String id;
    private final String title;

    CampaignRule(String id, String title) {
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
