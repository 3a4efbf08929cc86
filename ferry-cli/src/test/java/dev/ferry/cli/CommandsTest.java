package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandsTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("ferry.examples", "../examples"));
    private static final String ADVISORY = EXAMPLES.resolve("xsa-108-small/advisory.yaml").toString();

    @TempDir
    Path tmp;

    @Test
    void generateIsDeterministicBySeedAndTheResultPlans() throws IOException {
        Path a = tmp.resolve("a.yaml");
        Path b = tmp.resolve("b.yaml");
        Path c = tmp.resolve("c.yaml");
        assertThat(Cli.run("fleet", "generate", "--hosts", "200", "--seed", "7", "-o", a.toString()).exitCode()).isZero();
        assertThat(Cli.run("fleet", "generate", "--hosts", "200", "--seed", "7", "-o", b.toString()).exitCode()).isZero();
        assertThat(Cli.run("fleet", "generate", "--hosts", "200", "--seed", "8", "-o", c.toString()).exitCode()).isZero();
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        assertThat(Files.readAllBytes(a)).isNotEqualTo(Files.readAllBytes(c));

        Cli plan = Cli.run("plan", "--fleet", a.toString(), "--advisory", ADVISORY);
        assertThat(plan.exitCode()).as(plan.err()).isZero();
        assertThat(plan.out()).contains("Plan for XSA-108 (strategy ferry): feasible").contains("lower bound");
    }

    @Test
    void jsonFleetsReadLikeYamlFleets() throws IOException {
        Path yaml = tmp.resolve("f.yaml");
        Path json = tmp.resolve("f.json");
        Cli.run("fleet", "generate", "--hosts", "60", "--seed", "3", "-o", yaml.toString());
        Cli.run("fleet", "generate", "--hosts", "60", "--seed", "3", "--format", "json", "-o", json.toString());
        Cli fromYaml = Cli.run("plan", "--fleet", yaml.toString(), "--advisory", ADVISORY, "--format", "json");
        Cli fromJson = Cli.run("plan", "--fleet", json.toString(), "--advisory", ADVISORY, "--format", "json");
        assertThat(fromJson.exitCode()).as(fromJson.err()).isZero();
        assertThat(fromJson.out()).isEqualTo(fromYaml.out());
    }

    @Test
    void planJsonFollowsTheContract() throws IOException {
        Cli r = Cli.run("plan", "--fleet", EXAMPLES.resolve("xsa-108-small/fleet.yaml").toString(), "--advisory", ADVISORY,
                "--format", "json");
        JsonNode plan = new ObjectMapper().readTree(r.out());
        assertThat(plan.fieldNames()).toIterable().contains("ferry", "advisory", "feasible", "reasons", "affectedHosts",
                "steps", "summary");
        assertThat(plan.get("affectedHosts")).extracting(JsonNode::asText).containsExactlyInAnyOrder("h-a1", "h-b1");
        JsonNode move = plan.get("steps").get(0).get("moves").get(0);
        assertThat(move.fieldNames()).toIterable().contains("instance", "from", "to", "kind", "bootstrap");
        assertThat(plan.get("summary").fieldNames()).toIterable().containsExactly("makespanSeconds", "lowerBoundSeconds",
                "liveMigrations", "relocations", "rebootsInPlace", "bootstrapMoves", "maxConcurrentHosts",
                "disruptionsPerAffectedInstance", "deadlineSlackSeconds");
        // Cli.NOW is five days before disclosure, so the slack is 5 days minus the makespan.
        assertThat(plan.get("summary").get("deadlineSlackSeconds").asLong())
                .isEqualTo(5 * 86400 - plan.get("summary").get("makespanSeconds").asLong());
    }

    /** {@code --forecast N}: percentiles in order, a probability, the neighbours; the same for the same settings; bad counts refused. */
    @Test
    void aPlansForecastIsItsOwnFieldTheSameEachTimeAndABandInText() throws IOException {
        String[] args = {"plan", "--fleet", EXAMPLES.resolve("xsa-108-small/fleet.yaml").toString(), "--advisory", ADVISORY,
            "--start", "2014-09-26T12:00:00Z", "--forecast", "40", "--tenants", "0.2,0.3", "--format", "json"};
        Cli r = Cli.run(args);
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("forecast 70 of 70 simulated campaigns");
        JsonNode f = new ObjectMapper().readTree(r.out()).get("forecast");
        assertThat(f.get("runs").asInt()).isEqualTo(40);
        assertThat(f.get("p50Seconds").asLong()).isPositive().isLessThanOrEqualTo(f.get("p90Seconds").asLong());
        assertThat(f.get("p90Seconds").asLong()).isLessThanOrEqualTo(f.get("p99Seconds").asLong());
        assertThat(f.get("probabilityMeetsDeadline").asDouble()).isBetween(0.0, 1.0);
        assertThat(f.get("whatIf")).hasSize(3).allSatisfy(w -> assertThat(w.get("runs").asInt()).isEqualTo(10));
        assertThat(Cli.run(args).out()).as("a function of its settings").isEqualTo(r.out());
        assertThat(f.get("expectedSeconds").asLong()).as("the forecast's tenants time the plan's expected duration")
                .isEqualTo(new ObjectMapper().readTree(r.out()).get("expected").get("makespanSeconds").asLong());

        args[args.length - 1] = "text";
        Cli text = Cli.run(args);
        assertThat(text.out()).contains("Forecast: 40 simulated campaigns (seeds 1-40; tenants 20% early, 30% rescheduling",
                "finishes before it in", "best change");
        Cli bad = Cli.run("plan", "--fleet", EXAMPLES.resolve("xsa-108-small/fleet.yaml").toString(), "--advisory", ADVISORY,
                "--forecast", "-3");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--forecast must be 0 (none) to 100000 runs");
        assertThat(bad.out()).isEmpty();
    }

    /**
     * The plan's expected duration: its own prediction when no tenant reschedules, longer the more do,
     * with the slack it leaves; in JSON and in text.
     */
    @Test
    void aPlanSaysHowLongItIsExpectedToTakeWithItsTenants() throws IOException {
        java.util.function.Function<String, JsonNode> plan = tenants -> {
            Cli r = Cli.run("plan", "--fleet", EXAMPLES.resolve("xsa-108-small/fleet.yaml").toString(), "--advisory", ADVISORY,
                    "--start", "2014-09-26T12:00:00Z", "--tenants", tenants, "--format", "json");
            assertThat(r.exitCode()).as(r.err()).isZero();
            try {
                return new ObjectMapper().readTree(r.out());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        JsonNode passive = plan.apply("0,0");
        long scheduled = passive.get("summary").get("makespanSeconds").asLong();
        assertThat(passive.get("expected").get("makespanSeconds").asLong()).isEqualTo(scheduled);
        JsonNode some = plan.apply("0.1,0.05");
        JsonNode many = plan.apply("0.1,0.3");
        long e5 = some.get("expected").get("makespanSeconds").asLong();
        long e30 = many.get("expected").get("makespanSeconds").asLong();
        assertThat(e5).as("rescheduling tenants push the end out").isGreaterThan(scheduled + 3_600);
        assertThat(e30).isGreaterThan(e5);
        assertThat(many.get("expected").get("deadlineSlackSeconds").asLong()).isEqualTo(5 * 86_400 - e30);
        assertThat(many.get("expected").get("tenants").get("reschedule").asDouble()).isEqualTo(0.3);
        assertThat(many.get("steps")).as("the schedule is the same plan").isEqualTo(passive.get("steps"));

        Cli text = Cli.run("plan", "--fleet", EXAMPLES.resolve("xsa-108-small/fleet.yaml").toString(), "--advisory", ADVISORY,
                "--start", "2014-09-26T12:00:00Z", "--tenants", "0.1,0.3");
        assertThat(text.out()).contains("(" + scheduled + " s), as scheduled", "expected", "(" + e30 + " s) with 30% of tenants rescheduling");
    }

    /** {@code --model FILE}: a model as GET /v1/model shows it times the forecast; a file that is no model is refused. */
    @Test
    void aLearnedModelTimesTheForecast() throws IOException {
        Path model = tmp.resolve("model.json");
        Files.writeString(model, """
                {"version": 1, "campaigns": 1, "model": {"campaigns": 1, "patchSecondsByHostModel": {},
                 "rebootSecondsByHostModel": {"*": {"n": 1, "sum": 36000}}, "migrationSecondsPerGiB": {"n": 0, "sum": 0},
                 "restartSeconds": {"n": 0, "sum": 0}, "notices": 0, "early": 0, "rescheduled": 0}}
                """);
        List<String> args = List.of("plan", "--fleet", EXAMPLES.resolve("xsa-108-small/fleet.yaml").toString(), "--advisory",
                ADVISORY, "--start", "2014-09-26T12:00:00Z", "--forecast", "20", "--no-what-if", "--format", "json");
        JsonNode plain = new ObjectMapper().readTree(Cli.run(args.toArray(String[]::new)).out()).get("forecast");
        List<String> withModel = new java.util.ArrayList<>(args);
        withModel.addAll(List.of("--model", model.toString()));
        Cli r = Cli.run(withModel.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode learnt = new ObjectMapper().readTree(r.out()).get("forecast");
        assertThat(learnt.get("p50Seconds").asLong()).as("two reboots of ten hours instead of five minutes")
                .isGreaterThan(plain.get("p50Seconds").asLong() + 2 * 35_000);

        Files.writeString(model, "[1, 2]");
        Cli bad = Cli.run(withModel.toArray(String[]::new));
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains(model + ": not a model as GET /v1/model shows it");
        assertThat(bad.out()).isEmpty();
    }

    @Test
    void naiveStrategyIsAvailableForComparison() {
        Cli r = Cli.run("plan", "--fleet", EXAMPLES.resolve("all-affected-none-empty/fleet.yaml").toString(), "--advisory",
                ADVISORY, "--strategy", "naive");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("(strategy naive)");
    }

    @Test
    void invalidInputExitsWithTwoAndNamesFileLineAndField() throws IOException {
        Path bad = tmp.resolve("bad.yaml");
        Files.writeString(bad, """
                ferry: fleet/v1
                hosts:
                  - { id: h1, zone: az1, cpus: 0, memoryMiB: 1024, hypervisor: x, cpuModel: m }
                instances:
                  - { id: i1, tenant: t, host: nowhere, cpus: 1, memoryMiB: 1 }
                """);
        Cli r = Cli.run("plan", "--fleet", bad.toString(), "--advisory", ADVISORY);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains(bad + ":3:").contains("hosts[0].cpus").contains("out of range")
                .contains("nothing was done");
    }

    @Test
    void unknownOptionsAndStrategiesAreRefusedWithHelp() {
        assertThat(Cli.run("plan", "--fleet", "x", "--advisory", "y", "--strategy", "fast").exitCode()).isEqualTo(2);
        Cli r = Cli.run("plan", "--flet", "x");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--help");
    }

    /**
     * The first thing a newcomer reads: every command on one line with a summary that stands on its
     * own, in groups by what it needs; and a word that is no command is an error (exit 2) even beside
     * {@code --help}, naming the word and the closest commands, with nothing on standard output.
     */
    @Test
    void theTopLevelHelpListsEveryCommandOnOneLineInGroupsAndAnUnknownCommandIsAnError() {
        Cli help = Cli.run("--help");
        assertThat(help.exitCode()).isZero();
        List<String> lines = help.out().lines().toList();
        for (var group : Main.GROUPS.entrySet()) {
            assertThat(lines).contains(group.getKey() + ":");
            for (String name : group.getValue()) {
                assertThat(lines).as(name).anySatisfy(l -> assertThat(l).matches("  " + name + " +[A-Z].*\\.$"));
            }
        }
        assertThat(lines).as("no summary wraps onto a line of its own").noneMatch(l -> l.startsWith("              "));

        for (String[] argv : new String[][] {{"some-unknown-word", "--help"}, {"some-unknown-word"}}) {
            Cli r = Cli.run(argv);
            assertThat(r.exitCode()).as(String.join(" ", argv)).isEqualTo(2);
            assertThat(r.out()).isEmpty();
            assertThat(r.err()).startsWith("error: 'some-unknown-word' is not a ferry command").contains("ferry --help");
        }
        Cli typo = Cli.run("pln", "--help");
        assertThat(typo.exitCode()).isEqualTo(2);
        assertThat(typo.err()).contains("did you mean plan");
        Cli extra = Cli.run("plan", "extra", "--help");
        assertThat(extra.exitCode()).isEqualTo(2);
        assertThat(extra.err()).contains("ferry plan takes no argument 'extra'");
    }

    @Test
    void aConfigFileWithAnUnknownKeyOrNoFileIsInvalidInputAndTheVersionIsPrinted() throws Exception {
        Path config = java.nio.file.Files.writeString(tmp.resolve("agent.properties"), "host-id = h1\nprot = 1\n");
        Cli bad = Cli.run("agent", "--config", config.toString());
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).startsWith("error: " + config + ": unknown key 'prot' for ferry agent").contains("port, ");
        Cli none = Cli.run("server", "--config=" + tmp.resolve("missing.properties"));
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.err()).isEqualTo("error: no such config file: " + tmp.resolve("missing.properties") + System.lineSeparator());
        assertThat(Cli.run("--version").out()).startsWith("ferry ");
    }

    @Test
    void generateLeavesNothingBehindWhenItCannotStart() {
        Path out = tmp.resolve("never.yaml");
        Cli r = Cli.run("fleet", "generate", "--hosts", "10", "--affected-share", "1.5", "-o", out.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(out).doesNotExist();
        assertThat(tmp.toFile().list()).isEmpty();
    }

    @Test
    void demoPlansBothStrategiesAndWritesTheFiles() {
        Cli r = Cli.run("demo", "--hosts", "120", "--out", tmp.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("planning with ferry").contains("planning with naive").contains("Comparison")
                .contains("simulated both campaigns").doesNotContain("VIOLATIONS");
        assertThat(tmp.resolve("fleet.yaml")).exists();
        assertThat(tmp.resolve("report.html")).exists();
        assertThat(tmp.resolve("plan-fleet-ferry.json")).exists();
        assertThat(tmp.resolve("plan-fleet-all-affected-naive.json")).exists();
    }

    /**
     * The demo on its defaults prints the comparison it printed before typed facts and the shared
     * admission code (demo-comparison.txt): the same plans, the same simulated campaigns.
     */
    @Test
    void theDefaultDemoPrintsTheSameComparisonAsBefore() throws Exception {
        Cli r = Cli.run("demo", "--out", tmp.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        String expected;
        try (var in = CommandsTest.class.getResourceAsStream("/demo-comparison.txt")) {
            expected = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        String out = r.out();
        String table = out.substring(out.indexOf("Comparison"), out.indexOf("\n", out.indexOf("simulated hypervisors")) + 1);
        assertThat(table).isEqualTo(expected);
    }

    /** Streaming: 100,000 hosts (about two million instances) generated in a JVM limited to 128 MiB of heap. */
    @Test
    void generatingAHundredThousandHostsFitsInASmallHeap() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "fleet", "generate", "--hosts", "100000", "--seed", "1"))
                .redirectOutput(Redirect.DISCARD).redirectError(tmp.resolve("err").toFile()).start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(tmp.resolve("err"))).isZero();
    }

    @Test
    void labAndAgentRefuseBadOptionsBeforeStartingAnything() {
        Cli lab = Cli.run("lab", "--hosts", "2", "--affected", "2", "--dir", tmp.resolve("lab").toString());
        assertThat(lab.exitCode()).isEqualTo(2);
        assertThat(lab.err()).contains("1 ≤ affected < hosts");
        assertThat(Files.exists(tmp.resolve("lab"))).isFalse();
        Cli noQemu = Cli.run("lab", "--qemu", tmp.resolve("no-such-qemu").toString(), "--dir", tmp.resolve("lab").toString());
        assertThat(noQemu.exitCode()).isEqualTo(2);
        assertThat(noQemu.err()).contains("qemu-system-x86", "is not an executable");
        assertThat(Files.exists(tmp.resolve("lab"))).isFalse();
        Cli agent = Cli.run("agent", "--host-id", "../etc", "--data", tmp.resolve("agent").toString());
        assertThat(agent.exitCode()).isEqualTo(2);
        assertThat(agent.err()).contains("--host-id");
        assertThat(Files.exists(tmp.resolve("agent"))).isFalse();
        assertThat(Cli.run("agent", "--help").out()).contains("re-adopts", "--host-id");
    }
}
