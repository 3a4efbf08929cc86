package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Tenants launch, stop, start, reboot and terminate; launches take room with a compare-and-swap. */
class InstanceLifecycleTest {
    /** One vulnerable host and one safe host with room for exactly eight 1-vCPU / 2 GiB instances. */
    static final String FLEET = """
            ferry: fleet/v1
            hosts:
              - { id: h-vuln, zone: az1, rack: r1, cpus: 64, memoryMiB: 262144, hypervisor: xen-4.3.0, cpuModel: skylake, liveMigration: true }
              - { id: h-safe, zone: az1, rack: r2, cpus: 8, memoryMiB: 16384, hypervisor: xen-4.5.0, cpuModel: skylake, liveMigration: true }
              - { id: h-off, zone: az1, rack: r3, cpus: 64, memoryMiB: 262144, hypervisor: xen-4.5.0, cpuModel: skylake, liveMigration: true, state: cordoned }
            instances:
              - { id: old-1, tenant: acme, host: h-vuln, cpus: 2, memoryMiB: 4096 }
              - { id: old-2, tenant: globex, host: h-vuln, cpus: 2, memoryMiB: 4096 }
            groups:
              - { id: acme-web, tenant: acme, antiAffinity: host, maxUnavailable: 1 }
            """;
    static final String ADVISORY = """
            ferry: advisory/v1
            id: XSA-108
            affects:
              - { hypervisor: "xen-4.[0-4].*", cpuModel: "*" }
            fixedVersion: xen-4.4.1
            requiresReboot: true
            """;

    @TempDir
    Path dir;

    private static String[] setUp(TestServer s) {
        assertThat(s.send("PUT", "/v1/inventory", s.operator, FLEET).status()).isEqualTo(200);
        assertThat(s.post("/v1/advisories", s.operator, ADVISORY).status()).isEqualTo(201);
        return new String[] {s.server.tokens().create(Principal.Role.TENANT, "acme", "acme"),
            s.server.tokens().create(Principal.Role.TENANT, "globex", "globex")};
    }

