package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Every directory under examples/ is a scenario: fleet.yaml, advisory.yaml, optional policy.yaml,
 * and expect.yaml with the outcome. The plan goes through the real CLI (JSON output).
 */
class ExamplesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Path> examples() throws IOException {
        Path root = Path.of(System.getProperty("ferry.examples", "../examples"));
        try (Stream<Path> dirs = Files.list(root)) {
            List<Path> list = dirs.filter(d -> Files.exists(d.resolve("expect.yaml"))).sorted().toList();
            assertThat(list).hasSizeGreaterThanOrEqualTo(8);
            return list.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    @SuppressWarnings("unchecked")
    void exampleHasItsExpectedOutcome(Path dir) throws IOException {
        Map<String, Object> expect = (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(dir.resolve("expect.yaml")));
        List<String> args = new ArrayList<>(List.of("plan", "--fleet", dir.resolve("fleet.yaml").toString(),
                "--advisory", dir.resolve("advisory.yaml").toString(), "--format", "json",
                "--start", String.valueOf(expect.get("start"))));
        if (Files.exists(dir.resolve("policy.yaml"))) {
            args.addAll(List.of("--policy", dir.resolve("policy.yaml").toString()));
        }
        Cli result = Cli.run(args.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.err()).isEqualTo(expect.get("exitCode"));
        JsonNode plan = JSON.readTree(result.out());
        assertThat(plan.get("ferry").asText()).isEqualTo("plan/v1");
        assertThat(plan.get("feasible").asBoolean()).isEqualTo(expect.get("feasible"));

        Map<String, Object> summary = (Map<String, Object>) expect.getOrDefault("summary", Map.of());
        summary.forEach((key, value) -> assertThat(plan.get("summary").get(key).asDouble()).as("summary." + key)
                .isEqualTo(((Number) value).doubleValue()));

        List<String> reasons = new ArrayList<>();
        plan.get("reasons").forEach(r -> reasons.add(r.asText()));
        for (String s : (List<String>) expect.getOrDefault("reasonsContain", List.of())) {
            assertThat(String.join("\n", reasons)).as("reasons").contains(s);
        }
        List<String> moveReasons = new ArrayList<>();
        plan.get("steps").forEach(st -> st.get("moves").forEach(m -> {
            if (m.has("reason")) {
                moveReasons.add(m.get("reason").asText());
            }
        }));
        for (String s : (List<String>) expect.getOrDefault("moveReasonsContain", List.of())) {
            assertThat(moveReasons).as("move reasons").anySatisfy(r -> assertThat(r).contains(s));
        }
        List<String> skipped = new ArrayList<>();
        plan.get("skippedHosts").forEach(s -> skipped.add(s.get("host").asText()));
        assertThat(skipped).containsExactlyElementsOf((List<String>) expect.getOrDefault("skippedHosts", List.of()));
        Map<String, Object> first = (Map<String, Object>) expect.get("firstStep");
        if (first != null) {
            JsonNode step = plan.get("steps").get(0);
            assertThat(step.get("host").asText()).isEqualTo(first.get("host"));
            assertThat(step.get("start").asLong()).isEqualTo(((Number) first.get("start")).longValue());
        }
    }
}
