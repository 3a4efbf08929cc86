package dev.ferry.core.campaign;

import dev.ferry.core.campaign.state.MaintenanceEvent;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.RefusalReason;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.core.planner.Step;

/**
 * When each disruption may happen: an event's {@code notBefore} (the planned time, or the
 * tenant's window when that costs little) and its deadline, the latest a tenant may reschedule to;
 * and whether a reschedule is allowed. It decides times; the runtime records the events. Immutable.
 */
final class EventTimes {
    /** The longest Ferry waits past the planned time for a tenant's window. */
    static final long WINDOW_WAIT_MS = 4 * 3_600_000L;
    static final long WEEK_MS = 7 * 86_400_000L;

    /** The shortest time an event may take to start after the latest its tenant may move it to. */
    static final long MIN_START_WINDOW_MS = 3_600_000L;
    /** How much later an event's latest start moves while its campaign is paused or halted. */
    static final long PAUSED_DELAY_MS = 86_400_000L;

    /**
     * An event's ends: it starts at {@code notBeforeMs} or later, its tenant may reschedule it up to
     * {@code deadlineMs}, and it starts by {@code notAfterMs}.
     */
    record Window(long notBeforeMs, long deadlineMs, long notAfterMs) {
    }

    private final Fleet fleet;
    private final String campaignId;
    private final long noticeMs;
    private final Long disclosureMs;
    private final Long slackSeconds;
    private final TenantWindows windows;
    private final boolean announceFallback;
    private final dev.ferry.core.model.Policy policy;

    EventTimes(PlanningProblem problem, Plan plan, String campaignId) {
        this.fleet = problem.fleet();
        this.campaignId = campaignId;
        this.noticeMs = problem.policy().notice().toMillis();
        this.announceFallback = problem.policy().announceFallback();
        this.policy = problem.policy();
        Long disclosure = problem.secondsToDeadline();
        this.disclosureMs = disclosure == null ? null : disclosure * 1000;
        this.slackSeconds = plan.summary().deadlineSlackSeconds();
        this.windows = new TenantWindows(fleet.tenants(), problem.start());
    }

    /**
     * The event of a planned disruption of {@code instance} in {@code step}, decided at {@code now}.
     * The tenant is told the planned time (never before the notice period). A window of the
     * tenant's is used instead when waiting for it costs at most {@link #WINDOW_WAIT_MS} and an
     * eighth of the plan's slack. The deadline — the latest a tenant may reschedule to — is half of
     * the plan's slack past the planned time, and never later than the disclosure minus two of the
     * host's steps, so neither windows nor rescheduling tenants push the campaign past the
     * disclosure. It starts by two of the host's steps (at least an hour) after the deadline.
     */
    Window planned(int instance, Step step, long now) {
        long planned = Math.max(now + noticeMs, step.start() * 1000);
        long stepMs = (step.end() - step.start()) * 1000;
        long deadline = disclosureMs != null
                ? Math.max(planned, Math.min(disclosureMs - 2 * stepMs,
                        planned + Math.max(0, slackSeconds == null ? 0 : slackSeconds * 500)))
                : planned + WEEK_MS;
        long notBefore = planned;
        long window = windows.firstStart(fleet.instance(instance).tenant(), planned, deadline);
        if (window > planned && window - planned <= WINDOW_WAIT_MS
                && (slackSeconds == null || (slackSeconds > 0 && window - planned <= slackSeconds * 125))) {
            notBefore = window;
        }
        return new Window(notBefore, deadline, deadline + startWindow(stepMs));
    }

    /**
     * The informational event of a live migration in {@code step}: planned at the step's time (it
     * needs no notice), with the deadline of a disruption of the same step; no latest start (0: it
     * is information, nothing keeps one, and a bootstrapped instance's event lasts until its last move).
     */
    Window live(int instance, Step step, long now) {
        return new Window(Math.max(now, step.start() * 1000), planned(instance, step, now).deadlineMs(), 0);
    }

    /**
     * The event of a relocation that replaces a failed live migration. When the live migration's
     * notice announced this fallback it may happen from the announced time; otherwise it needs a
     * notice period of its own.
     */
    Window fallback(Long announcedAfterMs, long now) {
        long notBefore = announcedAfterMs != null ? Math.max(now, announcedAfterMs) : now + noticeMs;
        long deadline = notBefore + WEEK_MS;
        return new Window(notBefore, deadline, deadline + MIN_START_WINDOW_MS);
    }

    /** What a live migration's notice announces as its fallback's earliest time, or null when it announces none. */
    Long fallbackAfter(long now) {
        return announceFallback ? now + noticeMs : null;
    }

    /** The expected blackout of the instance's live migration: its downtime limit (its migration policy's, or the policy's). */
    long expectedBlackoutMs(int instance) {
        return policy.liveMigrationFor(fleet.instance(instance)).maxDowntime().toMillis();
    }

    /** How long after its deadline an event of a step that takes {@code stepMs} may start. */
    static long startWindow(long stepMs) {
        return Math.max(MIN_START_WINDOW_MS, 2 * stepMs);
    }

    /** Why the tenant may not move the event to {@code notBefore} now, or null when it may. */
    static RefusalReason rescheduleRefusal(MaintenanceEvent e, long notBefore, long now) {
        if (e == null) {
            return RefusalReason.NO_EVENT;
        }
        if (!e.pending()) {
            return RefusalReason.EVENT_NOT_PENDING;
        }
        if (notBefore < now) {
            return RefusalReason.IN_THE_PAST;
        }
        if (notBefore > e.deadline()) {
            return RefusalReason.AFTER_DEADLINE;
        }
        return null;
    }

    /** The event's id: URL-safe, since ids are path segments in the API. */
    String eventId(int instance) {
        return "ev-" + campaignId + "." + fleet.instance(instance).id();
    }

    /** The id of the informational event of the instance's live migration in the step of {@code host} (one per step it moves in). */
    String liveEventId(int instance, String host) {
        return "ev-" + campaignId + "." + fleet.instance(instance).id() + ".live." + host;
    }
}
