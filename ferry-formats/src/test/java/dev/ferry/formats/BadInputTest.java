package dev.ferry.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ferry.core.model.Fleet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad inventory is refused before anything happens, naming file, line and field. */
class BadInputTest {
    private static final String HOST = "  - { id: h1, zone: az1, cpus: 16, memoryMiB: 65536, hypervisor: xen-4.4.0, cpuModel: skylake }\n";

    @TempDir
    Path tmp;

    private Path file(String name, String content) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    private List<Problem> fleetProblems(String content) throws IOException {
        return fleetProblems("fleet.yaml", content);
    }

    private List<Problem> fleetProblems(String name, String content) throws IOException {
        Path p = file(name, content);
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> new FleetReader().read(p));
        assertThat(e).as("expected the fleet to be refused").isNotNull();
        assertThat(e.problems()).allSatisfy(pr -> assertThat(pr.file()).isEqualTo(p.toString()));
        return e.problems();
    }

    private static void assertProblem(List<Problem> problems, int line, String field, String message) {
        assertThat(problems).as(problems.toString()).anySatisfy(p -> {
            assertThat(p.line()).isEqualTo(line);
            assertThat(p.field()).isEqualTo(field);
            assertThat(p.message()).contains(message);
        });
    }

    @Test
    void aValidFleetIsRead() throws Exception {
        Fleet f = new FleetReader().read(file("ok.yaml", "ferry: fleet/v1\nhosts:\n" + HOST
                + "instances:\n  - { id: i1, tenant: t, host: h1, cpus: 2, memoryMiB: 2048 }\n"));
        assertThat(f.hosts()).hasSize(1);
        assertThat(f.instances()).hasSize(1);
    }

    @Test
    void malformedYamlNamesTheLine() throws IOException {
        List<Problem> p = fleetProblems("ferry: fleet/v1\nhosts:\n  - id: h1\n   zone: az1\n");
        assertThat(p).hasSize(1);
        assertThat(p.get(0).line()).isEqualTo(4);
        assertThat(p.get(0).message()).startsWith("malformed YAML");
    }

    @Test
    void truncatedFilesAreRefused() throws IOException {
        assertThat(fleetProblems("ferry: fleet/v1\nhosts:\n  - { id: h1, zone: az1, cpus: 16").get(0).message())
                .startsWith("malformed YAML");
        List<Problem> json = fleetProblems("fleet.json", "{\"ferry\": \"fleet/v1\", \"hosts\": [\n {\"id\": \"h1\",");
        assertThat(json.get(0).message()).startsWith("malformed JSON");
        assertThat(json.get(0).line()).isEqualTo(2);
    }

    @Test
    void truncatedBlockYamlShowsAsMissingFields() throws IOException {
        List<Problem> p = fleetProblems("ferry: fleet/v1\nhosts:\n  - id: h1\n    zone: az1\n    cpus: 16\n");
        assertProblem(p, 3, "hosts[0].memoryMiB", "required field is missing");
        assertProblem(p, 3, "hosts[0].hypervisor", "required field is missing");
    }

    @Test
    void duplicateKeysAreRefusedInYamlAndJson() throws IOException {
        assertProblem(fleetProblems("ferry: fleet/v1\nhosts:\n  - id: h1\n    id: h2\n    zone: a\n"), 4, "hosts[0].id",
                "duplicate key (first at line 3)");
        assertProblem(fleetProblems("ferry: fleet/v1\nferry: fleet/v1\n"), 2, "ferry", "duplicate key");
        assertProblem(fleetProblems("f.json", "{\"ferry\": \"fleet/v1\",\n \"ferry\": \"fleet/v1\"}"), 2, "ferry",
                "duplicate key");
    }

    @Test
    void aliasBombsAreRefusedAtTheFirstAnchor() throws IOException {
        StringBuilder bomb = new StringBuilder("ferry: fleet/v1\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        char prev = 'a';
        for (char c = 'b'; c <= 'j'; c++) {
            bomb.append(c).append(": &").append(c).append(" [*").append(prev).append(",*").append(prev).append(",*")
                    .append(prev).append(",*").append(prev).append("]\n");
            prev = c;
        }
        List<Problem> p = fleetProblems(bomb.toString());
        assertThat(p).hasSize(1);
        assertThat(p.get(0).message()).contains("anchors (&a) are not allowed");
        assertThat(p.get(0).line()).isEqualTo(2);
    }

    @Test
    void globalAndJavaTagsAreRefused() throws IOException {
        assertThat(fleetProblems("ferry: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL [\"http://x\"]]]]\n")
                .get(0).message()).contains("tags (tag:yaml.org,2002:javax.script.ScriptEngineManager) are not allowed");
        assertThat(fleetProblems("ferry: fleet/v1\nhosts: !<tag:example.com,2000:host> []\n").get(0).message())
                .contains("tags (tag:example.com,2000:host) are not allowed");
    }

    @Test
    void filesOverTheSizeLimitAreNotEvenParsed() throws IOException {
        Path p = file("big.yaml", "ferry: fleet/v1\n" + "# padding\n".repeat(200));
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> new FleetReader(1000).read(p));
        assertThat(e.problems().get(0).message()).contains("over the limit of 1000 bytes");
    }

    @Test
    void aFileOfExactlyTheLimitIsRead() throws Exception {
        String content = "ferry: fleet/v1\nhosts:\n" + HOST;
        Path p = file("exact.yaml", content);
        assertThat(new FleetReader(Files.size(p)).read(p).hosts()).hasSize(1);
    }

    @Test
    void emptyFilesAndWrongHeadersAreRefused() throws IOException {
        assertThat(fleetProblems("").get(0).message()).isEqualTo("file is empty");
        assertProblem(fleetProblems("ferry: fleet/v2\n"), 1, "ferry", "expected 'fleet/v1', got 'fleet/v2'");
        assertProblem(fleetProblems("hosts: []\n"), 1, "ferry", "missing header");
        assertThat(fleetProblems("- a\n- b\n").get(0).message()).contains("top level must be a mapping");
        assertThat(fleetProblems("ferry: fleet/v1\n---\nferry: fleet/v1\n").get(0).message()).contains("one YAML document");
    }

    @Test
    void invalidUtf8IsRefused() throws IOException {
        Path p = tmp.resolve("latin1.yaml");
        Files.write(p, "ferry: fleet/v1\nhosts:\n  - { id: h\u00e9 }\n".getBytes(StandardCharsets.ISO_8859_1));
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> new FleetReader().read(p));
        assertThat(e.problems().get(0).message()).contains("UTF-8");
    }

    @Test
    void duplicateAndConfusableIdsAreRefused() throws IOException {
        List<Problem> p = fleetProblems("ferry: fleet/v1\nhosts:\n" + HOST + HOST + HOST.replace("h1", "H1"));
        assertProblem(p, 4, "hosts[1].id", "duplicate host id 'h1' (first at line 3)");
        assertProblem(p, 5, "hosts[2].id", "host id 'H1' is confusable with 'h1' (line 3)");
        assertProblem(fleetProblems("ferry: fleet/v1\nhosts:\n  - { id: \"h 1\", zone: a, cpus: 1, memoryMiB: 1, hypervisor: x, cpuModel: m }\n"),
                3, "hosts[0].id", "not a valid id");
    }

    @Test
    void danglingReferencesAreRefused() throws IOException {
        List<Problem> p = fleetProblems("ferry: fleet/v1\nhosts:\n" + HOST + """
                instances:
                  - { id: i1, tenant: acme, host: h9, cpus: 1, memoryMiB: 1 }
                  - { id: i2, tenant: acme, host: h1, cpus: 1, memoryMiB: 1, group: nope }
                  - { id: i3, tenant: acme, host: h1, cpus: 1, memoryMiB: 1, group: g1 }
                  - { id: i4, tenant: ghost, host: h1, cpus: 1, memoryMiB: 1 }
                groups:
                  - { id: g1, tenant: globex, antiAffinity: host, maxUnavailable: 1 }
                tenants:
                  - { id: acme }
                  - { id: globex }
                """);
        assertProblem(p, 5, "instances.i1.host", "unknown host 'h9'");
        assertProblem(p, 6, "instances.i2.group", "unknown group 'nope'");
        assertProblem(p, 7, "instances.i3.group", "group 'g1' belongs to tenant 'globex', not to 'acme'");
        assertProblem(p, 8, "instances.i4.tenant", "unknown tenant 'ghost'");
    }

    @Test
    void badNumbersAreRefusedEachWithItsField() throws IOException {
        List<Problem> p = fleetProblems("""
                ferry: fleet/v1
                hosts:
                  - { id: h1, zone: a, cpus: -1, memoryMiB: 0, hypervisor: x, cpuModel: m }
                  - { id: h2, zone: a, cpus: 99999999999999999999, memoryMiB: 1.5, hypervisor: x, cpuModel: m, cpuAllocationRatio: .nan }
                  - { id: h3, zone: a, cpus: "16", memoryMiB: 1024, hypervisor: x, cpuModel: m, cpuAllocationRatio: 0.5, liveMigration: yes }
                instances:
                  - { id: i1, tenant: t, host: h3, cpus: 1, memoryMiB: 1, dirtyRateMiBps: .inf }
                """);
        assertProblem(p, 3, "hosts[0].cpus", "-1 is out of range");
        assertProblem(p, 3, "hosts[0].memoryMiB", "0 is out of range");
        assertProblem(p, 4, "hosts[1].cpus", "out of range");
        assertProblem(p, 4, "hosts[1].memoryMiB", "expected a whole number, got '1.5'");
        assertProblem(p, 4, "hosts[1].cpuAllocationRatio", "expected a number, got '.nan'");
        assertProblem(p, 5, "hosts[2].cpus", "expected a whole number, got '16'");
        assertProblem(p, 5, "hosts[2].cpuAllocationRatio", "0.5 is out of range");
        assertProblem(p, 5, "hosts[2].liveMigration", "expected true or false, got 'yes'");
        assertProblem(p, 7, "instances[0].dirtyRateMiBps", "expected a number, got '.inf'");
    }

    @Test
    void instancesLargerThanTheirHostAndOverfullHostsAreRefused() throws IOException {
        List<Problem> p = fleetProblems("ferry: fleet/v1\nhosts:\n" + HOST + HOST.replace("h1", "h2") + """
                instances:
                  - { id: i1, tenant: t, host: h1, cpus: 32, memoryMiB: 1024 }
                  - { id: i2, tenant: t, host: h2, cpus: 8, memoryMiB: 40000 }
                  - { id: i3, tenant: t, host: h2, cpus: 8, memoryMiB: 40000 }
                """);
        assertProblem(p, 6, "instances.i1", "larger than its host h1");
        assertProblem(p, 4, "hosts.h2", "over capacity: its instances need 16.0 cpus / 80000 MiB");
    }

    @Test
    void windowsThatMakeNoSenseAreRefused() throws IOException {
        List<Problem> p = fleetProblems("""
                ferry: fleet/v1
                tenants:
                  - { id: a, window: { days: [sat, sat], start: "02:00", hours: 0 } }
                  - { id: b, window: { days: [], start: "25:00", hours: 6 } }
                  - { id: c, window: { days: [funday], start: "02:00", hours: 200 } }
                """);
        assertProblem(p, 3, "tenants[0].window.days", "listed twice");
        assertProblem(p, 3, "tenants[0].window.hours", "0 is out of range (1 to 168)");
        assertProblem(p, 4, "tenants[1].window.days", "at least one day");
        assertProblem(p, 4, "tenants[1].window.start", "expected a time of day HH:MM");
        assertProblem(p, 5, "tenants[2].window.days", "expected a day");
        assertProblem(p, 5, "tenants[2].window.hours", "200 is out of range");
    }

    @Test
    void unknownFieldsAreTyposWithASuggestion() throws IOException {
        List<Problem> p = fleetProblems("ferry: fleet/v1\nhosts:\n"
                + "  - { id: h1, zone: a, cpus: 1, memoryMB: 1024, memoryMiB: 1024, hypervisor: x, cpuModel: m }\n"
                + "instancs: []\n");
        assertProblem(p, 3, "hosts[0].memoryMB", "unknown field (did you mean 'memoryMiB'?)");
        assertProblem(p, 4, "instancs", "unknown top-level field");
    }

    @Test
    void manyProblemsAreReportedInOneRun() throws IOException {
        List<Problem> p = fleetProblems("""
                ferry: fleet/v1
                hosts:
                  - { id: h1, zone: a, cpus: 0, memoryMiB: 1, hypervisor: x, cpuModel: m }
                  - { id: h2, zone: a, cpus: 1, memoryMiB: -5, hypervisor: x, cpuModel: m }
                  - { id: h3, zone: a, cpus: 1, memoryMiB: 1, hypervisor: x, cpuModel: m, colour: red }
                """);
        assertThat(p).extracting(Problem::line).containsExactly(3, 4, 5);
    }

    @Test
    void deeplyNestedDocumentsAreRefused() throws IOException {
        assertThat(fleetProblems("ferry: fleet/v1\nx: " + "[".repeat(50) + "]".repeat(50) + "\n").get(0).message())
                .contains("nested deeper than");
    }

    @Test
    void advisoryAndPolicyAreStrictToo() throws Exception {
        Path adv = file("advisory.yaml", """
                ferry: advisory/v1
                id: XSA-1
                affects:
                  - { hypervisor: "xen-[4", cpuModl: "*" }
                disclosure: next tuesday
                """);
        InvalidInputException a = catchThrowableOfType(InvalidInputException.class, () -> new AdvisoryReader().read(adv));
        assertProblem(a.problems(), 4, "affects[0].hypervisor", "unclosed [");
        assertProblem(a.problems(), 4, "affects[0].cpuModl", "did you mean 'cpuModel'?");
        assertProblem(a.problems(), 5, "disclosure", "expected an ISO-8601 time");

        Path pol = file("policy.yaml", """
                ferry: policy/v1
                maxHostsPerZone: -2
                liveMigration: { perHost: 0, onTimeout: retry, bandwidthMibps: 10 }
                onCanaryFailure: ignore
                """);
        InvalidInputException b = catchThrowableOfType(InvalidInputException.class, () -> new PolicyReader().read(pol));
        assertProblem(b.problems(), 2, "maxHostsPerZone", "-2 is out of range");
        assertProblem(b.problems(), 3, "liveMigration.perHost", "0 is out of range");
        assertProblem(b.problems(), 3, "liveMigration.onTimeout", "'retry' is not one of abort | postcopy | restart");
        assertProblem(b.problems(), 3, "liveMigration.bandwidthMibps", "did you mean 'bandwidthMiBps'?");
        assertProblem(b.problems(), 4, "onCanaryFailure", "'ignore' is not one of halt | continue");
        Path ok = file("continue.yaml", "ferry: policy/v1\nonCanaryFailure: continue\n");
        assertThat(new PolicyReader().read(ok).onCanaryFailure()).isEqualTo(dev.ferry.core.model.OnCanaryFailure.CONTINUE);
        assertThat(dev.ferry.core.model.Policy.DEFAULTS.onCanaryFailure()).isEqualTo(dev.ferry.core.model.OnCanaryFailure.HALT);
    }

    @Test
    void aPolicysHealthGateMigrationPoliciesAndFallbackAreReadStrictly() throws Exception {
        Path bad = file("gate.yaml", """
                ferry: policy/v1
                haltOnFailedMoves: { percent: 0, windowMinuts: 5 }
                migrationPolicies:
                  - { group: db, tenant: t1 }
                  - { tenant: t2, postCopy: maybe, maxDowntimeMs: 0 }
                  - nothing
                announceFallback: sometimes
                noticeHours: -0.5
                """);
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> new PolicyReader().read(bad));
        assertProblem(e.problems(), 8, "noticeHours", "out of range");
        assertProblem(e.problems(), 2, "haltOnFailedMoves.percent", "0 is out of range (1 to 100)");
        assertProblem(e.problems(), 2, "haltOnFailedMoves.windowMinuts", "did you mean 'windowMinutes'?");
        assertProblem(e.problems(), 4, "migrationPolicies[0]", "by group or by tenant (one of them)");
        assertProblem(e.problems(), 5, "migrationPolicies[1].postCopy", "");
        assertProblem(e.problems(), 5, "migrationPolicies[1].maxDowntimeMs", "0 is out of range");
        assertProblem(e.problems(), 6, "migrationPolicies[2]", "expected a mapping");
        assertProblem(e.problems(), 7, "announceFallback", "");

        Path ok = file("gate-ok.yaml", """
                ferry: policy/v1
                haltOnFailedMoves: off
                announceFallback: false
                noticeHours: 0.5
                migrationPolicies:
                  - { group: db, maxDowntimeMs: 50, postCopy: false }
                """);
        dev.ferry.core.model.Policy p = new PolicyReader().read(ok);
        assertThat(p.haltOnFailedMoves()).isNull();
        assertThat(p.announceFallback()).isFalse();
        assertThat(p.notice()).as("a decimal number of hours").isEqualTo(java.time.Duration.ofMinutes(30));
        assertThat(p.migrationPolicies()).containsExactly(new dev.ferry.core.model.MigrationPolicy("db", null,
                java.time.Duration.ofMillis(50), null, null, false));
        Path defaults = file("gate-defaults.yaml", "ferry: policy/v1\nhaltOnFailedMoves: { minMoves: 4 }\n");
        assertThat(new PolicyReader().read(defaults).haltOnFailedMoves()).isEqualTo(new dev.ferry.core.model.FailedMoveHalt(50, 4,
                java.time.Duration.ofHours(1)));
    }

    @Test
    void anAdvisoryMayFixEachBranchAndEveryEntryIsChecked() throws Exception {
        Path adv = file("branches.yaml", """
                ferry: advisory/v1
                id: XSA-108
                affects:
                  - { hypervisor: "xen-4.[0-4].*" }
                fixedVersion:
                  - { branch: "xen-4.4.*", version: xen-4.4.1 }
                  - { branch: "xen-4.3.*", version: xen-4.3.3 }
                requiresReboot: true
                """);
        var a = new AdvisoryReader().read(adv);
        assertThat(a.fixedIn()).hasSize(2);
        assertThat(a.fixedVersion()).as("the newest fix, for hosts on other branches").isEqualTo("xen-4.4.1");
        var host = (java.util.function.Function<String, dev.ferry.core.model.Host>) v -> new dev.ferry.core.model.Host("h", "z", "r",
                8, 8192, 1.0, v, "skylake", true, dev.ferry.core.model.HostState.ACTIVE, null);
        assertThat(a.fixedVersionFor(host.apply("xen-4.3.2"))).isEqualTo("xen-4.3.3");
        assertThat(a.fixedVersionFor(host.apply("xen-4.2.5"))).isEqualTo("xen-4.4.1");
        assertThat(a.affects(host.apply("xen-4.3.2"))).isTrue();
        assertThat(a.affects(host.apply("xen-4.3.3"))).as("its branch's fix").isFalse();
        assertThat(a.affects(host.apply("xen-4.3.4"))).as("newer on its branch").isFalse();
        assertThat(a.affects(host.apply("xen-4.4.0"))).isTrue();
        assertThat(a.affects(host.apply("xen-4.4.2"))).isFalse();

        Path bad = file("bad-branches.yaml", """
                ferry: advisory/v1
                id: XSA-108
                affects:
                  - { hypervisor: "xen-4.*" }
                fixedVersion:
                  - { branch: "xen-4.[4", version: xen-4.4.1 }
                  - { branch: "xen-4.3.*" }
                requiresReboot: true
                """);
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> new AdvisoryReader().read(bad));
        assertProblem(e.problems(), 6, "fixedVersion[0].branch", "unclosed [");
        assertProblem(e.problems(), 7, "fixedVersion[1].version", "required");
    }

    @Test
    void missingFilesAreReported() {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class,
                () -> new FleetReader().read(tmp.resolve("nope.yaml")));
        assertThat(e.problems().get(0).message()).isEqualTo("no such file");
    }
}
