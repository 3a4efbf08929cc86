package dev.ferry.cli;

import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.NaiveStrategy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanStrategy;
import dev.ferry.core.planner.PlanSummary;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.core.verify.PlanVerifier;
import dev.ferry.formats.AdvisoryReader;
import dev.ferry.formats.FleetGenerator;
import dev.ferry.formats.FleetReader;
import dev.ferry.formats.FleetWriter;
import dev.ferry.formats.InvalidInputException;
import dev.ferry.formats.PlanJsonWriter;
import dev.ferry.formats.PolicyReader;
import dev.ferry.sim.Expected;
import dev.ferry.sim.FaultSpec;
import dev.ferry.sim.Simulation;
import dev.ferry.sim.SimulationResult;
import dev.ferry.sim.TenantModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        header = "Plan and simulate the XSA-108 story on a synthetic fleet; no arguments needed.",
        description = {"The XSA-108 story on a synthetic fleet, no arguments needed: generate a",
                "fleet, read it back, plan the campaign with Ferry and with the naive",
                "baseline, verify both plans, run both campaigns in the simulator (with",
                "tenants and a few faults), compare them, and write HTML reports.",
                "Everything it writes goes to the output directory."})
final class DemoCommand implements Callable<Integer> {
    /** Five days before XSA-108's disclosure, as in 2014. */
    static final Instant START = Instant.parse("2014-09-26T12:00:00Z");
    /** A few of the faults a real campaign meets. */
    static final String DEMO_FAULTS = "migration-fail=0.01,non-converge=0.005,host-unpatched=0.003,delay=0.01,duplicate=0.01";

    @Spec
    CommandSpec spec;

    @Option(names = "--hosts", defaultValue = "3000", paramLabel = "N", description = "Fleet size (default 3000).")
    int hosts;

    @Option(names = "--seed", defaultValue = "108", paramLabel = "S", description = "Fleet seed (default 108).")
    long seed;

    @Option(names = "--faults", defaultValue = DEMO_FAULTS, paramLabel = "SPEC",
            description = "Faults injected into the simulated campaigns (default: " + DEMO_FAULTS + ").")
    String faults;

    @Option(names = "--out", defaultValue = "ferry-demo", paramLabel = "DIR",
            description = "Where the files go (default ./ferry-demo).")
    Path out;

    @Override
    public Integer call() throws IOException, InvalidInputException {
        PrintWriter o = spec.commandLine().getOut();
        try {
            FaultSpec.parse(faults);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("error: --faults: " + e.getMessage());
            return ExitCodes.INVALID_INPUT;
        }
        Files.createDirectories(out);
        Path advisoryFile = copyResource("advisory.yaml");
        Path policyFile = copyResource("policy.yaml");
        Advisory advisory = new AdvisoryReader().read(advisoryFile);
        Policy policy = new PolicyReader().read(policyFile);

        o.printf(Locale.ROOT, "Ferry demo: %s, \"%s\"; disclosure %s; campaign starts %s (5 days before).%n%n",
                advisory.id(), advisory.title(), advisory.disclosure(), START);
        Scenario xsa = scenario(o, "1/2", "an XSA-108-like fleet (~10% of hosts affected)",
                FleetGenerator.Options.defaults(hosts, seed), "fleet.yaml", advisory, policy);
        int small = Math.max(24, hosts / 6);
        FleetGenerator.Options everything = FleetGenerator.Options.defaults(small, seed);
        everything = new FleetGenerator.Options(small, seed, everything.zones(), everything.racksPerZone(),
                everything.instancesPerHost(), 1.0, everything.nonLiveShare(), everything.groupShare(), 0.6,
                everything.tenants());
        Scenario all = scenario(o, "2/2", "a fleet where every host is affected and none is empty",
                everything, "fleet-all-affected.yaml", advisory, policy);

        o.println();
        o.println("Comparison (\"bound\": the lower bound, computed independently of either plan; docs/lower-bound.md):");
        o.printf(Locale.ROOT, "  %-20s %-8s %-12s %7s %-12s %-12s %-22s %6s %6s %5s %5s %7s %7s  %s%n", "fleet", "strategy",
                "planned", "÷bound", "expected", "simulated", "deadline slack", "live", "reloc", "rip", "boot", "failed", "disr/in",
                "safety");
        for (Scenario sc : List.of(xsa, all)) {
            for (int k = 0; k < 2; k++) {
                Plan p = k == 0 ? sc.ferry.plan() : sc.naive.plan();
                Expected e = k == 0 ? sc.ferry.expected() : sc.naive.expected();
                SimulationResult r = k == 0 ? sc.ferrySim : sc.naiveSim;
                PlanSummary m = p.summary();
                o.printf(Locale.ROOT, "  %-20s %-8s %-12s %7.2f %-12s %-12s %-22s %6d %6d %5d %5d %7d %7.2f  %s%n", sc.label,
                        p.strategy(), Durations.human(m.makespanSeconds()),
                        m.lowerBoundSeconds() == 0 ? 0.0 : (double) m.makespanSeconds() / m.lowerBoundSeconds(),
                        Durations.human(e.makespanSeconds()), Durations.human(r.makespanSeconds()),
                        r.deadlineSlackSeconds() == null ? "-" : (r.deadlineSlackSeconds() < 0 ? "MISSED by "
                                + Durations.human(-r.deadlineSlackSeconds()) : Durations.human(r.deadlineSlackSeconds())),
                        r.liveMigrations(), r.relocations(), r.rebootsInPlace(), m.bootstrapMoves(), r.failedMigrations(),
                        m.disruptionsPerAffectedInstance(),
                        r.invariantViolations().isEmpty() && r.lostInstances() == 0 ? "all rules held" : "VIOLATIONS");
            }
        }
        o.println();
        o.println("\"planned\" is the plan's prediction as scheduled; \"expected\", the plan's prediction with its tenants behaving as");
        o.println("expected (10% reschedule, 1 to 48 h later; docs/forecast.md); \"simulated\" is the same campaign run in virtual time");
        o.println("against simulated hypervisors and tenants (10% act early, 10% reschedule) with faults " + faults + ".");
        o.println();
        o.println("Reports with charts: " + out.resolve("report.html") + " and " + out.resolve("report-all-affected.html"));
        o.println("Also in " + out + "/: fleet.yaml, fleet-all-affected.yaml, advisory.yaml, policy.yaml, plan-*.json. Try:");
        o.println("  ./ferry plan --fleet " + out.resolve("fleet.yaml") + " --advisory " + advisoryFile + " --start " + START);
        o.println("  ./ferry simulate --fleet " + out.resolve("fleet.yaml") + " --advisory " + advisoryFile + " --start " + START
                + " --faults host-lost=0.01");
        o.println("And the controller, with a campaign you approve and watch in its dashboard, over its API or with ./ferry"
                + " campaigns watch: ./ferry server --demo (docs/server.md, docs/dashboard.md, docs/cli.md); real QEMU hypervisors:"
                + " ./ferry lab (docs/agent.md)");
        o.flush();
        return ExitCodes.DONE;
    }

