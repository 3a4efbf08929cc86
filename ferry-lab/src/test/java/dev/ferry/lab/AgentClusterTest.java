package dev.ferry.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.AgentClient;
import dev.ferry.agent.Poll;
import dev.ferry.agent.host.Agent;
import dev.ferry.agent.host.GuestSerial;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.server.ControllerProcess;
import dev.ferry.server.FerryServer;
import dev.ferry.server.Principal;
import dev.ferry.store.TestPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three controllers (each its own process) on one PostgreSQL and two host agents on real QEMU, a
 * campaign with live migrations, restarts elsewhere and a reboot in place running: the leader is
 * killed ({@code kill -9}) at random moments, ten times, and then stalled (SIGSTOP) past its lease
 * and let go on. Each time a standby takes over and reads the truth from the agents. In the end
 * the campaign completed, every guest runs exactly once, booted only as often as its moves imply
 * with its counter unbroken in between (nothing was done twice), the history keeps every safety
 * rule, the surviving controllers answered throughout, and the agents refuse the stalled leader's
 * term.
 */
class AgentClusterTest {
    private static final int KILLS = Integer.getInteger("ferry.agentcluster.kills", 10);
    private static final String POLICY = "ferry: policy/v1\nnoticeHours: 0\nsoakMinutes: 0\ncanaryHosts: 0\n"
            + "durations: { patchMinutes: 0, rebootMinutes: 0, restartMinutes: 0 }\n"
            + "liveMigration: { maxDowntimeMs: 1, bandwidthMiBps: 12, perHost: 1, timeoutSecondsPerGiB: 600, onTimeout: abort }\n";

    @TempDir
    Path data;

    @TempDir
    Path agentData;

    private final List<Agent> agents = new ArrayList<>();
    private final List<ControllerProcess> controllers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private String operator;

    @AfterEach
    void stopEverything() throws InterruptedException {
        for (ControllerProcess c : controllers) {
            c.kill();
        }
        for (Agent a : agents) {
            a.stopAll();
            a.close();
        }
    }

    @Test
    void theLeaderKilledAndStalledMidCampaignOnRealHypervisorsLosesNothingAndDoesNothingTwice() throws Exception {
        String qemu = RequireQemu.find();
        String url = TestPostgres.newDatabaseUrl();
        String[] versions = {"xen-4.4.0", "xen-4.5.0"};
        for (int h = 0; h < 2; h++) {
            // h1's "patch and reboot" keeps it away for a minute: the campaign runs on while the kills and the stall come
            agents.add(Agent.start(new Agent.Config("h" + (h + 1), "127.0.0.1", 0, agentData.resolve("h" + (h + 1)), versions[h], qemu,
                    Duration.ofSeconds(h == 0 ? 60 : 1))));
        }
        AgentClient h1 = new AgentClient("127.0.0.1", agents.get(0).port());
        AgentClient h2 = new AgentClient("127.0.0.1", agents.get(1).port());
        Map<String, String> vms = new LinkedHashMap<>();
        for (int k = 1; k <= 8; k++) {
            vms.put("vm" + k, k == 2 ? "restart" : k == 4 ? "reboot-in-place" : "migrate");
        }
        StringBuilder instances = new StringBuilder();
        for (var vm : vms.entrySet()) {
            // data pages at 4 MiB/s, sent at 12 MiB/s: each migration takes seconds, and the campaign outlasts the kills
            int dirty = vm.getValue().equals("migrate") ? 4 : 0;
            h1.post("/v1/instances", Map.of("id", vm.getKey(), "epoch", 1, "memoryMiB", 48, "dirtyMiBPerSecond", dirty));
            instances.append("  - { id: ").append(vm.getKey()).append(", tenant: t1, host: h1, cpus: 1, memoryMiB: 48,"
                    + " onHostMaintenance: ").append(vm.getValue()).append(", dirtyRateMiBps: ").append(dirty).append(" }\n");
        }
        for (String vm : vms.keySet()) {
            assertThat(GuestSerial.await(List.of(log("h1", vm)), 1, Duration.ofSeconds(60)).beatingAfter(1)).isTrue();
        }
        try (FerryServer s = FerryServer.start(FerryServer.Config.defaults(data.resolve("setup")).withPort(0).withWebhookPoll(null)
                .withDatabase(url, null, null))) {
            operator = s.tokens().create(Principal.Role.OPERATOR, null, "test");
        }
        int named = 0;
        for (; named < 3; named++) {
            controllers.add(start(url, named));
        }
        ControllerProcess first = leader(null);
        AgentClient api = api(first);
        String campaign = propose(api, instances.toString());
        AgentClient viaStandby = api(controllers.stream().filter(c -> c != first).findFirst().orElseThrow());
        viaStandby.post("/v1/campaigns/" + campaign + "/approve", Map.of());

        SplittableRandom random = new SplittableRandom(Long.getLong("ferry.agentcluster.seed", 7));
        List<java.util.concurrent.CompletableFuture<Void>> replacing = new ArrayList<>();
        int kills = 0;
        for (int k = 0; k < KILLS; k++) {
            Thread.sleep(200 + random.nextInt(1000)); // a random kill point: nothing is waited for
            ControllerProcess leader = leader(null);
            if (!api(leader).get("/v1/campaigns/" + campaign).path("state").asText().equals("running")) {
                break;
            }
            leader.kill();
            kills++;
            controllers.remove(leader);
            for (ControllerProcess c : controllers) {
                assertThat(api(c).get("/v1/campaigns/" + campaign).path("state").asText()).as("a surviving controller answers")
                        .isIn("running", "completed");
            }
            int n = named++;
            replacing.add(java.util.concurrent.CompletableFuture.runAsync(() -> controllers.add(start(url, n)))); // not waited for
        }
        for (var r : replacing) {
            r.join();
        }
        assertThat(kills).as("every kill hit a running campaign").isEqualTo(KILLS);

        ControllerProcess stalled = leader(null);
        assertThat(api(stalled).get("/v1/campaigns/" + campaign).path("state").asText()).as("the stall hits a running campaign")
                .isEqualTo("running");
        long stalledTerm = api(stalled).get("/v1/cluster").path("term").asLong();
        stalled.stall(true);
        ControllerProcess successor = leader(stalled);
        stalled.stall(false);
        Poll.until(30_000, 20, () -> api(stalled).get("/health").path("role").asText().equals("standby") ? true : null);
        System.out.printf("agent cluster test: %d kills of the leader, then a stall at term %d%n", kills, stalledTerm);

        AgentClient now = api(successor);
        JsonNode row = GuestChecks.awaitEnd(now, campaign, 180_000);
        assertThat(row).as("the campaign ended: " + now.get("/v1/campaigns/" + campaign) + "\n" + now.get("/v1/campaigns/" + campaign
                + "/steps")).isNotNull();
        assertThat(row.path("state").asText()).isEqualTo("completed");
        List<HistoryRecord> facts = Lab.history(now, campaign);
        try (FerryServer s = FerryServer.start(FerryServer.Config.defaults(data.resolve("check")).withPort(0).withWebhookPoll(null)
                .withDatabase(url, null, null))) {
            GuestChecks.keepsTheRules(s, campaign, facts);
        }
        long applies = facts.stream().filter(f -> f.fact() instanceof Fact.EffectApplied).count();
        assertThat(facts.stream().filter(f -> f.fact() instanceof Fact.EffectApplied).map(f -> ((Fact.EffectApplied) f.fact()).key())
                .distinct().count()).as("no effect applied twice").isEqualTo(applies);
        GuestChecks.eachRanOnce(List.copyOf(vms.keySet()), List.of(h1, h2), vm -> List.of(log("h1", vm), log("h2", vm)), facts);
        // the agents obey the successor's term now: the stalled leader's commands are refused
        for (AgentClient h : List.of(h1, h2)) {
            assertThat(h.get("/v1/host").path("controllerTerm").asLong()).isGreaterThan(stalledTerm);
            assertThatThrownBy(() -> h.withTerm(stalledTerm).post("/v1/instances/vm1/stop", Map.of()))
                    .isInstanceOfSatisfying(AgentClient.Refused.class, r -> assertThat(r.status()).isEqualTo(403));
        }
    }

