package dev.ferry.cli;

import dev.ferry.sim.Forecast;
import java.io.PrintWriter;
import java.util.Locale;

/** A forecast for the terminal: its percentiles as a band against the deadline, and what would raise its odds. */
final class ForecastText {
    /** Columns of the band. */
    static final int WIDTH = 60;

    private ForecastText() {
    }

    /** @param tenants the tenant model the runs used (the options', or the learned model's) */
    static void write(Forecast.Result r, ScenarioOptions.Scenario sc, dev.ferry.sim.TenantModel tenants, boolean learned,
                      PrintWriter out) {
        Forecast.Outcome o = r.outcome();
        out.println();
        out.printf(Locale.ROOT, "Forecast: %d simulated campaigns (seeds %d-%d; tenants %.0f%% early, %.0f%% rescheduling; faults %s%s)%n",
                o.runs(), sc.seed(), sc.seed() + o.runs() - 1, 100 * tenants.actEarly(), 100 * tenants.reschedule(),
                sc.faults().equals(dev.ferry.sim.FaultSpec.NONE) ? "none" : sc.faults(), learned ? "; timed with the learned model" : "");
        out.printf(Locale.ROOT, "  P10 %s   P50 %s   P90 %s   P99 %s   (the plan's own prediction %s as scheduled, %s expected)%n",
                Durations.human(o.p10Seconds()), Durations.human(o.p50Seconds()), Durations.human(o.p90Seconds()),
                Durations.human(o.p99Seconds()), Durations.human(r.predictedSeconds()), Durations.human(r.expectedSeconds()));
        for (String line : band(o, r.predictedSeconds(), r.expectedSeconds(), r.deadlineSeconds())) {
            out.println("  " + line);
        }
        out.println("  [ P10, - to P50, # to P90, = to P99 ]; P the plan as scheduled, E as expected with its tenants;"
                + " | the disclosure deadline");
        if (r.deadlineSeconds() == null) {
            out.println("  deadline           no disclosure time: no probability to give");
        } else {
            out.printf(Locale.ROOT, "  deadline           %s after the start; finishes before it in %s of runs%s%n",
                    Durations.human(r.deadlineSeconds()), percent(o.probabilityMeetsDeadline()),
                    o.halted() == 0 ? "" : " (" + o.halted() + " halted)");
        }
        if (!r.whatIf().isEmpty()) {
            out.println("  what if (" + r.whatIf().get(0).outcome().runs() + " runs each, same seeds):");
            for (Forecast.WhatIf w : r.whatIf()) {
                out.printf(Locale.ROOT, "    %-72s P90 %-12s %s%n", w.change(), Durations.human(w.outcome().p90Seconds()),
                        w.outcome().probabilityMeetsDeadline() == null ? "" : "meets the deadline in "
                                + percent(w.outcome().probabilityMeetsDeadline()));
            }
            Forecast.WhatIf b = r.best();
            out.println("  best change        " + (b == null ? "none of these does better than the plan" : b.change() + ": P90 "
                    + Durations.human(b.outcome().p90Seconds()) + " (now " + Durations.human(o.p90Seconds()) + ")"
                    + (o.probabilityMeetsDeadline() == null ? "" : ", meets the deadline in " + percent(b.outcome().probabilityMeetsDeadline())
                    + " (now " + percent(o.probabilityMeetsDeadline()) + ")")));
        }
    }

    private static String percent(double p) {
        return String.format(Locale.ROOT, "%.0f%%", 100 * p);
    }

    /** Two lines: the band from P10 to P99, then the plan's predictions (E drawn over P where they meet), on a scale that holds them all. */
    static String[] band(Forecast.Outcome o, long predicted, long expected, Long deadline) {
        long end = Math.max(Math.max(o.p99Seconds(), expected), Math.max(predicted, deadline == null ? 0 : deadline));
        double scale = (WIDTH - 1) / (double) Math.max(1, end);
        char[] line = new char[WIDTH];
        char[] marks = new char[WIDTH];
        java.util.Arrays.fill(line, '.');
        java.util.Arrays.fill(marks, ' ');
        int p10 = (int) Math.round(o.p10Seconds() * scale);
        int p50 = (int) Math.round(o.p50Seconds() * scale);
        int p90 = (int) Math.round(o.p90Seconds() * scale);
        int p99 = (int) Math.round(o.p99Seconds() * scale);
        for (int i = p10; i <= p99; i++) {
            line[i] = i < p50 ? '-' : i <= p90 ? '#' : '=';
        }
        line[p10] = '[';
        line[p99] = ']';
        marks[(int) Math.round(predicted * scale)] = 'P';
        marks[(int) Math.round(expected * scale)] = 'E';
        if (deadline != null) {
            int d = (int) Math.round(deadline * scale);
            line[d] = '|';
            marks[d] = '|';
        }
        return new String[] {"0 " + new String(line) + " " + Durations.human(end), "  " + new String(marks).stripTrailing()};
    }
}
