package dev.ferry.sim;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A self-contained HTML report of one or more simulated campaigns (Ferry and, for comparison, the
 * naive strategy): vulnerable hosts remaining and hosts in maintenance over time, disruptions by
 * kind, the tenants most affected, and the makespans against prediction, lower bound and deadline.
 * Charts are drawn by Chart.js (MIT, from its WebJar), inlined so the file works offline. Stateless.
 */
public final class SimulationReport {
    private static final String CHART_JS = "/META-INF/resources/webjars/chart.js/4.4.1/dist/chart.umd.js";
    private static final int MAX_POINTS = 600;

    private SimulationReport() {
    }

    public static void write(String title, String subtitle, List<SimulationResult> results, Writer out) throws IOException {
        String chartJs;
        try (InputStream in = SimulationReport.class.getResourceAsStream(CHART_JS)) {
            if (in == null) {
                throw new IOException("Chart.js is missing from the class path (" + CHART_JS + ")");
            }
            chartJs = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("</script", "<\\/script");
        }
        out.write("""
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>""");
        out.write(html(title));
        out.write("""
                </title>
                <style>
                body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:1.5rem;color:#1b1f24}
                h1{font-size:1.5rem;margin-bottom:.2rem} .sub{color:#57606a;margin-top:0}
                .scroll{overflow-x:auto} table{border-collapse:collapse;margin:1rem 0;width:100%;font-size:.85rem} th,td{border-bottom:1px solid #d0d7de;padding:.3rem .45rem;text-align:right;white-space:nowrap}
                th:first-child,td:first-child{text-align:left} .ok{color:#1a7f37} .bad{color:#cf222e;font-weight:600}
                .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:1.2rem}
                .card{border:1px solid #d0d7de;border-radius:8px;padding:.8rem} .card h2{font-size:1rem;margin:.2rem 0 .6rem}
                </style></head><body>
                """);
        out.write("<h1>" + html(title) + "</h1><p class=\"sub\">" + html(subtitle) + "</p>\n");
        out.write("<div class=\"scroll\"><table><thead><tr><th>strategy</th><th>result</th><th>makespan</th><th>predicted</th><th>lower bound</th>"
                + "<th>deadline slack</th><th>hosts patched</th><th>failed</th><th>live</th><th>relocations</th>"
                + "<th>reboots in place</th><th>failed migrations</th><th>invariant violations</th></tr></thead><tbody>\n");
        for (SimulationResult r : results) {
            out.write("<tr><td>" + html(r.strategy()) + "</td><td>" + html(r.result()) + "</td><td>" + human(r.makespanSeconds())
                    + "</td><td>" + human(r.predictedMakespanSeconds()) + "</td><td>" + human(r.lowerBoundSeconds()) + "</td><td"
                    + (r.deadlineSlackSeconds() != null && r.deadlineSlackSeconds() < 0 ? " class=\"bad\">missed by " : ">")
                    + (r.deadlineSlackSeconds() == null ? "no deadline" : human(Math.abs(r.deadlineSlackSeconds())))
                    + "</td><td>" + r.hostsPatched() + " / " + (r.hostsAffected() - r.hostsSkipped()) + "</td><td>"
                    + r.hostsFailed() + "</td><td>" + r.liveMigrations() + "</td><td>" + r.relocations() + "</td><td>"
                    + r.rebootsInPlace() + "</td><td>" + r.failedMigrations() + "</td><td class=\""
                    + (r.invariantViolations().isEmpty() ? "ok\">none" : "bad\">" + r.invariantViolations().size()) + "</td></tr>\n");
        }
        out.write("</tbody></table></div>\n<div class=\"grid\">\n");
        for (String[] c : new String[][] {{"vulnerable", "Vulnerable hosts remaining"}, {"maintenance", "Hosts in maintenance"},
                {"kinds", "Disruptions by kind"}, {"makespan", "Makespan: simulated, predicted, lower bound (hours)"},
                {"tenants", "Tenants most disrupted (non-live disruptions)"}}) {
            out.write("<div class=\"card\"><h2>" + c[1] + "</h2><canvas id=\"" + c[0] + "\" role=\"img\" aria-label=\""
                    + c[1] + "\"></canvas></div>\n");
        }
        out.write("</div>\n<script>");
        out.write(chartJs);
        out.write("</script>\n<script>const DATA=");
        out.write(data(results));
        out.write(";\n");
        out.write("""
                const colors=['#0969da','#bc4c00','#1a7f37','#8250df'];
                const dash=[[],[6,4],[2,3],[8,3,2,3]];
                function series(key,index){return DATA.runs.map((r,i)=>({label:r.strategy,data:r.timeline.map(p=>({x:p[0]/3600,y:p[index]})),
                  borderColor:colors[i%4],backgroundColor:colors[i%4],borderDash:dash[i%4],pointRadius:0,stepped:true,borderWidth:2}));}
                const lineOpts={animation:false,parsing:true,scales:{x:{type:'linear',title:{display:true,text:'hours since start'}},y:{beginAtZero:true}}};
                new Chart(document.getElementById('vulnerable'),{type:'line',data:{datasets:series('v',1)},options:lineOpts});
                new Chart(document.getElementById('maintenance'),{type:'line',data:{datasets:series('m',2)},options:lineOpts});
                new Chart(document.getElementById('kinds'),{type:'bar',data:{labels:['live migration','relocation','reboot in place','failed migration'],
                  datasets:DATA.runs.map((r,i)=>({label:r.strategy,data:[r.live,r.relocations,r.rip,r.failed],backgroundColor:colors[i%4]}))},options:{animation:false}});
                new Chart(document.getElementById('makespan'),{type:'bar',data:{labels:DATA.runs.map(r=>r.strategy),
                  datasets:[{label:'simulated',data:DATA.runs.map(r=>r.makespan/3600),backgroundColor:colors[0]},
                            {label:'predicted by the plan',data:DATA.runs.map(r=>r.predicted/3600),backgroundColor:colors[1]},
                            {label:'lower bound',data:DATA.runs.map(r=>r.bound/3600),backgroundColor:colors[2]},
                            {label:'time to disclosure',data:DATA.runs.map(r=>r.deadline===null?null:r.deadline/3600),backgroundColor:colors[3]}]},options:{animation:false}});
                new Chart(document.getElementById('tenants'),{type:'bar',data:{labels:DATA.tenants.labels,
                  datasets:DATA.runs.map((r,i)=>({label:r.strategy,data:DATA.tenants.labels.map(t=>r.perTenant[t]||0),backgroundColor:colors[i%4]}))},
                  options:{animation:false,indexAxis:'y'}});
                </script></body></html>
                """);
        out.flush();
    }

