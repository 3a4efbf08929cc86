package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.history.EventCause;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.HostPhase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docs/server.md, "Advisories during a campaign": an amendment reaches the running campaign on its
 * advisory (a host it affects now joins as a new step and is patched to its branch's fix), and a
 * host whose agent reports a fixed version leaves it before its step (its tenants' events are
 * cancelled); the campaign completes and its history passes the invariant checker.
 */
class AdvisoryDuringCampaignTest {
    static final String FLEET = """
            ferry: fleet/v1
            hosts:
              - { id: h-vuln, zone: az1, rack: r1, cpus: 64, memoryMiB: 262144, hypervisor: xen-4.3.0, cpuModel: skylake, liveMigration: true }
              - { id: h-fixed, zone: az1, rack: r2, cpus: 64, memoryMiB: 262144, hypervisor: xen-4.3.0, cpuModel: skylake, liveMigration: true, agent: "127.0.0.1:9" }
              - { id: h-safe, zone: az1, rack: r3, cpus: 64, memoryMiB: 262144, hypervisor: xen-4.5.0, cpuModel: skylake, liveMigration: true }
              - { id: h-later, zone: az1, rack: r4, cpus: 64, memoryMiB: 262144, hypervisor: xen-4.6.0, cpuModel: skylake, liveMigration: true }
            instances:
              - { id: v-1, tenant: acme, host: h-vuln, cpus: 2, memoryMiB: 4096, onHostMaintenance: restart }
              - { id: f-1, tenant: acme, host: h-fixed, cpus: 2, memoryMiB: 4096, onHostMaintenance: restart }
              - { id: l-1, tenant: acme, host: h-later, cpus: 2, memoryMiB: 4096, onHostMaintenance: restart }
            """;

    /** Longer than a thousand characters, as real advisories are: the whole document is a logged input of the campaign. */
    static final String AMENDED = "# " + "an amended advisory keeps its id and its history; ".repeat(30) + "\n" + """
            ferry: advisory/v1
            id: XSA-108
            affects:
              - { hypervisor: "xen-4.[0-4].*", cpuModel: "*" }
              - { hypervisor: "xen-4.6.*", cpuModel: "*" }
            fixedVersion:
              - { branch: "xen-4.6.*", version: xen-4.6.1 }
              - { branch: "*", version: xen-4.4.1 }
            requiresReboot: true
            """;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void anAmendmentAddsHostsAndAHostFixedOutsideLeaves(String db) throws Exception {
        try (TestServer s = new TestServer(dir, db)) {
            assertThat(s.send("PUT", "/v1/inventory", s.operator, FLEET).status()).isEqualTo(200);
            assertThat(s.post("/v1/advisories", s.operator, InstanceLifecycleTest.ADVISORY).status()).isEqualTo(201);
            String acme = s.server.tokens().create(Principal.Role.TENANT, "acme", "acme");
            String campaign = s.post("/v1/campaigns", s.operator, "{\"advisory\":\"XSA-108\"}").json().get("id").asText();
            assertThat(s.post("/v1/campaigns/" + campaign + "/approve", s.operator, null).status()).isEqualTo(200);
            s.advance(campaign, Duration.ZERO);

            TestServer.Response amend = s.send("PUT", "/v1/advisories/XSA-108", s.operator, AMENDED);
            assertThat(amend.status()).as(amend.body()).isEqualTo(200);
            List<HistoryRecord> facts = s.facts(campaign);
            assertThat(facts).anySatisfy(r -> assertThat(r.fact()).isEqualTo(new Fact.StepAdded("h-later", "xen-4.6.1")));
            assertThat(InstanceLifecycleTest.eventState(s, acme, "l-1")).isEqualTo("scheduled"); // its tenant is told, with the usual notice

            String agent = s.server.tokens().create(Principal.Role.AGENT, "h-fixed", "agent h-fixed");
            assertThat(s.post("/v1/agent/report", agent, "{\"host\":\"h-fixed\",\"version\":\"xen-4.4.1\",\"instances\":[]}")
                    .status()).isEqualTo(200);
            s.advance(campaign, Duration.ZERO);
            facts = s.facts(campaign);
            assertThat(facts).anySatisfy(r -> assertThat(r.fact()).isEqualTo(new Fact.HostDropped("h-fixed", "xen-4.4.1")));
            assertThat(facts).anyMatch(r -> r.fact() instanceof Fact.EventChanged e && e.instance().equals("f-1")
                    && e.cause() == EventCause.HOST_FIXED);

            s.runToEnd(campaign);
            facts = s.facts(campaign);
            assertThat(s.get("/v1/campaigns/" + campaign, s.operator).json().get("state").asText()).isEqualTo("completed");
            assertThat(facts).anyMatch(r -> r.fact() instanceof Fact.PhaseChanged p && p.host().equals("h-later")
                    && p.phase() == HostPhase.RETURNED);
            assertThat(facts).noneMatch(r -> r.fact() instanceof Fact.MaintenanceBegan b && b.host().equals("h-fixed"));
            var loaded = s.server.campaigns().load(campaign);
            var checker = new dev.ferry.core.verify.InvariantChecker(loaded.problem(), loaded.plan());
            facts.forEach(checker::accept);
            assertThat(checker.finish()).isEmpty();
        }
    }
}
