package dev.ferry.cli;

import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanStrategy;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.formats.HistoryJson;
import dev.ferry.sim.ChurnModel;
import dev.ferry.sim.Expected;
import dev.ferry.sim.FaultSpec;
import dev.ferry.sim.Simulation;
import dev.ferry.sim.SimulationJson;
import dev.ferry.sim.SimulationReport;
import dev.ferry.sim.SimulationResult;
import dev.ferry.sim.TenantModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "simulate", mixinStandardHelpOptions = true,
        header = "Plan a campaign and run it in virtual time against simulated hypervisors.",
        description = {"Plan a campaign and run it in virtual time against simulated hypervisors",
                "and tenants, with the campaign code that drives real hosts; every safety",
                "rule is checked after every event.",
                "Exit codes: 0 completed; 1 a safety rule was broken (a bug); 2 invalid",
                "input; 3 the deadline was missed; 4 the campaign halted."})
final class SimulateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ProblemOptions opts = new ProblemOptions();

    @Mixin
    ScenarioOptions scenario = new ScenarioOptions();

    @Option(names = "--report", paramLabel = "FILE",
            description = "Write a self-contained HTML report with charts (also simulates the naive baseline for comparison).")
    Path report;

    @Option(names = "--history", paramLabel = "FILE",
            description = "Write the campaign's history: history/v2, one JSON line per fact (docs/formats.md).")
    Path history;

    @Option(names = "--format", defaultValue = "text", paramLabel = "text|json", description = "Output format (default text).")
    String format;

    private final InstantSource clock;

    SimulateCommand(InstantSource clock) {
        this.clock = clock;
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        PlanStrategy planner = PlanCommand.strategy(opts.strategy);
        ScenarioOptions.Scenario sc;
        try {
            sc = scenario.read();
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return ExitCodes.INVALID_INPUT;
        }
        long seed = sc.seed();
        FaultSpec faultSpec = sc.faults();
        TenantModel tenantModel = sc.tenants();
        ChurnModel churnModel = sc.churn();
        if (planner == null || !(format.equals("text") || format.equals("json"))) {
            err.println("error: --strategy must be ferry or naive and --format text or json");
            return ExitCodes.INVALID_INPUT;
        }
        Inputs.Loaded in = Inputs.load(opts.fleet, opts.advisory, opts.policy, opts.maxInputMiB << 20, err);
        if (in == null) {
            return ExitCodes.INVALID_INPUT;
        }
        PlanningProblem problem = new PlanningProblem(in.fleet(), in.advisory(), in.policy(), opts.start != null ? opts.start : clock.instant());
        Plan plan = planner.plan(problem);
        Path historyTmp = history == null ? null : Files.createTempFile(history.toAbsolutePath().getParent(), ".history-", ".tmp");
        SimulationResult result;
        try (Writer historyOut = historyTmp == null ? null : Files.newBufferedWriter(historyTmp, StandardCharsets.UTF_8)) {
            if (historyOut != null) {
                write(historyOut, HistoryJson.HEADER);
            }
            Simulation.Options options = new Simulation.Options(seed, faultSpec, tenantModel, false, true,
                    historyOut == null ? null : r -> write(historyOut, HistoryJson.line(r)), Simulations.bar(err, opts.strategy))
                    .withChurn(churnModel);
            result = Simulation.run(problem, plan, options);
        } catch (RuntimeException e) {
            if (historyTmp != null) {
                Files.deleteIfExists(historyTmp);
            }
            throw e;
        }
        if (historyTmp != null) {
            Files.move(historyTmp, history, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        List<SimulationResult> all = new ArrayList<>(List.of(result));
        if (report != null) {
            if (!opts.strategy.equals("naive")) {
                all.add(Simulations.naive(problem, new Simulation.Options(seed, faultSpec, tenantModel, false, true, null,
                        Simulations.bar(err, "naive"))));
            }
            writeReport(report, in.advisory().id() + " campaign, simulated", problem, seed, faultSpec, all);
        }
        PrintWriter out = spec.commandLine().getOut();
        Expected expected = Expected.of(problem, plan, tenantModel);
        if (format.equals("json")) {
            SimulationJson.write(result, expected, out);
        } else {
            text(result, expected, out);
            if (report != null) {
                out.println("  report             " + report);
            }
        }
        out.flush();
        if (!result.invariantViolations().isEmpty()) {
            return ExitCodes.INTERNAL;
        }
        if (result.result().equals("halted")) {
            return ExitCodes.HALTED;
        }
        return result.deadlineSlackSeconds() != null && result.deadlineSlackSeconds() < 0 ? ExitCodes.INFEASIBLE : ExitCodes.DONE;
    }

    static void writeReport(Path file, String title, PlanningProblem problem, long seed, FaultSpec faults,
                            List<SimulationResult> results) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, ".report-", ".tmp");
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                SimulationReport.write(title, problem.fleet().hosts().size() + " hosts, " + problem.fleet().instances().size()
                        + " instances; campaign starts " + problem.start() + "; seed " + seed + "; faults " + faults, results, w);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void write(Writer w, String line) {
        try {
            w.write(line);
            w.write('\n');
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void text(SimulationResult r, Expected expected, PrintWriter out) {
        out.printf(Locale.ROOT, "Simulated campaign (strategy %s, seed %d): %s — %s%n", r.strategy(), r.seed(), r.result(), r.reason());
        out.printf(Locale.ROOT, "  makespan           %s (%d s); the plan predicted %s as scheduled, %s expected with these tenants;"
                        + " lower bound %s%n", Durations.human(r.makespanSeconds()), r.makespanSeconds(), Durations.human(r.predictedMakespanSeconds()),
                Durations.human(expected.makespanSeconds()), Durations.human(r.lowerBoundSeconds()));
        out.printf(Locale.ROOT, "  deadline slack     %s%n", r.deadlineSlackSeconds() == null ? "no disclosure deadline"
                : r.deadlineSlackSeconds() < 0 ? "MISSED by " + Durations.human(-r.deadlineSlackSeconds())
                : Durations.human(r.deadlineSlackSeconds()));
        out.printf(Locale.ROOT, "  hosts              %d patched, %d failed (stay cordoned), %d skipped, of %d affected%s%n",
                r.hostsPatched(), r.hostsFailed(), r.hostsSkipped(), r.hostsAffected(), r.hostsJoined() + r.hostsDropped() == 0 ? ""
                        : "; " + r.hostsJoined() + " joined, " + r.hostsDropped() + " left as the advisory changed");
        out.printf(Locale.ROOT, "  moves              %d live migrations, %d relocations, %d reboots in place; %d failed migrations, "
                + "%d re-planned, %d rescued%n", r.liveMigrations(), r.relocations(), r.rebootsInPlace(), r.failedMigrations(),
                r.replaced(), r.rescued());
        out.printf(Locale.ROOT, "  tenant events      %d noticed, %d rescheduled, %d acted early, %d done by Ferry, %d completed; "
                + "%d informational notices%n", r.events().noticed(), r.events().rescheduled(), r.events().tenantInitiated(),
                r.events().forced(), r.events().completed(), r.events().informational());
        SimulationResult.Churn c = r.churn();
        if (c.operations() > 0) {
            out.printf(Locale.ROOT, "  churn              %d operations: %d stops, %d starts (%d on patched hosts), %d reboots in place, "
                    + "%d terminations, %d launches; %d refused; %d lost%n", c.operations(), c.stops(), c.starts(), c.startsOnPatched(),
                    c.reboots(), c.terminations(), c.launches(), c.refused(), c.lost());
        }
        out.printf(Locale.ROOT, "  safety             %s; %d instances lost%n", r.invariantViolations().isEmpty()
                ? "every rule held after every event" : r.invariantViolations().size() + " VIOLATIONS", r.lostInstances());
        for (String v : r.invariantViolations().stream().limit(10).toList()) {
            out.println("    " + v);
        }
        out.printf(Locale.ROOT, "  simulated          %d events, %d history records%n", r.simulatedEvents(), r.historyRecords());
    }
}
