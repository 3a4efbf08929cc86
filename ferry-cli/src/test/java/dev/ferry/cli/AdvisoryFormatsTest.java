package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ferry plan --advisory} with XSA-108 as CSAF 2.0, OSV and CVE JSON 5 (the files beside the
 * example's advisory.yaml, told apart by content): the same plan as the advisory/v1; a broken
 * document exits 2 naming where, with nothing written.
 */
class AdvisoryFormatsTest {
    private static final Path EXAMPLE = Path.of(System.getProperty("ferry.examples", "../examples")).resolve("xsa-108-small");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static Cli plan(Path advisory, String... more) {
        List<String> args = new ArrayList<>(List.of("plan", "--fleet", EXAMPLE.resolve("fleet.yaml").toString(), "--advisory",
                advisory.toString(), "--start", "2014-09-26T12:00:00Z"));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    private static List<String> hosts(Cli c) throws Exception {
        List<String> hosts = new ArrayList<>();
        JSON.readTree(c.out()).get("steps").forEach(s -> hosts.add(s.get("host").asText()));
        return hosts;
    }

    @ParameterizedTest
    @ValueSource(strings = {"advisory.csaf.json", "advisory.osv.json", "advisory.cve.json"})
    void aStandardAdvisoryPlansTheSameHostsAsItsAdvisoryV1(String file) throws Exception {
        Cli v1 = plan(EXAMPLE.resolve("advisory.yaml"), "--format", "json");
        Cli standard = plan(EXAMPLE.resolve(file), "--format", "json");
        assertThat(standard.exitCode()).as(standard.err()).isZero();
        assertThat(hosts(standard)).isEqualTo(hosts(v1)).containsExactlyInAnyOrder("h-a1", "h-b1");
        JsonNode a = JSON.readTree(v1.out()).get("summary");
        JsonNode b = JSON.readTree(standard.out()).get("summary");
        assertThat(b.get("makespanSeconds")).isEqualTo(a.get("makespanSeconds"));
        assertThat(b.get("deadlineSlackSeconds")).as("the same disclosure").isEqualTo(a.get("deadlineSlackSeconds"));
    }

    @Test
    void brokenStandardAdvisoriesExit2WithTheirPosition() throws Exception {
        String csaf = Files.readString(EXAMPLE.resolve("advisory.csaf.json"));
        Path noStatus = Files.writeString(dir.resolve("no-status.json"), csaf.replace("\"product_status\"", "\"status\""));
        // an unknown CPE form, and no usable version branch above the product to fall back on
        Path badCpe = Files.writeString(dir.resolve("bad-cpe"), csaf.replace("cpe:2.3:o:xen:xen:4.4.0:*:*:*:*:*:*:*", "xen 4.4.0")
                .replace("\"name\": \"4.4.0\"", "\"name\": \"latest\""));
        String osv = Files.readString(EXAMPLE.resolve("advisory.osv.json"));
        Path cut = Files.writeString(dir.resolve("cut.json"), osv.substring(0, osv.indexOf("\"ranges\"")));
        for (Path bad : List.of(noStatus, badCpe, cut)) {
            Cli c = plan(bad, "--format", "json");
            assertThat(c.exitCode()).as(c.err()).isEqualTo(2);
            assertThat(c.err()).startsWith("error: " + bad + ":").contains("nothing was done");
            assertThat(c.out()).as("no plan").isEmpty();
        }
        assertThat(plan(noStatus).err()).contains("vulnerabilities[0].product_status: required field is missing");
        assertThat(plan(badCpe).err()).contains("'XEN-4.4.0'", "unknown form");
        assertThat(plan(cut).err()).contains("malformed JSON");
    }
}
