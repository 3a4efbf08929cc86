package dev.ferry.core.campaign;

import dev.ferry.core.model.MaintenanceDurations;
import dev.ferry.core.planner.Move;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.core.planner.Step;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How long a plan's campaign is expected to take when its tenants behave as expected: the plan's
 * own prediction, with the delay that rescheduling tenants add. Deterministic (no sampling) and pure.
 *
 * <p>The model. Each tenant told of a disruption (a relocation or a reboot in place) reschedules it
 * with probability {@code reschedule}, to a time drawn uniformly from {@code minDelay} to
 * {@code maxDelay} after its event's planned time, and never past the event's deadline — the
 * deadline the runtime itself gives the event ({@link EventTimes#planned}). Its host, parked
 * meanwhile, ends that long after: the instance's restart (for a relocation), then the host's patch
 * and reboot, then restarting what was rebooted in place. A tenant who acts early only moves work
 * earlier and adds nothing. Tenants decide independently, and a parked host takes its slot back
 * before any new step, so the campaign ends at the latest of the plan's end and its hosts' ends:
 * {@code P(end <= t)} is the product over the disruptions of {@code 1 - r + r * P(its host ends by
 * t)}, and the expected end is the plan's end plus the integral of {@code 1 - P(end <= t)} beyond it.
 * Durations are taken as the policy says (no noise), and faults are left out.
 */
public final class ExpectedDuration {
    /** Points the tail past the plan's end is integrated on. */
    private static final int GRID = 4096;

    private ExpectedDuration() {
    }

    /**
     * A tenant's answer to a notice of a disruption.
     *
     * @param reschedule the share of tenants who reschedule
     * @param minDelayMs the least a rescheduling tenant moves the event past its planned time
     * @param maxDelayMs the most (the event's deadline caps it)
     */
    public record Tenants(double reschedule, long minDelayMs, long maxDelayMs) {
        public Tenants {
            if (!(reschedule >= 0 && reschedule <= 1) || minDelayMs < 0 || maxDelayMs < minDelayMs) {
                throw new IllegalArgumentException("a reschedule share is 0 to 1, and its delays 0 <= min <= max");
            }
        }
    }

    /** One disruption whose rescheduling could end the campaign after the plan's end: its host ends {@code add} after the time it is moved to. */
    private record Item(long lowMs, long highMs, long capMs, long addMs) {
        /** The latest its host could end. */
        long latest() {
            return Math.min(highMs, capMs) + addMs;
        }

        /** The chance its host has ended by {@code t} when its tenant reschedules. */
        double endedBy(long t) {
            long moved = t - addMs;
            if (capMs <= lowMs) {
                return moved >= capMs ? 1 : 0;
            }
            if (moved >= capMs || moved >= highMs) {
                return 1;
            }
            if (moved < lowMs) {
                return 0;
            }
            return highMs == lowMs ? 1 : (double) (moved - lowMs) / (highMs - lowMs);
        }
    }

    /** The expected campaign duration in seconds from its start (the plan's makespan when no tenant reschedules). */
    public static long makespanSeconds(PlanningProblem problem, Plan plan, Tenants tenants) {
        long planEndMs = plan.summary().makespanSeconds() * 1000;
        if (tenants.reschedule() == 0 || plan.steps().isEmpty()) {
            return plan.summary().makespanSeconds();
        }
        List<Item> items = items(problem, plan, tenants, planEndMs);
        if (items.isEmpty()) {
            return plan.summary().makespanSeconds();
        }
        long latest = planEndMs;
        for (Item it : items) {
            latest = Math.max(latest, it.latest());
        }
        double r = tenants.reschedule();
        double stepMs = (double) (latest - planEndMs) / GRID;
        double tail = 0;
        double before = 1 - endedBy(items, r, planEndMs);
        for (int k = 1; k <= GRID; k++) {
            double after = 1 - endedBy(items, r, planEndMs + Math.round(k * stepMs));
            tail += (before + after) / 2 * stepMs;
            before = after;
        }
        return (long) Math.ceil((planEndMs + tail) / 1000.0);
    }

    /** The chance that every host has ended by {@code t}. */
    private static double endedBy(List<Item> items, double r, long t) {
        double p = 1;
        for (Item it : items) {
            p *= 1 - r + r * it.endedBy(t);
            if (p == 0) {
                break;
            }
        }
        return p;
    }

    /** The disruptions, each with its event's window as the runtime would announce it at approval, that could end after the plan. */
    private static List<Item> items(PlanningProblem problem, Plan plan, Tenants tenants, long planEndMs) {
        EventTimes times = new EventTimes(problem, plan, "expected");
        MaintenanceDurations d = problem.policy().durations();
        long restartMs = d.restart().toMillis();
        List<Item> items = new ArrayList<>();
        Set<Integer> announced = new HashSet<>();
        for (Step step : plan.steps()) {
            boolean inPlace = step.moves().stream().anyMatch(m -> m.kind() == MoveKind.REBOOT_IN_PLACE);
            long afterDrainMs = d.patch().toMillis() + (problem.advisory().requiresReboot() ? d.reboot().toMillis() : 0)
                    + (inPlace ? restartMs : 0);
            for (Move m : step.moves()) {
                int i = problem.fleet().instanceIndex(m.instance());
                if (!m.kind().disruptive() || !announced.add(i)) {
                    continue; // one event per instance, announced in its first step
                }
                EventTimes.Window w = times.planned(i, step, 0);
                Item it = new Item(w.notBeforeMs() + tenants.minDelayMs(), w.notBeforeMs() + tenants.maxDelayMs(), w.deadlineMs(),
                        (m.kind() == MoveKind.RELOCATE ? restartMs : 0) + afterDrainMs);
                if (it.latest() > planEndMs) {
                    items.add(it);
                }
            }
        }
        return items;
    }
}
