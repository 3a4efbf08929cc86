package dev.ferry.lab;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.AgentClient;
import dev.ferry.agent.host.GuestSerial;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.formats.HistoryJson;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/** What the tests on real guests check at the end of a campaign, whatever was done to the controllers or the network. */
final class GuestChecks {
    private GuestChecks() {
    }

    /** The guest's role on the host ({@code running}, {@code migrated}, ...), or null when the host has no such guest. */
    static String role(AgentClient host, String id) throws Exception {
        for (JsonNode i : host.get("/v1/host").path("instances")) {
            if (i.path("id").asText().equals(id)) {
                return i.path("role").asText();
            }
        }
        return null;
    }

    /**
     * Every guest runs on exactly one of the hosts, has booted once plus once per restart its moves
     * imply (nothing was started twice), and its counter never skipped in between (a live migration
     * kept it running); {@code logs}: a guest's serial logs on every host.
     */
    static void eachRanOnce(List<String> guests, List<AgentClient> hosts, Function<String, List<Path>> logs, List<HistoryRecord> facts)
            throws Exception {
        for (String vm : guests) {
            int copies = 0;
            for (AgentClient h : hosts) {
                copies += role(h, vm) == null ? 0 : 1;
            }
            assertThat(copies).as(vm + " runs exactly once").isEqualTo(1);
            String story = String.join("\n", facts.stream().filter(f -> vm.equals(f.fact().subject())).map(HistoryJson::line).toList());
            int restarts = (int) Lab.moves(vm, facts).stream().filter(Lab.Move::restarts).count();
            GuestSerial serial = GuestSerial.await(logs.apply(vm), 1 + restarts, Duration.ofSeconds(30));
            assertThat(serial.boots()).as(vm + ": boots\n" + story).isEqualTo(1 + restarts);
            assertThat(serial.breaks()).as(vm + ": the counter skipped\n" + story).isZero();
        }
    }
}
