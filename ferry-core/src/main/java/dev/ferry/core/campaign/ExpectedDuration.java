package dev.ferry.core.campaign;

import dev.ferry.core.planner.Move;
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
 * deadline the runtime itself gives the event ({@link EventTimes#planned}). A rescheduled event holds
 * its host's step back until then (the step's ready time), and the whole step runs after it. A
 * canary step holds back every step after it (canaries go one at a time, first): the campaign from
 * there on shifts by the canary phase's delay {@code S}, the largest of its disruptions' times past
 * their steps' planned starts. A tenant who acts early only moves work earlier and adds nothing.
 * Tenants decide independently, so {@code P(end <= t) = P(S <= t - makespan) * G(t)}, {@code G}
 * the product over the other steps' disruptions of {@code 1 - r + r * P(moved to + its step's
 * duration <= t)}; the expected end is the makespan plus the integral of {@code 1 - P(end <= t)}
 * beyond it. Left out: durations other than the policy's (no noise), faults, and a delayed step's
 * wait for its zone's turn.
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

    /**
     * One disruption, rescheduled to {@code min(low + U * (high - low), cap)}: {@link #endedBy} is the
     * chance that that time plus {@code add} is at most {@code t}.
     */
    private record Item(long lowMs, long highMs, long capMs, long addMs) {
        /** The latest that time plus {@code add} can be. */
        long latest() {
            return Math.min(highMs, capMs) + addMs;
        }

        double endedBy(long t) {
            long moved = t - addMs;
            if (moved >= capMs || moved >= highMs) {
                return 1;
            }
            if (capMs <= lowMs || moved < lowMs) {
                return 0; // (a cap at or before the low end: always moved to the cap)
            }
            return (double) (moved - lowMs) / (highMs - lowMs);
        }
    }

    /** The canary steps' disruptions (time past their step's planned start), and the other steps' (their step's end). */
    private record Items(List<Item> canaries, List<Item> others) {
    }

    /** The expected campaign duration in seconds from its start (the plan's makespan when no tenant reschedules). */
    public static long makespanSeconds(PlanningProblem problem, Plan plan, Tenants tenants) {
        long planEndMs = plan.summary().makespanSeconds() * 1000;
        if (tenants.reschedule() == 0 || plan.steps().isEmpty()) {
            return plan.summary().makespanSeconds();
        }
        Items items = items(problem, plan, tenants, planEndMs);
        long latest = planEndMs;
        for (Item it : items.canaries()) {
            latest = Math.max(latest, planEndMs + it.latest());
        }
        for (Item it : items.others()) {
            latest = Math.max(latest, it.latest());
        }
        if (latest == planEndMs) {
            return plan.summary().makespanSeconds();
        }
        double r = tenants.reschedule();
        double stepMs = (double) (latest - planEndMs) / GRID;
        double tail = 0;
        double before = 1 - endedBy(items, r, planEndMs, planEndMs);
        for (int k = 1; k <= GRID; k++) {
            double after = 1 - endedBy(items, r, planEndMs, planEndMs + Math.round(k * stepMs));
            tail += (before + after) / 2 * stepMs;
            before = after;
        }
        return (long) Math.ceil((planEndMs + tail) / 1000.0);
    }

    /** The chance that the campaign has ended by {@code t}: the canaries' delay is at most {@code t - planEnd}, and every other step ended. */
    private static double endedBy(Items items, double r, long planEndMs, long t) {
        double p = product(items.canaries(), r, t - planEndMs);
        return p == 0 ? 0 : p * product(items.others(), r, t);
    }

    private static double product(List<Item> items, double r, long t) {
        double p = 1;
        for (Item it : items) {
            p *= 1 - r + r * it.endedBy(t);
            if (p == 0) {
                break;
            }
        }
        return p;
    }

    /** The disruptions, each with its event's window as the runtime announces it at approval, whose rescheduling could lengthen the campaign. */
    private static Items items(PlanningProblem problem, Plan plan, Tenants tenants, long planEndMs) {
        EventTimes times = new EventTimes(problem, plan, "expected");
        List<Item> canaries = new ArrayList<>();
        List<Item> others = new ArrayList<>();
        Set<Integer> announced = new HashSet<>();
        for (Step step : plan.steps()) {
            long startMs = step.start() * 1000;
            long durationMs = (step.end() - step.start()) * 1000;
            for (Move m : step.moves()) {
                int i = problem.fleet().instanceIndex(m.instance());
                if (!m.kind().disruptive() || !announced.add(i)) {
                    continue; // one event per instance, announced in its first step
                }
                EventTimes.Window w = times.planned(i, step, 0);
                long notBefore = w.notBeforeMs();
                long deadline = w.deadlineMs();
                // the event's time plus the delays (the deadline caps the time drawn: what falls past it is moved to it)
                long low = notBefore + Math.min(tenants.minDelayMs(), Long.MAX_VALUE / 4);
                long high = notBefore + Math.min(tenants.maxDelayMs(), Long.MAX_VALUE / 4);
                Item it = step.canary() ? new Item(low, high, deadline, -startMs) : new Item(low, high, deadline, durationMs);
                if (step.canary() && it.latest() > 0) {
                    canaries.add(it);
                } else if (!step.canary() && it.latest() > planEndMs) {
                    others.add(it);
                }
            }
        }
        return new Items(canaries, others);
    }
}
