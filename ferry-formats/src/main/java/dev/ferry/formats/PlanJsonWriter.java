package dev.ferry.formats;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.ferry.core.planner.LowerBound;
import dev.ferry.core.planner.Move;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanSummary;
import dev.ferry.core.planner.SkippedHost;
import dev.ferry.core.planner.Step;
import java.io.IOException;
import java.io.Writer;

/**
 * Writes a plan as plan/v1 JSON (docs/formats.md), streaming, so a plan with millions of moves needs no
 * second copy in memory. Adds, beside the contract's fields: {@code strategy}, per step
 * {@code canary}, per move {@code reason} (when the kind differs from what was asked),
 * {@code skippedHosts} and the {@code lowerBound} breakdown. Thread-safe (stateless).
 */
public final class PlanJsonWriter {
    private static final JsonFactory FACTORY = new JsonFactory();

    /** More top-level fields after the plan's own (a forecast); written into the plan's object. */
    public interface Extra {
        void write(JsonGenerator g) throws IOException;
    }

    public void write(Plan plan, Writer out, boolean pretty) throws IOException {
        write(plan, out, pretty, g -> {
        });
    }

    /** The plan as compact plan/v1 JSON. */
    public static String json(Plan plan) {
        java.io.StringWriter w = new java.io.StringWriter();
        try {
            new PlanJsonWriter().write(plan, w, false);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a StringWriter does not fail
        }
        return w.toString();
    }

    public void write(Plan plan, Writer out, boolean pretty, Extra extra) throws IOException {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            if (pretty) {
                g.useDefaultPrettyPrinter();
            }
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartObject();
            g.writeStringField("ferry", "plan/v1");
            g.writeStringField("advisory", plan.advisory());
            g.writeStringField("strategy", plan.strategy());
            g.writeBooleanField("feasible", plan.feasible());
            g.writeArrayFieldStart("reasons");
            for (String r : plan.reasons()) {
                g.writeString(r);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("affectedHosts");
            for (String h : plan.affectedHosts()) {
                g.writeString(h);
            }
            g.writeEndArray();
            writeSteps(g, plan);
            g.writeArrayFieldStart("skippedHosts");
            for (SkippedHost s : plan.skippedHosts()) {
                g.writeStartObject();
                g.writeStringField("host", s.host());
                g.writeStringField("reason", s.reason());
                g.writeEndObject();
            }
            g.writeEndArray();
            writeSummary(g, plan.summary());
            writeLowerBound(g, plan.lowerBound());
            extra.write(g);
            g.writeEndObject();
        }
        out.write('\n');
        out.flush();
    }

    private static void writeSteps(JsonGenerator g, Plan plan) throws IOException {
        g.writeArrayFieldStart("steps");
        for (Step s : plan.steps()) {
            g.writeStartObject();
            g.writeStringField("host", s.host());
            g.writeStringField("zone", s.zone());
            g.writeNumberField("start", s.start());
            g.writeNumberField("end", s.end());
            if (s.canary()) {
                g.writeBooleanField("canary", true);
            }
            g.writeArrayFieldStart("moves");
            for (Move m : s.moves()) {
                g.writeStartObject();
                g.writeStringField("instance", m.instance());
                g.writeStringField("from", m.from());
                g.writeStringField("to", m.to());
                g.writeStringField("kind", m.kind().wireName());
                g.writeBooleanField("bootstrap", m.bootstrap());
                if (m.reason() != null) {
                    g.writeStringField("reason", m.reason());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void writeSummary(JsonGenerator g, PlanSummary sum) throws IOException {
        g.writeObjectFieldStart("summary");
        g.writeNumberField("makespanSeconds", sum.makespanSeconds());
        g.writeNumberField("lowerBoundSeconds", sum.lowerBoundSeconds());
        g.writeNumberField("liveMigrations", sum.liveMigrations());
        g.writeNumberField("relocations", sum.relocations());
        g.writeNumberField("rebootsInPlace", sum.rebootsInPlace());
        g.writeNumberField("bootstrapMoves", sum.bootstrapMoves());
        g.writeNumberField("maxConcurrentHosts", sum.maxConcurrentHosts());
        g.writeNumberField("disruptionsPerAffectedInstance", sum.disruptionsPerAffectedInstance());
        if (sum.deadlineSlackSeconds() == null) {
            g.writeNullField("deadlineSlackSeconds");
        } else {
            g.writeNumberField("deadlineSlackSeconds", sum.deadlineSlackSeconds());
        }
        g.writeEndObject();
    }

    private static void writeLowerBound(JsonGenerator g, LowerBound lowerBound) throws IOException {
        g.writeObjectFieldStart("lowerBound");
        g.writeNumberField("seconds", lowerBound.seconds());
        g.writeArrayFieldStart("components");
        for (LowerBound.Component c : lowerBound.components()) {
            g.writeStartObject();
            g.writeStringField("rule", c.rule());
            g.writeNumberField("seconds", c.seconds());
            g.writeStringField("explanation", c.explanation());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }
}
