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
        description = {"The XSA-108 story on a synthetic fleet, no arguments needed: generate a fleet, read it back,",
                "plan the campaign with Ferry and with the naive baseline, verify both plans, compare them.",
                "Writes the fleet, advisory, policy and both plans (JSON) to the output directory."})
final class DemoCommand implements Callable<Integer> {
    /** Five days before XSA-108's disclosure, as in 2014. */
    static final Instant START = Instant.parse("2014-09-26T12:00:00Z");

    @Spec
    CommandSpec spec;

    @Option(names = "--hosts", defaultValue = "3000", paramLabel = "N", description = "Fleet size (default 3000).")
    int hosts;

    @Option(names = "--seed", defaultValue = "108", paramLabel = "S", description = "Fleet seed (default 108).")
    long seed;

    @Option(names = "--out", defaultValue = "ferry-demo", paramLabel = "DIR",
            description = "Where the files go (default ./ferry-demo).")
    Path out;

    @Override
    public Integer call() throws IOException, InvalidInputException {
        PrintWriter o = spec.commandLine().getOut();
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
        o.println("Comparison (the lower bound is computed independently of either plan; docs/lower-bound.md):");
        o.printf(Locale.ROOT, "  %-22s %-8s %-14s %8s %-16s %6s %7s %6s %6s %11s%n", "fleet", "strategy", "makespan",
                "÷bound", "deadline slack", "live", "reloc", "rip", "boot", "disr./inst.");
        for (Scenario s : List.of(xsa, all)) {
            for (Plan p : List.of(s.ferry, s.naive)) {
                PlanSummary m = p.summary();
                o.printf(Locale.ROOT, "  %-22s %-8s %-14s %8.2f %-16s %6d %7d %6d %6d %11.2f%n", s.label, p.strategy(),
                        Durations.human(m.makespanSeconds()),
                        m.lowerBoundSeconds() == 0 ? 0.0 : (double) m.makespanSeconds() / m.lowerBoundSeconds(),
                        m.deadlineSlackSeconds() == null ? "-" : (m.deadlineSlackSeconds() < 0 ? "MISSED " : "")
                                + Durations.human(m.deadlineSlackSeconds()),
                        m.liveMigrations(), m.relocations(), m.rebootsInPlace(), m.bootstrapMoves(),
                        m.disruptionsPerAffectedInstance());
            }
        }
        o.println();
        o.println("Files in " + out + "/: fleet.yaml, fleet-all-affected.yaml, advisory.yaml, policy.yaml and");
        o.println("plan-*.json for each fleet and strategy. Try:");
        o.println("  ./ferry plan --fleet " + out.resolve("fleet.yaml") + " --advisory " + advisoryFile + " --start " + START);
        o.flush();
        return ExitCodes.DONE;
    }

    private record Scenario(String label, Plan ferry, Plan naive) {
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
        Plan ferry = plan(o, new FerryStrategy(), problem, file);
        Plan naive = plan(o, new NaiveStrategy(), problem, file);
        String label = file.equals("fleet.yaml") ? options.hosts() + " hosts, XSA-108" : options.hosts() + " hosts, all hit";
        return new Scenario(label, ferry, naive);
    }

    private Plan plan(PrintWriter o, PlanStrategy strategy, PlanningProblem problem, String fleetFile) throws IOException {
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
        try (Writer w = Files.newBufferedWriter(json, StandardCharsets.UTF_8)) {
            new PlanJsonWriter().write(plan, w, true);
        }
        o.printf(Locale.ROOT, "%d steps in %d ms, verified: every rule holds at every instant; %s%n",
                plan.steps().size(), planned, plan.feasible() ? "meets the deadline" : "MISSES the deadline");
        return plan;
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