    private static String hostOf(TestServer s, String instance) {
        return s.server.database().tx(c -> {
            try (var ps = c.prepareStatement("SELECT host FROM instances WHERE id = ?")) {
                ps.setString(1, instance);
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aTenantLaunchesStopsStartsRebootsAndTerminatesNeverOnAVulnerableOrCordonedHost(String db) {
        try (TestServer s = new TestServer(dir, db)) {
            String[] t = setUp(s);
            TestServer.Response launched = s.post("/v1/tenant/instances", t[0], "{\"cpus\":2,\"memoryMiB\":4096,\"group\":\"acme-web\"}");
            assertThat(launched.status()).as(launched.body()).isEqualTo(201);
            String id = launched.json().get("id").asText();
            assertThat(launched.json().get("state").asText()).isEqualTo("running");
            assertThat(launched.json().get("host").asText()).startsWith("host-");
            assertThat(hostOf(s, id)).isEqualTo("h-safe");
            assertThat(s.count("SELECT used_milli_cpu FROM hosts WHERE id = 'h-safe'")).isEqualTo(2000);
            // anti-affinity: the group's second member has no other safe host
            TestServer.Response second = s.post("/v1/tenant/instances", t[0], "{\"cpus\":1,\"memoryMiB\":1024,\"group\":\"acme-web\"}");
            assertThat(second.status()).isEqualTo(409);
            assertThat(second.json().get("detail").asText()).contains("anti-affinity");
            assertThat(s.post("/v1/tenant/instances", t[1], "{\"cpus\":1,\"memoryMiB\":1024,\"group\":\"acme-web\"}").status())
                    .isEqualTo(400);

            assertThat(s.post("/v1/tenant/instances/" + id + "/stop", t[0], null).json().get("state").asText()).isEqualTo("stopped");
            assertThat(s.count("SELECT used_milli_cpu FROM hosts WHERE id = 'h-safe'")).isZero();
            assertThat(s.post("/v1/tenant/instances/" + id + "/stop", t[0], null).status()).isEqualTo(409);
            assertThat(s.post("/v1/tenant/instances/" + id + "/reboot", t[0], null).status()).isEqualTo(409);
            assertThat(s.post("/v1/tenant/instances/" + id + "/start", t[0], null).json().get("state").asText()).isEqualTo("running");
            assertThat(hostOf(s, id)).isEqualTo("h-safe");
            assertThat(s.post("/v1/tenant/instances/" + id + "/reboot", t[0], null).status()).isEqualTo(200);
            assertThat(hostOf(s, id)).isEqualTo("h-safe");
            assertThat(s.send("DELETE", "/v1/tenant/instances/" + id, t[0], null).status()).isEqualTo(204);
            assertThat(s.get("/v1/tenant/instances/" + id, t[0]).status()).isEqualTo(404);
            assertThat(s.count("SELECT used_milli_cpu FROM hosts WHERE id = 'h-safe'")).isZero();
            assertThat(s.server.inventory().current().fleet().instanceIndex(id)).isNegative();
            JsonNode audit = s.get("/v1/audit?target=" + id, s.operator).json().get("items");
            assertThat(audit.findValuesAsText("action")).containsExactly("instance.launch", "instance.stop", "instance.start",
                    "instance.reboot", "instance.terminate");

        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void duringACampaignTheCampaignPlacesLaunchesAndKeepsItsOwnInstances(String db) throws Exception {
        try (TestServer s = new TestServer(dir, db)) {
            String[] t = setUp(s);
            String campaign = s.post("/v1/campaigns", s.operator, "{\"advisory\":\"XSA-108\"}").json().get("id").asText();
            s.post("/v1/campaigns/" + campaign + "/approve", s.operator, null);

            TestServer.Response launched = s.post("/v1/tenant/instances", t[0], "{\"cpus\":1,\"memoryMiB\":1024}");
            assertThat(launched.status()).as(launched.body()).isEqualTo(201);
            String id = launched.json().get("id").asText();
            assertThat(hostOf(s, id)).isEqualTo("h-safe");
            assertThat(s.facts(campaign)).anyMatch(f -> f.fact().equals(new dev.ferry.core.history.Fact.Held(id, "h-safe", 1000, 1024)));
            // old-1 is live-migrating (the canary started at approval and the clock stands still): only that is refused
            TestServer.Response own = s.post("/v1/tenant/instances/old-1/stop", t[0], null);
            assertThat(own.status()).as(own.body()).isEqualTo(409);
            assertThat(own.json().get("detail").asText()).contains("being moved").contains("campaign " + campaign);
            assertThat(own.json().get("reason").asText()).isEqualTo("move-in-flight");
            assertThat(own.header("Retry-After")).isNotNull();
            assertThat(s.post("/v1/tenant/instances/old-1/reboot", t[0], null).status()).isEqualTo(409);
            TestServer.Response tooBig = s.post("/v1/tenant/instances", t[1], "{\"cpus\":16,\"memoryMiB\":1024}");
            assertThat(tooBig.status()).isEqualTo(409);
            assertThat(tooBig.json().get("detail").asText()).contains("places instances while it runs");

            assertThat(s.post("/v1/tenant/instances/" + id + "/stop", t[0], null).status()).isEqualTo(200);
            assertThat(s.facts(campaign)).anyMatch(f -> f.fact() instanceof dev.ferry.core.history.Fact.Unheld u && u.instance().equals(id));
            assertThat(s.post("/v1/tenant/instances/" + id + "/start", t[0], null).status()).isEqualTo(200);

            s.runToEnd(campaign);
            assertThat(s.get("/v1/campaigns/" + campaign, s.operator).json().get("state").asText()).isEqualTo("completed");
            var checker = new dev.ferry.core.verify.InvariantChecker(s.server.campaigns().load(campaign).problem());
            s.facts(campaign).forEach(checker::accept);
            assertThat(checker.finish()).isEmpty();
            assertThat(s.count("SELECT COUNT(*) FROM hosts WHERE used_milli_cpu > capacity_milli_cpu"
                    + " OR used_memory_mib > memory_mib")).isZero();
            // after the campaign, the patched host takes launches again
            TestServer.Response after = s.post("/v1/tenant/instances", t[1], "{\"cpus\":16,\"memoryMiB\":1024}");
            assertThat(after.status()).as(after.body()).isEqualTo(201);
            assertThat(hostOf(s, after.json().get("id").asText())).isIn("h-vuln");
        }
    }

    /** Instances that restart in maintenance (they get events with the default 24 h notice), and one on a safe host. */
    static final String CHURN_FLEET = """
            ferry: fleet/v1
            hosts:
              - { id: h-vuln, zone: az1, rack: r1, cpus: 64, memoryMiB: 262144, hypervisor: xen-4.3.0, cpuModel: skylake, liveMigration: true }
              - { id: h-safe, zone: az1, rack: r2, cpus: 32, memoryMiB: 131072, hypervisor: xen-4.5.0, cpuModel: skylake, liveMigration: true }
            instances:
              - { id: r-1, tenant: acme, host: h-vuln, cpus: 2, memoryMiB: 4096, onHostMaintenance: restart }
              - { id: r-2, tenant: acme, host: h-vuln, cpus: 2, memoryMiB: 4096, onHostMaintenance: restart }
              - { id: r-3, tenant: globex, host: h-vuln, cpus: 2, memoryMiB: 4096, onHostMaintenance: restart }
              - { id: s-1, tenant: acme, host: h-safe, cpus: 2, memoryMiB: 4096 }
            """;

    static String eventState(TestServer s, String token, String instance) {
        for (JsonNode e : s.get("/v1/tenant/events", token).json().get("items")) {
            if (e.get("instance").asText().equals(instance)) {
                return e.get("state").asText();
            }
        }
        return null;
    }

    /**
     * The rules of docs/server.md ("The tenant's view of a campaign"): while a campaign runs, its
     * instances keep working; a stop cancels the event, a start lands on a safe host, a reboot keeps
     * the event, a terminate cancels it; instances elsewhere are not the campaign's concern.
     */
    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void duringACampaignTenantsKeepUsingTheirInstances(String db) throws Exception {
        try (TestServer s = new TestServer(dir, db)) {
            assertThat(s.send("PUT", "/v1/inventory", s.operator, CHURN_FLEET).status()).isEqualTo(200);
            assertThat(s.post("/v1/advisories", s.operator, ADVISORY).status()).isEqualTo(201);
            String acme = s.server.tokens().create(Principal.Role.TENANT, "acme", "acme");
            String globex = s.server.tokens().create(Principal.Role.TENANT, "globex", "globex");
            String campaign = s.post("/v1/campaigns", s.operator, "{\"advisory\":\"XSA-108\"}").json().get("id").asText();
            assertThat(s.post("/v1/campaigns/" + campaign + "/approve", s.operator, null).status()).isEqualTo(200);
            s.advance(campaign, java.time.Duration.ZERO); // the approval's notices are committed
            assertThat(eventState(s, acme, "r-1")).isEqualTo("scheduled");

            // an instance on a host the advisory leaves alone: everything, as outside a campaign
            for (String op : List.of("reboot", "stop", "start")) {
                TestServer.Response r = s.post("/v1/tenant/instances/s-1/" + op, acme, null);
                assertThat(r.status()).as(op + ": " + r.body()).isEqualTo(200);
            }
            // a reboot stays where it is and keeps the event
            assertThat(s.post("/v1/tenant/instances/r-1/reboot", acme, null).status()).isEqualTo(200);
            assertThat(hostOf(s, "r-1")).isEqualTo("h-vuln");
            assertThat(eventState(s, acme, "r-1")).isEqualTo("scheduled");
            // a stop cancels it; the start lands on a safe host
            assertThat(s.post("/v1/tenant/instances/r-1/stop", acme, null).json().get("state").asText()).isEqualTo("stopped");
            assertThat(eventState(s, acme, "r-1")).isEqualTo("cancelled");
            assertThat(s.post("/v1/tenant/instances/r-1/start", acme, null).json().get("state").asText()).isEqualTo("running");
            assertThat(hostOf(s, "r-1")).isEqualTo("h-safe");
            // a terminate cancels the event and the row goes
            assertThat(s.send("DELETE", "/v1/tenant/instances/r-2", acme, null).status()).isEqualTo(204);
            assertThat(eventState(s, acme, "r-2")).isEqualTo("cancelled");
            assertThat(s.get("/v1/tenant/instances/r-2", acme).status()).isEqualTo(404);
            assertThat(s.facts(campaign)).extracting(f -> f.fact().getClass().getSimpleName())
                    .contains("TenantRebooted", "TenantStopped", "TenantStarted");

            s.runToEnd(campaign);
            assertThat(s.get("/v1/campaigns/" + campaign, s.operator).json().get("state").asText()).isEqualTo("completed");
            assertThat(eventState(s, globex, "r-3")).isEqualTo("completed");
            assertThat(hostOf(s, "r-1")).isEqualTo("h-safe");
            assertThat(s.get("/v1/tenant/instances/r-1", acme).json().get("state").asText()).isEqualTo("running");
            var checker = new dev.ferry.core.verify.InvariantChecker(s.server.campaigns().load(campaign).problem());
            s.facts(campaign).forEach(checker::accept);
            assertThat(checker.finish()).isEmpty();
            assertThat(s.count("SELECT COUNT(*) FROM hosts WHERE used_milli_cpu > capacity_milli_cpu"
                    + " OR used_memory_mib > memory_mib")).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void fiftyParallelLaunchesForEightSlotsGrantExactlyEight(String db) throws Exception {
        try (TestServer s = new TestServer(dir, db)) {
            String[] t = setUp(s);
            int[] statuses = new int[50];
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int k = 0; k < 50; k++) {
                int n = k;
                Thread th = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    statuses[n] = s.post("/v1/tenant/instances", t[n % 2], "{\"cpus\":1,\"memoryMiB\":2048}").status();
                });
                th.start();
                threads.add(th);
            }
            go.countDown();
            for (Thread th : threads) {
                th.join();
            }
            assertThat(java.util.Arrays.stream(statuses).filter(x -> x == 201).count()).isEqualTo(8);
            assertThat(java.util.Arrays.stream(statuses).filter(x -> x == 409).count()).isEqualTo(42);
            assertThat(s.count("SELECT used_milli_cpu FROM hosts WHERE id = 'h-safe'")).isEqualTo(8000);
            assertThat(s.count("SELECT used_memory_mib FROM hosts WHERE id = 'h-safe'")).isEqualTo(16384);
            assertThat(s.count("SELECT COUNT(*) FROM instances WHERE host = 'h-safe'")).isEqualTo(8);
            assertThat(s.server.inventory().current().fleet().instances()).hasSize(10);
        }
    }
}
