package dev.ferry.cli;

import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.NaiveStrategy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanStrategy;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.core.verify.PlanVerifier;
import dev.ferry.formats.PlanJsonWriter;
import dev.ferry.sim.Expected;
import dev.ferry.sim.Forecast;
import dev.ferry.sim.ForecastJson;
import dev.ferry.sim.LearnedModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "plan", mixinStandardHelpOptions = true,
        header = "Propose a campaign, verified, as text or plan/v1 JSON.",
        description = {"Propose a campaign: which host goes into maintenance when, and where",
                "every instance goes. Every plan is checked by an independent verifier.",
                "Its makespan is the schedule's; its expected duration adds what the tenants",
                "of --tenants (or --model's) are expected to add by rescheduling.",
                "With --forecast N, N simulated campaigns of the plan (tenants, faults and",
                "the simulator's duration noise as in 'ferry simulate') give P50/P90/P99 of",
                "its duration and the probability of finishing before the disclosure, and a",
                "few neighbouring policies are forecast too, to say which change helps most.",
                "Exit codes: 0 planned; 1 the plan broke a rule (a bug); 2 invalid input;",
                "3 the deadline cannot be met (the best plan is still printed)."})
final class PlanCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ProblemOptions opts = new ProblemOptions();

    @Option(names = "--format", defaultValue = "text", paramLabel = "text|json", description = "Output format (default text).")
    String format;

    @Option(names = "--steps", defaultValue = "20", paramLabel = "N", description = "Steps listed in text output (default 20).")
    int steps;

    @Option(names = "--forecast", defaultValue = "0", paramLabel = "N",
            description = "Also forecast the campaign: N seeded simulations of the plan, on every core (default 0, none; 100 is a "
                    + "good start).")
    int forecast;

    @Option(names = "--what-if", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "With --forecast: also forecast twice the hosts at once, another zone at once and half the notice, each "
                    + "with a quarter of the runs (default on).")
    boolean whatIf;

    @Option(names = "--model", paramLabel = "FILE",
            description = "Time the forecast's simulated campaigns, and the tenants of both the forecast and the expected duration,"
                    + " as finished campaigns measured them:"
                    + " the JSON of a controller's GET /v1/model (docs/forecast.md; default: the policy's durations).")
    java.nio.file.Path model;

    @Mixin
    ScenarioOptions scenario = new ScenarioOptions();

    @Option(names = "--verify", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Replay the plan through the independent checker before printing it (default on).")
    boolean verify;

    /** Fleet files at least this large get progress lines on standard error. */
    static final long PROGRESS_BYTES = 16L << 20;

    private final InstantSource clock;

    /** Progress lines on standard error for long runs, with elapsed time (wall clock: this is an adapter). */
    private static final class Progress {
        private final PrintWriter err;
        private final boolean on;
        private long t0;

        Progress(PrintWriter err, boolean on) {
            this.err = err;
            this.on = on;
        }

        void step(String what) {
            t0 = System.nanoTime();
            if (on) {
                err.print("ferry: " + what + " ... ");
                err.flush();
            }
        }

        void done(String result) {
            if (on) {
                err.printf(java.util.Locale.ROOT, "%s (%.1f s)%n", result, (System.nanoTime() - t0) / 1e9);
                err.flush();
            }
        }
    }

    PlanCommand(InstantSource clock) {
        this.clock = clock;
    }

    /** The forecast, with a progress line on standard error (redrawn on a terminal, by quarters otherwise). */
    private Forecast.Result forecast(PlanningProblem problem, Plan plan, PlanStrategy planner, ScenarioOptions.Scenario sc,
                                     LearnedModel learned, PrintWriter err) {
        boolean tty = System.console() != null;
        int[] lastQuarter = {-1};
        Forecast.Settings settings = new Forecast.Settings(forecast, sc.seed(), sc.faults(), sc.tenants(), sc.churn(), whatIf, 0, learned);
        return Forecast.run(problem, plan, planner, settings, (done, total) -> {
            synchronized (lastQuarter) {
                int pct = (int) (100L * done / total);
                if (tty) {
                    err.printf(java.util.Locale.ROOT, "\r  forecast %d of %d simulated campaigns (%d%%) ", done, total, pct);
                    if (done == total) {
                        err.println();
                    }
                } else if (pct / 25 > lastQuarter[0]) {
                    lastQuarter[0] = pct / 25;
                    err.printf(java.util.Locale.ROOT, "  forecast %d of %d simulated campaigns (%d%%)%n", done, total, pct);
                }
                err.flush();
            }
        });
    }

    /** A model as {@code GET /v1/model} shows it (its {@code model} field), or the model's own JSON. */
    static LearnedModel readModel(java.nio.file.Path file) throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper()
                .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        com.fasterxml.jackson.databind.JsonNode tree = json.readTree(file.toFile());
        if (tree == null || !tree.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        return json.treeToValue(tree.has("model") ? tree.get("model") : tree, LearnedModel.class);
    }

    static PlanStrategy strategy(String name) {
        return switch (name) {
            case "ferry" -> new FerryStrategy();
            case "naive" -> new NaiveStrategy();
            default -> null;
        };
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        PlanStrategy planner = strategy(opts.strategy);
        if (planner == null || !(format.equals("text") || format.equals("json"))) {
            err.println("error: --strategy must be ferry or naive and --format text or json");
            return ExitCodes.INVALID_INPUT;
        }
        ScenarioOptions.Scenario sc;
        try {
            sc = scenario.read();
            if (forecast < 0 || forecast > 100_000) {
                throw new IllegalArgumentException("--forecast must be 0 (none) to 100000 runs");
            }
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return ExitCodes.INVALID_INPUT;
        }
        LearnedModel learned;
        try {
            learned = model == null ? LearnedModel.EMPTY : readModel(model);
        } catch (IOException | IllegalArgumentException e) {
            err.println("error: " + model + ": not a model as GET /v1/model shows it: " + e.getMessage());
            return ExitCodes.INVALID_INPUT;
        }
        long size = java.nio.file.Files.isRegularFile(opts.fleet) ? java.nio.file.Files.size(opts.fleet) : 0;
        Progress progress = new Progress(err, size >= PROGRESS_BYTES);
        progress.step("reading " + opts.fleet + " (" + (size >> 20) + " MiB)");
        Inputs.Loaded in = Inputs.load(opts.fleet, opts.advisory, opts.policy, opts.maxInputMiB << 20, err);
        if (in == null) {
            return ExitCodes.INVALID_INPUT;
        }
        progress.done(in.fleet().hosts().size() + " hosts, " + in.fleet().instances().size() + " instances");
        PlanningProblem problem = new PlanningProblem(in.fleet(), in.advisory(), in.policy(),
                opts.start != null ? opts.start : clock.instant());
        progress.step("planning with " + planner.name());
        Plan plan = planner.plan(problem);
        progress.done(plan.steps().size() + " steps");
        if (verify) {
            progress.step("verifying");
            List<String> violations = PlanVerifier.verify(problem, plan);
            progress.done(violations.isEmpty() ? "every rule holds" : violations.size() + " violations");
            if (!violations.isEmpty()) {
                err.println("internal error: the plan breaks " + violations.size() + " rule(s); please report this:");
                violations.stream().limit(20).forEach(v -> err.println("  " + v));
                err.flush();
                return ExitCodes.INTERNAL;
            }
        }
        Forecast.Result predicted = forecast == 0 ? null : forecast(problem, plan, planner, sc, learned, err);
        Expected expected = Expected.of(problem, plan, learned.tenants(sc.tenants()));
        PrintWriter out = spec.commandLine().getOut();
        if (format.equals("json")) {
            Writer w = out;
            new PlanJsonWriter().write(plan, w, true, g -> {
                expected.writeField(g);
                if (predicted != null) {
                    ForecastJson.writeField(g, predicted);
                }
            });
        } else {
            PlanText.write(plan, expected, in.fleet().hosts().size(), steps, out);
            if (predicted != null) {
                ForecastText.write(predicted, sc, learned.tenants(sc.tenants()), learned.campaigns() > 0, out);
            }
        }
        out.flush();
        return plan.feasible() ? ExitCodes.DONE : ExitCodes.INFEASIBLE;
    }
}
