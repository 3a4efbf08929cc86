package dev.ferry.sim;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.Writer;
import java.util.Map;

/** Writes a {@link SimulationResult} as JSON ({@code ferry simulate --format json}). Stateless. */
public final class SimulationJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private SimulationJson() {
    }

    public static void write(SimulationResult r, Writer out) throws IOException {
        write(r, null, out);
    }

    /** @param expected the plan's expected duration with the simulation's tenants ({@code expectedMakespanSeconds}), or null to leave it out */
    public static void write(SimulationResult r, Expected expected, Writer out) throws IOException {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("ferry", "simulation/v1");
            g.writeStringField("strategy", r.strategy());
            g.writeNumberField("seed", r.seed());
            g.writeStringField("faults", r.faults());
            g.writeStringField("result", r.result());
            g.writeStringField("reason", r.reason());
            g.writeNumberField("makespanSeconds", r.makespanSeconds());
            g.writeNumberField("predictedMakespanSeconds", r.predictedMakespanSeconds());
            if (expected != null) {
                g.writeNumberField("expectedMakespanSeconds", expected.makespanSeconds());
            }
            g.writeNumberField("lowerBoundSeconds", r.lowerBoundSeconds());
            if (r.deadlineSlackSeconds() == null) {
                g.writeNullField("deadlineSlackSeconds");
            } else {
                g.writeNumberField("deadlineSlackSeconds", r.deadlineSlackSeconds());
            }
            g.writeNumberField("hostsAffected", r.hostsAffected());
            g.writeNumberField("hostsPatched", r.hostsPatched());
            g.writeNumberField("hostsFailed", r.hostsFailed());
            g.writeNumberField("hostsSkipped", r.hostsSkipped());
            g.writeNumberField("hostsJoined", r.hostsJoined());
            g.writeNumberField("hostsDropped", r.hostsDropped());
            g.writeNumberField("liveMigrations", r.liveMigrations());
            g.writeNumberField("relocations", r.relocations());
            g.writeNumberField("rebootsInPlace", r.rebootsInPlace());
            g.writeNumberField("failedMigrations", r.failedMigrations());
            g.writeNumberField("replannedMoves", r.replaced());
            g.writeNumberField("rescuedInstances", r.rescued());
            g.writeNumberField("lostInstances", r.lostInstances());
            g.writeArrayFieldStart("invariantViolations");
            for (String v : r.invariantViolations()) {
                g.writeString(v);
            }
            g.writeEndArray();
            g.writeObjectFieldStart("events");
            g.writeNumberField("noticed", r.events().noticed());
            g.writeNumberField("informational", r.events().informational());
            g.writeNumberField("rescheduled", r.events().rescheduled());
            g.writeNumberField("tenantInitiated", r.events().tenantInitiated());
            g.writeNumberField("forced", r.events().forced());
            g.writeNumberField("completed", r.events().completed());
            g.writeEndObject();
            SimulationResult.Churn c = r.churn();
            g.writeObjectFieldStart("churn");
            g.writeNumberField("operations", c.operations());
            g.writeNumberField("stops", c.stops());
            g.writeNumberField("starts", c.starts());
            g.writeNumberField("startsOnPatchedHosts", c.startsOnPatched());
            g.writeNumberField("reboots", c.reboots());
            g.writeNumberField("terminations", c.terminations());
            g.writeNumberField("launches", c.launches());
            g.writeNumberField("refused", c.refused());
            g.writeNumberField("lost", c.lost());
            g.writeEndObject();
            g.writeObjectFieldStart("perTenant");
            for (Map.Entry<String, long[]> e : r.perTenant().entrySet()) {
                g.writeObjectFieldStart(e.getKey());
                g.writeNumberField("disruptions", e.getValue()[0]);
                g.writeNumberField("downtimeSeconds", e.getValue()[1] / 1000);
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeNumberField("simulatedEvents", r.simulatedEvents());
            g.writeNumberField("historyRecords", r.historyRecords());
            g.writeEndObject();
        }
        out.write('\n');
        out.flush();
    }
}
