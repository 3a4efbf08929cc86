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

    /** An event's two ends. */
    record Window(long notBeforeMs, long deadlineMs) {
    }

    private final Fleet fleet;
    private final String campaignId;
    private final long noticeMs;
    private final Long disclosureMs;
    private final Long slackSeconds;
    private final TenantWindows windows;

    EventTimes(PlanningProblem problem, Plan plan, String campaignId) {
        this.fleet = problem.fleet();
        this.campaignId = campaignId;
        this.noticeMs = problem.policy().notice().toMillis();
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
     * disclosure.
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
        return new Window(notBefore, deadline);
    }

    /**
     * The event of a relocation that replaces a failed live migration. After the informational
     * notice it may happen once the campaign's notice period is over; otherwise it needs a notice
     * period of its own.
     */
    Window fallback(boolean informed, long noticeEndMs, long now) {
        long notBefore = informed ? Math.max(now, noticeEndMs) : now + noticeMs;
        return new Window(notBefore, notBefore + WEEK_MS);
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
}
