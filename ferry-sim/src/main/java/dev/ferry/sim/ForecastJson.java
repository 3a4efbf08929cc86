package dev.ferry.sim;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Forecast.Result} as JSON, the {@code forecast} field of a plan or a proposal: {@code runs},
 * {@code p10Seconds}, {@code p50Seconds}, {@code p90Seconds}, {@code p99Seconds}, {@code probabilityMeetsDeadline} (null
 * without a disclosure time), {@code halted}, then {@code predictedSeconds}, {@code expectedSeconds}, {@code deadlineSeconds},
 * {@code whatIf} (each neighbouring policy: {@code change}, {@code plannedSeconds}, {@code feasible}
 * and its own figures) and {@code best} (the {@code change} that helps most, or null). Stateless.
 */
public final class ForecastJson {
    private ForecastJson() {
    }

    /** The forecast as maps and lists (the server's JSON). */
    public static Map<String, Object> map(Forecast.Result r) {
        Map<String, Object> m = outcome(r.outcome());
        m.put("predictedSeconds", r.predictedSeconds());
        m.put("expectedSeconds", r.expectedSeconds());
        m.put("deadlineSeconds", r.deadlineSeconds());
        List<Object> whatIf = new ArrayList<>();
        for (Forecast.WhatIf w : r.whatIf()) {
            Map<String, Object> n = new LinkedHashMap<>();
            n.put("change", w.change());
            n.put("plannedSeconds", w.plannedSeconds());
            n.put("feasible", w.feasible());
            n.putAll(outcome(w.outcome()));
            whatIf.add(n);
        }
        m.put("whatIf", whatIf);
        m.put("best", r.best() == null ? null : r.best().change());
        return m;
    }

    private static Map<String, Object> outcome(Forecast.Outcome o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runs", o.runs());
        m.put("p10Seconds", o.p10Seconds());
        m.put("p50Seconds", o.p50Seconds());
        m.put("p90Seconds", o.p90Seconds());
        m.put("p99Seconds", o.p99Seconds());
        m.put("probabilityMeetsDeadline", o.probabilityMeetsDeadline());
        m.put("halted", o.halted());
        return m;
    }

    /** Writes {@code "forecast": {...}} into the object {@code g} is in. */
    public static void writeField(JsonGenerator g, Forecast.Result r) throws IOException {
        g.writeFieldName("forecast");
        write(g, map(r));
    }

    static void write(JsonGenerator g, Object v) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    g.writeFieldName(String.valueOf(e.getKey()));
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case List<?> l -> {
                g.writeStartArray();
                for (Object o : l) {
                    write(g, o);
                }
                g.writeEndArray();
            }
            case Boolean b -> g.writeBoolean(b);
            case Integer i -> g.writeNumber(i);
            case Long n -> g.writeNumber(n);
            case Double d -> g.writeNumber(d);
            default -> g.writeString(v.toString());
        }
    }
}