    private static String data(List<SimulationResult> results) throws IOException {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(w)) {
            g.writeStartObject();
            g.writeArrayFieldStart("runs");
            for (SimulationResult r : results) {
                g.writeStartObject();
                g.writeStringField("strategy", r.strategy());
                g.writeNumberField("makespan", r.makespanSeconds());
                g.writeNumberField("predicted", r.predictedMakespanSeconds());
                g.writeNumberField("bound", r.lowerBoundSeconds());
                if (r.deadlineSlackSeconds() == null) {
                    g.writeNullField("deadline");
                } else {
                    g.writeNumberField("deadline", r.deadlineSlackSeconds() + r.makespanSeconds());
                }
                g.writeNumberField("live", r.liveMigrations());
                g.writeNumberField("relocations", r.relocations());
                g.writeNumberField("rip", r.rebootsInPlace());
                g.writeNumberField("failed", r.failedMigrations());
                g.writeArrayFieldStart("timeline");
                List<long[]> t = r.timeline();
                int step = Math.max(1, t.size() / MAX_POINTS);
                for (int i = 0; i < t.size(); i += step) {
                    g.writeArray(t.get(i), 0, 3);
                }
                if (!t.isEmpty() && (t.size() - 1) % step != 0) {
                    g.writeArray(t.get(t.size() - 1), 0, 3);
                }
                g.writeEndArray();
                g.writeObjectFieldStart("perTenant");
                for (Map.Entry<String, long[]> e : r.perTenant().entrySet()) {
                    g.writeNumberField(e.getKey(), e.getValue()[0]);
                }
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
            List<Map.Entry<String, long[]>> top = new ArrayList<>(results.isEmpty() ? List.of()
                    : results.get(0).perTenant().entrySet());
            top.sort(Comparator.comparingLong((Map.Entry<String, long[]> e) -> -e.getValue()[0]).thenComparing(Map.Entry::getKey));
            g.writeObjectFieldStart("tenants");
            g.writeArrayFieldStart("labels");
            for (int i = 0; i < Math.min(20, top.size()); i++) {
                g.writeString(top.get(i).getKey());
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndObject();
        }
        return w.toString().replace("</", "<\\/");
    }

    static String human(long seconds) {
        long d = seconds / 86400;
        long h = seconds % 86400 / 3600;
        long m = seconds % 3600 / 60;
        return d > 0 ? d + "d " + h + "h " + m + "m" : h > 0 ? h + "h " + m + "m" : m + "m " + seconds % 60 + "s";
    }

    private static String html(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