    private ControllerProcess start(String url, int n) {
        try {
            return ControllerProcess.start(data.resolve("n" + n), "--jdbc-url", url, "--node", "n" + n, "--lease-ms", "1000");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The controller that leads now, other than {@code not} (waited for: a takeover takes about a lease). */
    private ControllerProcess leader(ControllerProcess not) throws Exception {
        ControllerProcess found = Poll.until(30_000, 10, () -> {
            for (ControllerProcess c : controllers) {
                if (c != not && c.process().isAlive() && health(c).equals("leader")) {
                    return c;
                }
            }
            return null;
        });
        assertThat(found).as("a leader").isNotNull();
        return found;
    }

    private String health(ControllerProcess c) {
        try {
            return api(c).get("/health").path("role").asText();
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    private AgentClient api(ControllerProcess c) {
        return new AgentClient("http://127.0.0.1:" + c.port(), operator);
    }

    private String propose(AgentClient api, String instances) throws Exception {
        String fleet = "ferry: fleet/v1\nhosts:\n"
                + "  - { id: h1, zone: z, rack: r1, cpus: 16, memoryMiB: 4096, hypervisor: xen-4.4.0, cpuModel: qemu64,"
                + " liveMigration: true, agent: \"127.0.0.1:" + agents.get(0).port() + "\" }\n"
                + "  - { id: h2, zone: z, rack: r1, cpus: 16, memoryMiB: 4096, hypervisor: xen-4.5.0, cpuModel: qemu64,"
                + " liveMigration: true, agent: \"127.0.0.1:" + agents.get(1).port() + "\" }\n"
                + "instances:\n" + instances + "tenants:\n  - { id: t1 }\n";
        api.send("PUT", "/v1/inventory", fleet, "application/yaml");
        api.send("POST", "/v1/advisories", GuestChecks.ADVISORY, "application/yaml");
        return api.post("/v1/campaigns", Map.of("advisory", "XSA-108", "hypervisors", "agents", "policy", POLICY)).path("id").asText();
    }

    private Path log(String host, String id) {
        return agentData.resolve(host).resolve("instances").resolve(id).resolve("serial.log");
    }
}