    private record Scenario(String label, Planned ferry, Planned naive, SimulationResult ferrySim, SimulationResult naiveSim) {
    }

    private record Planned(Plan plan, Expected expected) {
    }

    private Scenario scenario(PrintWriter o, String n, String what, FleetGenerator.Options options, String file,
                              Advisory advisory, Policy policy) throws IOException, InvalidInputException {
        Path fleetFile = out.resolve(file);
        long t0 = System.nanoTime();
        o.printf(Locale.ROOT, "[%s] Generating %s: %d hosts, seed %d ... ", n, what, options.hosts(), options.seed());
        o.flush();
        Path tmp = Files.createTempFile(out, ".fleet-", ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            new FleetGenerator(options).generate(FleetWriter.yaml(w));
        }
        Files.move(tmp, fleetFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Fleet fleet = new FleetReader().read(fleetFile);
        o.printf(Locale.ROOT, "%d instances, read back in %d ms%n", fleet.instances().size(), ms(t0));
        PlanningProblem problem = new PlanningProblem(fleet, advisory, policy, START);
        Planned ferry = plan(o, new FerryStrategy(), problem, file);
        Planned naive = plan(o, new NaiveStrategy(), problem, file);
        FaultSpec faultSpec = FaultSpec.parse(faults);
        PrintWriter err = spec.commandLine().getErr();
        o.flush();
        SimulationResult ferrySim = Simulation.run(problem, ferry.plan(), new Simulation.Options(options.seed(), faultSpec,
                TenantModel.DEFAULT, false, true, null, Simulations.bar(err, "ferry")));
        SimulationResult naiveSim = Simulations.naive(problem, new Simulation.Options(options.seed(), faultSpec,
                TenantModel.DEFAULT, false, true, null, Simulations.bar(err, "naive")));
        o.printf(Locale.ROOT, "      simulated both campaigns: ferry %s, naive %s (every safety rule checked after every event)%n",
                Durations.human(ferrySim.makespanSeconds()), Durations.human(naiveSim.makespanSeconds()));
        String label = file.equals("fleet.yaml") ? options.hosts() + " hosts, XSA-108" : options.hosts() + " hosts, all hit";
        String reportName = file.equals("fleet.yaml") ? "report.html" : "report-all-affected.html";
        SimulateCommand.writeReport(out.resolve(reportName), advisory.id() + " campaign on " + label + ": Ferry vs naive",
                problem, options.seed(), faultSpec, List.of(ferrySim, naiveSim));
        return new Scenario(label, ferry, naive, ferrySim, naiveSim);
    }

    /** The plan, verified, and written to {@code plan-*.json} with its expected duration (default tenants). */
    private Planned plan(PrintWriter o, PlanStrategy strategy, PlanningProblem problem, String fleetFile) throws IOException {
        long t0 = System.nanoTime();
        o.printf(Locale.ROOT, "      planning with %-5s ... ", strategy.name());
        o.flush();
        Plan plan = strategy.plan(problem);
        long planned = ms(t0);
        List<String> violations = PlanVerifier.verify(problem, plan);
        if (!violations.isEmpty()) {
            throw new IllegalStateException("plan breaks rules: " + violations.subList(0, Math.min(5, violations.size())));
        }
        Path json = out.resolve("plan-" + fleetFile.replace(".yaml", "") + "-" + strategy.name() + ".json");
        Expected expected = Expected.of(problem, plan, TenantModel.DEFAULT);
        try (Writer w = Files.newBufferedWriter(json, StandardCharsets.UTF_8)) {
            new PlanJsonWriter().write(plan, w, true, expected::writeField);
        }
        o.printf(Locale.ROOT, "%d steps in %d ms, verified: every rule holds at every instant; %s%n",
                plan.steps().size(), planned, plan.feasible() ? "meets the deadline" : "MISSES the deadline");
        return new Planned(plan, expected);
    }

    private Path copyResource(String name) throws IOException {
        Path target = out.resolve(name);
        try (InputStream in = DemoCommand.class.getResourceAsStream("demo/" + name)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
