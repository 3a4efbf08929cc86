package dev.ferry.formats;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.ferry.core.model.Group;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.Tenant;
import dev.ferry.core.model.Window;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.time.DayOfWeek;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Writes a fleet as fleet/v1, item by item: YAML with one flow mapping per line (compact, still
 * readable, diff-friendly), or JSON. Not thread-safe.
 */
public final class FleetWriter {
    private FleetWriter() {
    }

    public static FleetSink yaml(Writer out) throws IOException {
        return new YamlSink(out);
    }

    public static FleetSink json(Writer out) throws IOException {
        return new JsonSink(out);
    }

    /** One instance as the JSON object fleet/v1 lists it under {@code instances}. */
    public static String instanceJson(Instance i) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(w)) {
            writeInstance(g, i);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static void writeInstance(JsonGenerator g, Instance i) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", i.id());
        g.writeStringField("tenant", i.tenant());
        g.writeStringField("host", i.host());
        g.writeNumberField("cpus", i.cpus());
        g.writeNumberField("memoryMiB", i.memoryMiB());
        g.writeStringField("onHostMaintenance", i.onHostMaintenance().wireName());
        if (i.group() != null) {
            g.writeStringField("group", i.group());
        }
        g.writeNumberField("dirtyRateMiBps", i.dirtyRateMiBps());
        g.writeEndObject();
    }

    private static final class YamlSink implements FleetSink {
        private static final Pattern PLAIN = Pattern.compile("[A-Za-z][A-Za-z0-9._-]*");
        private final Writer out;
        private String section = "";

        YamlSink(Writer out) throws IOException {
            this.out = out;
            out.write("ferry: fleet/v1\n");
        }

        private void section(String name) throws IOException {
            if (!section.equals(name)) {
                section = name;
                out.write(name);
                out.write(":\n");
            }
        }

        private static String s(String v) {
            if (PLAIN.matcher(v).matches() && !v.matches("(?i)true|false|null|yes|no|on|off|y|n|~")) {
                return v;
            }
            return '"' + v.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        }

        private static String num(double d) {
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
        }

        @Override
        public void host(Host h) throws IOException {
            section("hosts");
            StringBuilder sb = new StringBuilder(200);
            sb.append("  - {id: ").append(s(h.id())).append(", zone: ").append(s(h.zone()));
            if (h.rack() != null) {
                sb.append(", rack: ").append(s(h.rack()));
            }
            sb.append(", cpus: ").append(h.cpus()).append(", memoryMiB: ").append(h.memoryMiB());
            if (h.cpuAllocationRatio() != 1.0) {
                sb.append(", cpuAllocationRatio: ").append(num(h.cpuAllocationRatio()));
            }
            sb.append(", hypervisor: ").append(s(h.hypervisor())).append(", cpuModel: ").append(s(h.cpuModel()))
                    .append(", liveMigration: ").append(h.liveMigration());
            if (h.cordoned()) {
                sb.append(", state: cordoned");
            }
            if (h.agent() != null) {
                sb.append(", agent: ").append(s(h.agent()));
            }
            out.write(sb.append("}\n").toString());
        }

        @Override
        public void instance(Instance i) throws IOException {
            section("instances");
            StringBuilder sb = new StringBuilder(160);
            sb.append("  - {id: ").append(s(i.id())).append(", tenant: ").append(s(i.tenant())).append(", host: ")
                    .append(s(i.host())).append(", cpus: ").append(i.cpus()).append(", memoryMiB: ").append(i.memoryMiB())
                    .append(", onHostMaintenance: ").append(i.onHostMaintenance().wireName());
            if (i.group() != null) {
                sb.append(", group: ").append(s(i.group()));
            }
            if (i.dirtyRateMiBps() > 0) {
                sb.append(", dirtyRateMiBps: ").append(num(i.dirtyRateMiBps()));
            }
            out.write(sb.append("}\n").toString());
        }

        @Override
        public void group(Group g) throws IOException {
            section("groups");
            out.write("  - {id: " + s(g.id()) + ", tenant: " + s(g.tenant()) + ", antiAffinity: "
                    + g.antiAffinity().wireName() + ", maxUnavailable: " + g.maxUnavailable() + "}\n");
        }

        @Override
        public void tenant(Tenant t) throws IOException {
            section("tenants");
            StringBuilder sb = new StringBuilder("  - {id: ").append(s(t.id()));
            Window w = t.window();
            if (w != null) {
                sb.append(", window: {days: [");
                boolean first = true;
                for (DayOfWeek d : DayOfWeek.values()) {
                    if (w.days().contains(d)) {
                        sb.append(first ? "" : ", ").append(day(d));
                        first = false;
                    }
                }
                sb.append("], start: \"").append(w.start()).append("\", hours: ").append(w.hours()).append('}');
            }
            out.write(sb.append("}\n").toString());
        }

        @Override
        public void end() throws IOException {
            out.flush();
        }
    }

    static String day(DayOfWeek d) {
        return d.name().substring(0, 3).toLowerCase(Locale.ROOT);
    }

    private static final class JsonSink implements FleetSink {
        private final JsonGenerator g;
        private String section = "";

        JsonSink(Writer out) throws IOException {
            g = new JsonFactory().createGenerator(out);
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartObject();
            g.writeStringField("ferry", "fleet/v1");
        }

        private void section(String name) throws IOException {
            if (!section.equals(name)) {
                if (!section.isEmpty()) {
                    g.writeEndArray();
                }
                section = name;
                g.writeRaw('\n');
                g.writeArrayFieldStart(name);
            }
            g.writeRaw('\n');
        }

        @Override
        public void host(Host h) throws IOException {
            section("hosts");
            g.writeStartObject();
            g.writeStringField("id", h.id());
            g.writeStringField("zone", h.zone());
            if (h.rack() != null) {
                g.writeStringField("rack", h.rack());
            }
            g.writeNumberField("cpus", h.cpus());
            g.writeNumberField("memoryMiB", h.memoryMiB());
            g.writeNumberField("cpuAllocationRatio", h.cpuAllocationRatio());
            g.writeStringField("hypervisor", h.hypervisor());
            g.writeStringField("cpuModel", h.cpuModel());
            g.writeBooleanField("liveMigration", h.liveMigration());
            g.writeStringField("state", h.state().wireName());
            if (h.agent() != null) {
                g.writeStringField("agent", h.agent());
            }
            g.writeEndObject();
        }

        @Override
        public void instance(Instance i) throws IOException {
            section("instances");
            writeInstance(g, i);
        }

        @Override
        public void group(Group gr) throws IOException {
            section("groups");
            g.writeStartObject();
            g.writeStringField("id", gr.id());
            g.writeStringField("tenant", gr.tenant());
            g.writeStringField("antiAffinity", gr.antiAffinity().wireName());
            g.writeNumberField("maxUnavailable", gr.maxUnavailable());
            g.writeEndObject();
        }

        @Override
        public void tenant(Tenant t) throws IOException {
            section("tenants");
            g.writeStartObject();
            g.writeStringField("id", t.id());
            if (t.window() != null) {
                g.writeObjectFieldStart("window");
                g.writeArrayFieldStart("days");
                for (DayOfWeek d : DayOfWeek.values()) {
                    if (t.window().days().contains(d)) {
                        g.writeString(day(d));
                    }
                }
                g.writeEndArray();
                g.writeStringField("start", t.window().start().toString());
                g.writeNumberField("hours", t.window().hours());
                g.writeEndObject();
            }
            g.writeEndObject();
        }

        @Override
        public void end() throws IOException {
            if (!section.isEmpty()) {
                g.writeEndArray();
            }
            g.writeEndObject();
            g.writeRaw('\n');
            g.close();
        }
    }
}
