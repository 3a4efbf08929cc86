package dev.ferry.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.NaiveStrategy;
import dev.ferry.core.planner.Plan;
import dev.ferry.formats.HistoryJson;
import dev.ferry.formats.HistoryV1;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Typed facts changed how histories are written, not what the campaign does. The histories of
 * the DST scenarios as the runtime wrote them before history/v2 (v1: op and a sentence) are kept
 * under {@code history-v1/}: 64 whole histories, and the SHA-256 of all 500. Each seed is run again
 * and its v2 history, turned into v1 by the converter, must be the v1 history line for line, field
 * for field; and each stored v1 line must read into the fact that renders back to it.
 */
class HistoryV1GoldenTest {
    private static final Map<Long, String> HASHES = hashes();

    static LongStream storedSeeds() {
        List<Long> seeds = new ArrayList<>();
        for (long s = 0; s < 500; s++) {
            if (HistoryV1GoldenTest.class.getResource("/history-v1/seed-" + s + ".jsonl.gz") != null) {
                seeds.add(s);
            }
        }
        return seeds.stream().mapToLong(Long::longValue);
    }

    private static List<HistoryRecord> run(long seed) {
        Scenarios.Scenario s = Scenarios.of(seed);
        Plan plan = (s.naive() ? new NaiveStrategy() : new FerryStrategy()).plan(s.problem());
        return Simulation.run(s.problem(), plan, new Simulation.Options(seed, s.faults(), s.tenants(), true, true, null, null))
                .history();
    }

    private static List<String> asV1(List<HistoryRecord> history) {
        List<String> out = new ArrayList<>();
        for (HistoryRecord r : history) {
            HistoryV1.Line l = HistoryV1.line(r);
            if (l != null) {
                out.add(l.toJson());
            }
        }
        return out;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("storedSeeds")
    void theV2HistoryIsTheV1HistoryFieldForField(long seed) throws IOException {
        List<String> stored = stored(seed);
        List<String> now = asV1(run(seed));
        for (int k = 0; k < Math.min(stored.size(), now.size()); k++) {
            HistoryV1.Line want = HistoryV1.fields(stored.get(k));
            HistoryV1.Line got = HistoryV1.fields(now.get(k));
            assertThat(got).as("seed %d, line %d (stored %s)", seed, k + 1, stored.get(k)).isEqualTo(want);
        }
        assertThat(now).as("seed %d: lines", seed).hasSameSizeAs(stored);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("storedSeeds")
    void storedV1HistoriesLoadAsTypedFactsThatRenderBackTheSame(long seed) throws IOException {
        HistoryV1.Reader reader = new HistoryV1.Reader();
        for (String line : stored(seed)) {
            HistoryRecord r = reader.parse(line);
            assertThat(r.fact()).as(line).isNotInstanceOf(dev.ferry.core.history.Fact.Legacy.class);
            assertThat(HistoryV1.line(r).toJson()).isEqualTo(line);
            // and the typed fact survives history/v2 unchanged
            assertThat(HistoryJson.parse(HistoryJson.line(r))).isEqualTo(r);
        }
    }

    @Test
    void everyOneOfTheFiveHundredSeedsWritesTheHistoryItWroteBefore() throws NoSuchAlgorithmException {
        assertThat(HASHES).hasSize(500);
        List<Long> differ = new ArrayList<>();
        for (long seed = 0; seed < 500; seed++) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String line : asV1(run(seed))) {
                sha.update((line + "\n").getBytes(StandardCharsets.UTF_8));
            }
            if (!HexFormat.of().formatHex(sha.digest()).equals(HASHES.get(seed))) {
                differ.add(seed);
            }
        }
        assertThat(differ).as("seeds whose history differs from before").isEmpty();
    }

    private static List<String> stored(long seed) throws IOException {
        try (InputStream in = HistoryV1GoldenTest.class.getResourceAsStream("/history-v1/seed-" + seed + ".jsonl.gz");
             BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(in), StandardCharsets.UTF_8))) {
            return r.lines().toList();
        }
    }

    private static Map<Long, String> hashes() {
        Map<Long, String> out = new HashMap<>();
        try (InputStream in = HistoryV1GoldenTest.class.getResourceAsStream("/history-v1/sha256.txt");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            r.lines().forEach(l -> out.put(Long.parseLong(l.split(" ")[0]), l.split(" ")[1]));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }
}
