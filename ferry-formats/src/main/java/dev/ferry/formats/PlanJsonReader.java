package dev.ferry.formats;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.ferry.core.model.WireName;
import dev.ferry.core.planner.LowerBound;
import dev.ferry.core.planner.Move;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanSummary;
import dev.ferry.core.planner.SkippedHost;
import dev.ferry.core.planner.Step;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads plan/v1 JSON as {@link PlanJsonWriter} writes it, back into the same {@link Plan}: a
 * proposal's reviewed plan is stored this way, and approval runs exactly that plan. A document
 * that is not plan/v1 is refused with {@link IllegalArgumentException} naming the field.
 * Thread-safe (stateless).
 */
public final class PlanJsonReader {
    private static final JsonFactory FACTORY = new JsonFactory();

    public Plan read(String json) {
        Map<String, Object> o;
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("a plan is a JSON object");
            }
            o = JsonValues.object(p);
        } catch (IOException e) {
            throw new IllegalArgumentException("the plan is not JSON: " + e.getMessage(), e);
        }
        if (!"plan/v1".equals(o.get("ferry"))) {
            throw new IllegalArgumentException("ferry: the document is not plan/v1");
        }
        List<Step> steps = new ArrayList<>();
        for (Map<String, Object> s : JsonValues.objects(o, "steps")) {
            String host = JsonValues.string(s, "host");
            String zone = JsonValues.string(s, "zone");
            long start = JsonValues.number(s, "start");
            long end = JsonValues.number(s, "end");
            List<Move> moves = new ArrayList<>();
            for (Map<String, Object> m : JsonValues.objects(s, "moves")) {
                MoveKind kind = WireName.parse(MoveKind.class, JsonValues.string(m, "kind"));
                if (kind == null) {
                    throw new IllegalArgumentException("steps[].moves[].kind: must be " + WireName.choices(MoveKind.class));
                }
                moves.add(new Move(JsonValues.string(m, "instance"), JsonValues.string(m, "from"), JsonValues.string(m, "to"), kind,
                        JsonValues.bool(m, "bootstrap"), (String) m.get("reason")));
            }
            steps.add(new Step(host, zone, start, end, moves, JsonValues.bool(s, "canary")));
        }
        List<SkippedHost> skipped = new ArrayList<>();
        for (Map<String, Object> s : JsonValues.objects(o, "skippedHosts")) {
            skipped.add(new SkippedHost(JsonValues.string(s, "host"), JsonValues.string(s, "reason")));
        }
        return new Plan(JsonValues.string(o, "advisory"), JsonValues.string(o, "strategy"), JsonValues.bool(o, "feasible"),
                JsonValues.strings(o, "reasons"), JsonValues.strings(o, "affectedHosts"), steps, skipped, summary(o),
                lowerBound(o));
    }

    private static PlanSummary summary(Map<String, Object> o) {
        Map<String, Object> s = JsonValues.object(o, "summary");
        Object slack = s.get("deadlineSlackSeconds");
        return new PlanSummary(JsonValues.number(s, "makespanSeconds"), JsonValues.number(s, "lowerBoundSeconds"),
                (int) JsonValues.number(s, "liveMigrations"), (int) JsonValues.number(s, "relocations"),
                (int) JsonValues.number(s, "rebootsInPlace"), (int) JsonValues.number(s, "bootstrapMoves"),
                (int) JsonValues.number(s, "maxConcurrentHosts"), JsonValues.decimal(s, "disruptionsPerAffectedInstance"),
                slack == null ? null : JsonValues.number(s, "deadlineSlackSeconds"));
    }

    private static LowerBound lowerBound(Map<String, Object> o) {
        Map<String, Object> b = JsonValues.object(o, "lowerBound");
        List<LowerBound.Component> components = new ArrayList<>();
        for (Map<String, Object> c : JsonValues.objects(b, "components")) {
            components.add(new LowerBound.Component(JsonValues.string(c, "rule"), JsonValues.number(c, "seconds"),
                    JsonValues.string(c, "explanation")));
        }
        return new LowerBound(JsonValues.number(b, "seconds"), components);
    }
}
