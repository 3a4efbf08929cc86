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

/**
 * What the tests of campaigns on host agents share: the advisory they register, waiting for the
 * campaign's end, and what they check at the end, whatever was done to the controllers or the
 * network.
 */
final class GuestChecks {
    /** The advisory the agent tests register: xen-4.4.* affected, fixed by xen-4.4.1, a reboot. */
    static final String ADVISORY = "ferry: advisory/v1\nid: XSA-108\ntitle: x2APIC MSR range\naffects:\n"
            + "  - { hypervisor: \"xen-4.4.*\", cpuModel: \"*\" }\nfixedVersion: xen-4.4.1\nrequiresReboot: true\n";

    private GuestChecks() {
    }

    /** The campaign's row once it has ended (completed, halted or aborted), or null when it did not within the timeout. */
    static JsonNode awaitEnd(AgentClient api, String campaign, long timeoutMs) throws Exception {
        return dev.ferry.agent.Poll.until(timeoutMs, 100, () -> {
            JsonNode row = api.get("/v1/campaigns/" + campaign);
            return List.of("completed", "halted", "aborted").contains(row.path("state").asText()) ? row : null;
        });
    }

    /** A proposal's forecast once it is done. */
    static JsonNode awaitForecast(AgentClient api, String campaign) throws Exception {
        return dev.ferry.agent.Poll.until(120_000, 50, () -> {
            JsonNode f = api.get("/v1/campaigns/" + campaign).path("forecast");
            return f.path("state").asText().equals("done") ? f : null;
        });
    }

    /** The stored history keeps every safety rule (the invariant checker on the campaign's own problem). */
    static void keepsTheRules(dev.ferry.server.FerryServer server, String campaign, List<HistoryRecord> facts) {
        dev.ferry.core.verify.InvariantChecker checker = new dev.ferry.core.verify.InvariantChecker(
                server.campaigns().load(campaign).problem());
        facts.forEach(checker::accept);
        assertThat(checker.finish()).isEmpty();
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
