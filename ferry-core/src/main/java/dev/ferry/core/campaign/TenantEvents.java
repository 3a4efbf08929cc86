package dev.ferry.core.campaign;

import dev.ferry.core.model.Fleet;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tenants' side of a campaign: one maintenance event per instance that will be disrupted,
 * when it may happen ({@code notBefore}: the planned time, or the tenant's window when that costs
 * little) and the latest a tenant may reschedule to; which live-migrating instances had the
 * informational notice. It decides times; the runtime sends the notices. Not thread-safe.
 */
final class TenantEvents {
    /** The longest Ferry waits past the planned time for a tenant's window. */
    static final long WINDOW_WAIT_MS = 4 * 3_600_000L;
    private static final long WEEK_MS = 7 * 86_400_000L;

    private final Fleet fleet;
    private final String campaignId;
    private final long noticeMs;
    private final Long disclosureMs;
    private final Long slackSeconds;
    private final TenantWindows windows;
    private final Map<Integer, MaintenanceEvent> events = new HashMap<>();
    private final Map<Integer, StepRun> owner = new HashMap<>();
    private final BitSet informed = new BitSet();
    private long noticeEndMs;

    TenantEvents(PlanningProblem problem, Plan plan, String campaignId) {
        this.fleet = problem.fleet();
        this.campaignId = campaignId;
        this.noticeMs = problem.policy().notice().toMillis();
        Long disclosure = problem.secondsToDeadline();
        this.disclosureMs = disclosure == null ? null : disclosure * 1000;
        this.slackSeconds = plan.summary().deadlineSlackSeconds();
        this.windows = new TenantWindows(fleet.tenants(), problem.start());
    }

    /** The campaign was approved at {@code now}: the notice period given then ends {@code notice} later. */
    void approved(long now) {
        noticeEndMs = now + noticeMs;
    }

    /** Events that have not started yet (scheduled or rescheduled), by instance. */
    List<MaintenanceEvent> notStarted() {
        List<MaintenanceEvent> out = new ArrayList<>();
        for (MaintenanceEvent e : events.values()) {
            if (e.state == EventState.SCHEDULED || e.state == EventState.RESCHEDULED) {
                out.add(e);
            }
        }
        out.sort(java.util.Comparator.comparingInt(e -> e.instance));
        return out;
    }

    MaintenanceEvent get(int instance) {
        return events.get(instance);
    }

    /** The step that holds the instance's planned disruption, or null. */
    StepRun owner(int instance) {
        return owner.get(instance);
    }

    /**
     * Records the informational notice of a live migration; false when it was given already. It says
     * the instance is relocated instead should the migration fail, so it starts the notice period
     * for such a fallback too.
     */
    boolean inform(int instance) {
        if (informed.get(instance)) {
            return false;
        }
        informed.set(instance);
        return true;
    }

    /**
     * The event of a planned disruption in step {@code r}; null when the instance has one already
     * (a bootstrapped instance: one event covers it).
     *
     * <p>The tenant is told the planned time (never before the notice period). A window of the
     * tenant's is used instead when waiting for it costs at most {@link #WINDOW_WAIT_MS} and an
     * eighth of the plan's slack. The event's deadline — the latest a tenant may reschedule to — is
     * half of the plan's slack past the planned time, and never later than the disclosure minus two
     * of the host's steps, so neither windows nor rescheduling tenants push the campaign past the
     * disclosure.
     */
    MaintenanceEvent schedule(int instance, MoveKind kind, StepRun r, long now) {
        if (events.containsKey(instance)) {
            return null;
        }
        long planned = Math.max(now + noticeMs, r.step.start() * 1000);
        long stepMs = (r.step.end() - r.step.start()) * 1000;
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
        MaintenanceEvent e = new MaintenanceEvent(eventId(instance), instance, kind, notBefore, deadline);
        events.put(instance, e);
        owner.put(instance, r);
        return e;
    }

    /**
     * The event of a relocation that replaces a failed live migration; null when the instance has an
     * event already. After the informational notice it may happen once the campaign's notice period
     * is over; otherwise it needs a notice period of its own.
     */
    MaintenanceEvent fallback(int instance, long now) {
        if (events.containsKey(instance)) {
            return null;
        }
        long notBefore = informed.get(instance) ? Math.max(now, noticeEndMs) : now + noticeMs;
        MaintenanceEvent e = new MaintenanceEvent(eventId(instance), instance, MoveKind.RELOCATE, notBefore,
                notBefore + WEEK_MS);
        events.put(instance, e);
        return e;
    }

    /** Moves the event later on the tenant's request; false when it is not allowed (state, past, deadline). */
    boolean reschedule(int instance, long notBefore, long now) {
        MaintenanceEvent e = events.get(instance);
        if (e == null || !(e.state == EventState.SCHEDULED || e.state == EventState.RESCHEDULED) || notBefore < now
                || notBefore > e.deadline) {
            return false;
        }
        e.state = EventState.TABLE.transition(e.state, EventState.RESCHEDULED);
        e.notBefore = Math.max(e.notBefore, notBefore);
        return true;
    }

    private String eventId(int instance) {
        return "ev-" + campaignId + "." + fleet.instance(instance).id(); // URL-safe: ids are path segments in the API
    }
}
