package dev.ferry.lab;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.AgentClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The lab following its campaign over the controller's API, as an operator's terminal would. */
final class LabFollow {
    private LabFollow() {
    }

    /** Prints the campaign's progress when it changes, until it ends (aborted after 15 minutes); returns its last view. */
    static JsonNode follow(AgentClient api, String id, PrintWriter out, Lab.Changes changes) throws Exception {
        long began = System.nanoTime();
        String last = "";
        boolean aborted = false;
        long seen = changes.await(-1, 0);
        while (true) {
            JsonNode c = api.get("/v1/campaigns/" + id);
            String state = c.path("state").asText();
            String line = String.format(Locale.ROOT, "%s: %d/%d hosts patched, %d failed", state, c.path("hostsPatched").asInt(),
                    c.path("affectedHosts").asInt(), c.path("hostsFailed").asInt());
            long s = (System.nanoTime() - began) / 1_000_000_000;
            if (!line.equals(last)) {
                out.printf(Locale.ROOT, "  %4d s  %s%n", s, line);
                out.flush();
                last = line;
            }
            if (List.of("completed", "halted", "aborted").contains(state)) {
                return c;
            }
            if (s > Duration.ofMinutes(15).toSeconds() && !aborted) {
                api.post("/v1/campaigns/" + id + "/abort", Map.of("reason", "the lab ran out of time"));
                aborted = true;
            }
            seen = changes.await(seen, 1000); // the next commit of the campaign's loop (or a second, for the time limit)
        }
    }
}
