package dev.ferry.core.planner;

import dev.ferry.core.model.Fleet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** Turns a strategy's steps into a {@link Plan}: summary, lower bound, deadline and reasons. Pure. */
final class PlanAssembler {
    private PlanAssembler() {
    }

    static Plan assemble(PlanningProblem problem, String strategy, Classification cls, List<String> affectedHosts,
                         List<Step> steps, List<SkippedHost> skipped) {
        Fleet fleet = problem.fleet();
        List<Step> ordered = new ArrayList<>(steps);
        // Stable: steps that start at the same instant keep the order the strategy decided them in,
        // which is the order their moves are applied (a later move may rely on an earlier one).
        ordered.sort(Comparator.comparingLong(Step::start));

        long makespan = 0;
        int live = 0;
        int relocations = 0;
        int rips = 0;
        int bootstrap = 0;
        for (Step s : ordered) {
            makespan = Math.max(makespan, s.end());
            for (Move m : s.moves()) {
                switch (m.kind()) {
                    case LIVE_MIGRATE -> live++;
                    case RELOCATE -> relocations++;
                    case REBOOT_IN_PLACE -> rips++;
                }
                if (m.bootstrap()) {
                    bootstrap++;
                }
            }
        }
        java.util.Set<String> skippedIds = new java.util.HashSet<>();
        for (SkippedHost s : skipped) {
            skippedIds.add(s.host());
        }
        long affectedInstances = 0;
        for (int h = 0; h < fleet.hosts().size(); h++) {
            if (cls.affected(h) && !skippedIds.contains(fleet.host(h).id())) {
                affectedInstances += fleet.instanceCountOn(h);
            }
        }
        int moves = live + relocations + rips;
        double disruptions = affectedInstances == 0 ? 0.0 : Math.round(moves * 1000.0 / affectedInstances) / 1000.0;

        LowerBound bound = LowerBounds.compute(problem, cls, skippedIds);
        // (zones where the plan had to reboot a bootstrapped instance in place get no capacity bound; see LowerBounds)
        Long toDeadline = problem.secondsToDeadline();
        Long slack = toDeadline == null ? null : toDeadline - makespan;

        List<String> reasons = new ArrayList<>();
        boolean feasible = true;
        if (toDeadline != null && slack < 0) {
            feasible = false;
            Instant disclosure = problem.advisory().disclosure();
            if (toDeadline <= 0) {
                reasons.add("disclosure " + disclosure + " is not after the campaign start " + problem.start());
            } else {
                reasons.add("the plan takes " + makespan + " s but only " + toDeadline + " s remain before disclosure "
                        + disclosure + " (" + (-slack) + " s late)");
            }
            LowerBound.Component binding = bound.binding();
            if (binding != null) {
                String verdict = bound.seconds() > toDeadline ? "no plan can meet the deadline: " : "the binding rule is ";
                reasons.add(verdict + binding.rule() + " (" + binding.seconds() + " s: " + binding.explanation() + ")");
            }
        }
        for (SkippedHost s : skipped) {
            reasons.add("host " + s.host() + " skipped: " + s.reason());
        }
        PlanSummary summary = new PlanSummary(makespan, bound.seconds(), live, relocations, rips, bootstrap,
                maxConcurrent(ordered), disruptions, slack);
        return new Plan(problem.advisory().id(), strategy, feasible, reasons, affectedHosts, ordered, skipped, summary, bound);
    }

    static int maxConcurrent(List<Step> steps) {
        long[] events = new long[steps.size() * 2];
        int e = 0;
        for (Step s : steps) {
            // ends sort before starts at the same instant: [start, end) intervals
            events[e++] = s.start() * 2 + 1;
            events[e++] = s.end() * 2;
        }
        Arrays.sort(events);
        int now = 0;
        int max = 0;
        for (long ev : events) {
            now += (ev & 1) == 1 ? 1 : -1;
            max = Math.max(max, now);
        }
        return max;
    }
}
