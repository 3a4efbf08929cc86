package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docs/server.md, "Hosts that go down": a host whose agent falls silent past the threshold is
 * called down by the health watch, a running campaign hears of it (a logged input), fences the host
 * and only then restarts its instances elsewhere; the campaign still completes and its history
 * passes the invariant checker.
 */
class HostDownTest {
    static final String FLEET = """
            ferry: fleet/v1
            hosts:
              - { id: h-vuln, zone: az1, rack: r1, cpus: 64, memoryMiB: 262144, hypervisor: xen-4.3.0, cpuModel: skylake, liveMigration: true }
              - { id: h-safe, zone: az1, rack: r2, cpus: 32, memoryMiB: 131072, hypervisor: xen-4.5.0, cpuModel: skylake, liveMigration: true }
              - { id: h-dies, zone: az1, rack: r3, cpus: 32, memoryMiB: 131072, hypervisor: xen-4.5.0, cpuModel: skylake, liveMigration: true, agent: "127.0.0.1:9" }
            instances:
              - { id: r-1, tenant: acme, host: h-vuln, cpus: 2, memoryMiB: 4096, onHostMaintenance: restart }
              - { id: d-1, tenant: acme, host: h-dies, cpus: 2, memoryMiB: 4096 }
              - { id: d-2, tenant: acme, host: h-dies, cpus: 2, memoryMiB: 4096 }
            """;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aHostThatGoesDownIsFencedAndItsInstancesRestartElsewhere(String db) throws Exception {
        try (TestServer s = new TestServer(dir, db)) {
            assertThat(s.send("PUT", "/v1/inventory", s.operator, FLEET).status()).isEqualTo(200);
            assertThat(s.post("/v1/advisories", s.operator, InstanceLifecycleTest.ADVISORY).status()).isEqualTo(201);
            String agent = s.server.tokens().create(Principal.Role.AGENT, "h-dies", "agent h-dies");
            assertThat(s.post("/v1/agent/report", agent, "{\"host\":\"h-dies\",\"version\":\"xen-4.5.0\",\"instances\":[]}")
                    .status()).isEqualTo(200);
            String campaign = s.post("/v1/campaigns", s.operator, "{\"advisory\":\"XSA-108\"}").json().get("id").asText();
            assertThat(s.post("/v1/campaigns/" + campaign + "/approve", s.operator, null).status()).isEqualTo(200);
            s.advance(campaign, Duration.ZERO);
            s.server.watchHealth();
            assertThat(s.facts(campaign)).noneMatch(r -> r.fact() instanceof Fact.HostDown); // it reported a moment ago

            s.clock.advanceMillis(Duration.ofMinutes(3).toMillis()); // silent past the two minutes
            s.server.watchHealth();
            s.advance(campaign, Duration.ZERO);
            List<HistoryRecord> facts = s.facts(campaign);
            assertThat(facts).anyMatch(r -> r.fact() instanceof Fact.HostDown d && d.host().equals("h-dies"));
            assertThat(s.count("SELECT COUNT(*) FROM audit WHERE action = 'host.health' AND target = 'h-dies'")).isPositive();
            // fenced (nothing answers there in a simulated fleet: the answer comes in the loop's next round) and being
            // restarted elsewhere: a tenant's stop waits
            s.advance(campaign, Duration.ZERO);
            facts = s.facts(campaign);
            assertThat(facts).anyMatch(r -> r.fact() instanceof Fact.HostFenced f && f.host().equals("h-dies"));
            String acme = s.server.tokens().create(Principal.Role.TENANT, "acme", "acme");
            TestServer.Response stop = s.post("/v1/tenant/instances/d-1/stop", acme, null);
            assertThat(stop.status()).as(stop.body()).isEqualTo(409);
            assertThat(stop.json().get("reason").asText()).isEqualTo("host-down");
            assertThat(stop.header("Retry-After")).isNotNull();
            s.server.watchHealth(); // told once: the campaign ignores it again
            s.runToEnd(campaign);

            facts = s.facts(campaign);
            long fencedAt = facts.stream().filter(r -> r.fact() instanceof Fact.HostFenced f && f.host().equals("h-dies"))
                    .mapToLong(HistoryRecord::timeMs).findFirst().orElseThrow();
            assertThat(facts.stream().filter(r -> r.fact() instanceof Fact.HostDown)).hasSize(1);
            for (String i : List.of("d-1", "d-2")) {
                assertThat(facts).filteredOn(r -> r.fact() instanceof Fact.Ran ran && ran.instance().equals(i))
                        .singleElement().satisfies(r -> {
                            assertThat(r.timeMs()).isGreaterThanOrEqualTo(fencedAt);
                            assertThat(((Fact.Ran) r.fact()).host()).isNotEqualTo("h-dies");
                        });
                assertThat(s.get("/v1/tenant/instances/" + i, acme).json().get("host").asText()).isNotEqualTo("h-dies");
            }
            assertThat(s.get("/v1/campaigns/" + campaign, s.operator).json().get("state").asText()).isEqualTo("completed");
            var checker = new dev.ferry.core.verify.InvariantChecker(s.server.campaigns().load(campaign).problem(),
                    s.server.campaigns().load(campaign).plan());
            facts.forEach(checker::accept);
            assertThat(checker.finish()).isEmpty();
        }
    }
}
