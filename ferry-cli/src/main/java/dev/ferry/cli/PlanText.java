package dev.ferry.cli;

import dev.ferry.core.planner.LowerBound;
import dev.ferry.core.planner.Move;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanSummary;
import dev.ferry.core.planner.Step;
import dev.ferry.sim.Expected;
import java.io.PrintWriter;
import java.util.Locale;

/** The readable plan summary of {@code ferry plan --format text}. */
final class PlanText {
    private PlanText() {
    }

    static void write(Plan plan, Expected expected, int totalHosts, int maxSteps, PrintWriter out) {
        PlanSummary s = plan.summary();
        out.printf(Locale.ROOT, "Plan for %s (strategy %s): %s%n", plan.advisory(), plan.strategy(),
                plan.feasible() ? "feasible" : "INFEASIBLE");
        out.printf(Locale.ROOT, "  affected hosts     %d of %d (%d planned, %d skipped)%n", plan.affectedHosts().size(),
                totalHosts, plan.steps().size(), plan.skippedHosts().size());
        LowerBound.Component binding = plan.lowerBound().binding();
        out.printf(Locale.ROOT, "  makespan           %s (%d s), as scheduled%n", Durations.human(s.makespanSeconds()), s.makespanSeconds());
        out.printf(Locale.ROOT, "  expected           %s (%d s) with %s of tenants rescheduling%s%n", Durations.human(expected.makespanSeconds()),
                expected.makespanSeconds(), share(expected.tenants().reschedule()), expected.deadlineSlackSeconds() == null ? ""
                        : expected.deadlineSlackSeconds() >= 0 ? "; slack " + Durations.human(expected.deadlineSlackSeconds())
                        : "; MISSES the deadline by " + Durations.human(-expected.deadlineSlackSeconds()));
        out.printf(Locale.ROOT, "  lower bound        %s (%d s)%s%n", Durations.human(s.lowerBoundSeconds()),
                s.lowerBoundSeconds(), binding == null ? "" : ", set by " + binding.rule() + ": " + binding.explanation());
        if (s.lowerBoundSeconds() > 0) {
            out.printf(Locale.ROOT, "  makespan / bound   %.3f%n", (double) s.makespanSeconds() / s.lowerBoundSeconds());
        }
        out.printf(Locale.ROOT, "  deadline slack     %s%n", s.deadlineSlackSeconds() == null ? "no disclosure deadline"
                : Durations.human(s.deadlineSlackSeconds()) + " (" + s.deadlineSlackSeconds() + " s)");
        out.printf(Locale.ROOT, "  moves              %d live migrations, %d relocations, %d reboots in place, %d bootstrap%n",
                s.liveMigrations(), s.relocations(), s.rebootsInPlace(), s.bootstrapMoves());
        out.printf(Locale.ROOT, "  disruptions        %.3f per affected instance; at most %d hosts in maintenance at once%n",
                s.disruptionsPerAffectedInstance(), s.maxConcurrentHosts());
        if (!plan.reasons().isEmpty()) {
            out.println();
            out.println("Reasons:");
            for (String r : plan.reasons()) {
                out.println("  - " + r);
            }
        }
        if (!plan.steps().isEmpty() && maxSteps > 0) {
            out.println();
            int shown = Math.min(maxSteps, plan.steps().size());
            out.printf(Locale.ROOT, "Steps (%d of %d, by start; --format json for all):%n", shown, plan.steps().size());
            out.printf(Locale.ROOT, "  %-10s %-10s %-14s %-8s %5s %5s %5s %5s%n", "start", "end", "host", "zone", "live",
                    "reloc", "rip", "boot");
            for (int i = 0; i < shown; i++) {
                Step step = plan.steps().get(i);
                int live = 0;
                int reloc = 0;
                int rip = 0;
                int boot = 0;
                for (Move m : step.moves()) {
                    live += m.kind() == MoveKind.LIVE_MIGRATE ? 1 : 0;
                    reloc += m.kind() == MoveKind.RELOCATE ? 1 : 0;
                    rip += m.kind() == MoveKind.REBOOT_IN_PLACE ? 1 : 0;
                    boot += m.bootstrap() ? 1 : 0;
                }
                out.printf(Locale.ROOT, "  %-10s %-10s %-14s %-8s %5d %5d %5d %5d%s%n", Durations.human(step.start()),
                        Durations.human(step.end()), step.host(), step.zone(), live, reloc, rip, boot,
                        step.canary() ? "  canary" : "");
            }
        }
        out.flush();
    }

    /** A share as a percentage, as precise as it was given: 10%, 0.5%, 12.25%. */
    static String share(double s) {
        return java.math.BigDecimal.valueOf(100 * s).setScale(2, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString() + "%";
    }
}
