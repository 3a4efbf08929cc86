package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulateCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADVISORY = Path.of(System.getProperty("ferry.examples", "../examples"))
            .resolve("xsa-108-small/advisory.yaml").toString();

    @TempDir
    Path tmp;
    Path fleet;

    @BeforeEach
    void fleet() {
        fleet = tmp.resolve("fleet.yaml");
        assertThat(Cli.run("fleet", "generate", "--hosts", "120", "--seed", "4", "-o", fleet.toString()).exitCode()).isZero();
    }

    @Test
    void jsonSummaryHasWhatTheIssueAsksFor() throws IOException {
        Cli r = Cli.run("simulate", "--fleet", fleet.toString(), "--advisory", ADVISORY, "--format", "json", "--seed", "3");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode j = JSON.readTree(r.out());
        assertThat(j.fieldNames()).toIterable().contains("result", "makespanSeconds", "predictedMakespanSeconds",
                "lowerBoundSeconds", "hostsPatched", "liveMigrations", "relocations", "rebootsInPlace", "failedMigrations",
                "lostInstances", "invariantViolations", "events", "perTenant");
        assertThat(j.get("events").fieldNames()).toIterable().contains("noticed", "rescheduled", "tenantInitiated", "forced",
                "completed");
        assertThat(j.get("result").asText()).isEqualTo("completed");
        assertThat(j.get("invariantViolations")).isEmpty();
    }

    @Test
    void theSameSeedGivesTheSameCampaign() {
        Cli a = Cli.run("simulate", "--fleet", fleet.toString(), "--advisory", ADVISORY, "--format", "json", "--seed", "9",
                "--faults", "migration-fail=0.05,duplicate=0.05");
        Cli b = Cli.run("simulate", "--fleet", fleet.toString(), "--advisory", ADVISORY, "--format", "json", "--seed", "9",
                "--faults", "migration-fail=0.05,duplicate=0.05");
        assertThat(a.out()).isEqualTo(b.out());
    }

    @Test
    void reportAndHistoryAreWritten() throws Exception {
        Path report = tmp.resolve("r.html");
        Path history = tmp.resolve("h.jsonl");
        Cli r = Cli.run("simulate", "--fleet", fleet.toString(), "--advisory", ADVISORY, "--report", report.toString(),
                "--history", history.toString(), "--format", "json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        String html = Files.readString(report);
        assertThat(html).contains("<canvas id=\"vulnerable\"", "<canvas id=\"maintenance\"", "<canvas id=\"kinds\"",
                "<canvas id=\"tenants\"", "<canvas id=\"makespan\"", "Chart.js", "\"strategy\":\"naive\"");
        List<String> lines = Files.readAllLines(history);
        assertThat(lines.get(0)).isEqualTo("{\"ferry\":\"history/v2\"}");
        assertThat(lines).hasSize(1 + JSON.readTree(r.out()).get("historyRecords").asInt());
        assertThat(JSON.readTree(lines.get(1)).fieldNames()).toIterable().containsExactly("t", "actor", "fact", "campaign", "from",
                "to", "reason");
        // every line reads back typed, and the file alone is enough for the invariant checker
        var fleetRead = new dev.ferry.formats.FleetReader().read(fleet);
        var advisory = new dev.ferry.formats.AdvisoryReader().read(Path.of(ADVISORY));
        var checker = new dev.ferry.core.verify.InvariantChecker(new dev.ferry.core.planner.PlanningProblem(fleetRead, advisory,
                dev.ferry.core.model.Policy.DEFAULTS, java.time.Instant.EPOCH));
        lines.subList(1, lines.size()).forEach(l -> checker.accept(dev.ferry.formats.HistoryJson.parse(l)));
        assertThat(checker.finish()).isEmpty();
    }

    @Test
    void aCampaignThatHaltsExitsWithFour() throws IOException {
        Path policy = tmp.resolve("policy.yaml");
        Files.writeString(policy, "ferry: policy/v1\nhaltAfterFailures: 1\ncanaryHosts: 0\n");
        Cli r = Cli.run("simulate", "--fleet", fleet.toString(), "--advisory", ADVISORY, "--policy", policy.toString(),
                "--faults", "host-unpatched=1");
        assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(4);
        assertThat(r.out()).contains("halted").contains("haltAfterFailures 1");
    }

    @Test
    void badFaultSpecsAreRefused() {
        Cli r = Cli.run("simulate", "--fleet", fleet.toString(), "--advisory", ADVISORY, "--faults", "host-lots=0.1");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("unknown fault 'host-lots'");
        assertThat(Cli.run("simulate", "--fleet", fleet.toString(), "--advisory", ADVISORY, "--faults", "delay=2")
                .exitCode()).isEqualTo(2);
    }
}
