package dev.ferry.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.AgentClient;
import dev.ferry.agent.host.Agent;
import dev.ferry.agent.driver.AgentCalls;
import dev.ferry.agent.driver.AgentDriver;
import dev.ferry.core.campaign.Effect;
import dev.ferry.core.campaign.Input;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.HostState;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.Policy;
import dev.ferry.core.model.Tenant;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.server.FerryServer;
import dev.ferry.server.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Host agents without QEMU ({@code --hypervisor simulated}): the same agent and driver, guests
 * that are state, a live migration that takes the modelled time and tells the destination's agent
 * over its own connection. A campaign on them with a live migration, a restart elsewhere and a
 * reboot in place completes, every guest runs on exactly one host, and the history keeps every
 * safety rule.
 */
class SimulatedAgentsTest extends SimulatedHosts {
    @Test
    void aCampaignOnSimulatedHostsMovesEveryGuestOnceAndKeepsTheRules() throws Exception {
        String[] versions = {"xen-4.4.0", "xen-4.5.0", "xen-4.5.0"};
        for (int h = 0; h < versions.length; h++) {
            simulatedAgent("h" + (h + 1), versions[h], Duration.ofMillis(200));
        }
        AgentClient h1 = new AgentClient("127.0.0.1", agents.get(0).port());
        assertThat(h1.get("/v1/host").path("backend").asText()).isEqualTo("simulated");
        // 512 MiB dirtied at 64 MiB/s, sent at 256 MiB/s: a couple of seconds in real time
        h1.post("/v1/instances", Map.of("id", "vm1", "epoch", 1, "memoryMiB", 512, "dirtyMiBPerSecond", 64));
        h1.post("/v1/instances", Map.of("id", "vm2", "epoch", 1, "memoryMiB", 256, "dirtyMiBPerSecond", 0));
        h1.post("/v1/instances", Map.of("id", "vm3", "epoch", 1, "memoryMiB", 256, "dirtyMiBPerSecond", 0));
        server = FerryServer.start(FerryServer.Config.defaults(data).withPort(0).withWebhookPoll(null));
        AgentClient api = new AgentClient("http://127.0.0.1:" + server.port(), server.tokens().create(Principal.Role.OPERATOR, null, "t"));
        StringBuilder fleet = new StringBuilder("ferry: fleet/v1\nhosts:\n");
        for (int h = 0; h < versions.length; h++) {
            fleet.append("  - { id: h").append(h + 1).append(", zone: z, rack: r1, cpus: 16, memoryMiB: 16384, hypervisor: ")
                    .append(versions[h]).append(", cpuModel: sim, liveMigration: true, agent: \"127.0.0.1:")
                    .append(agents.get(h).port()).append("\" }\n");
        }
        fleet.append("instances:\n"
                + "  - { id: vm1, tenant: t1, host: h1, cpus: 1, memoryMiB: 512, onHostMaintenance: migrate, dirtyRateMiBps: 64 }\n"
                + "  - { id: vm2, tenant: t1, host: h1, cpus: 1, memoryMiB: 256, onHostMaintenance: restart }\n"
                + "  - { id: vm3, tenant: t1, host: h1, cpus: 1, memoryMiB: 256, onHostMaintenance: reboot-in-place }\n"
                + "tenants:\n  - { id: t1 }\n");
        api.send("PUT", "/v1/inventory", fleet.toString(), "application/yaml");
        api.send("POST", "/v1/advisories", GuestChecks.ADVISORY, "application/yaml");
        String policy = "ferry: policy/v1\nnoticeHours: 0\nsoakMinutes: 0\ncanaryHosts: 0\n"
                + "durations: { patchMinutes: 0, rebootMinutes: 0, restartMinutes: 0 }\n"
                + "liveMigration: { maxDowntimeMs: 300, bandwidthMiBps: 256, perHost: 2, timeoutSecondsPerGiB: 600, onTimeout: abort }\n";
        String campaign = api.post("/v1/campaigns", Map.of("advisory", "XSA-108", "hypervisors", "agents", "policy", policy))
                .path("id").asText();
        api.post("/v1/campaigns/" + campaign + "/approve", Map.of());
        JsonNode end = GuestChecks.awaitEnd(api, campaign, 120_000);
        assertThat(end).isNotNull();
        assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("completed");
        List<HistoryRecord> facts = Lab.history(api, campaign);
        GuestChecks.keepsTheRules(server, campaign, facts);
        assertThat(facts.stream().filter(f -> f.fact() instanceof Fact.MoveStarted m && m.instance().equals("vm1")
                && m.kind() == MoveKind.LIVE_MIGRATE)).as("vm1 live-migrated, once").hasSize(1);
        List<AgentClient> hosts = agents.stream().map(a -> new AgentClient("127.0.0.1", a.port())).toList();
        for (String vm : List.of("vm1", "vm2", "vm3")) {
            int copies = 0;
            for (AgentClient h : hosts) {
                copies += "running".equals(GuestChecks.role(h, vm)) ? 1 : 0;
            }
            assertThat(copies).as(vm + " runs on exactly one host").isEqualTo(1);
        }
        assertThat(h1.get("/v1/host").path("version").asText()).isEqualTo("xen-4.4.1");

        // what it measured is the model's first version, and the next proposal's forecast uses it
        JsonNode model = awaitModel(api);
        System.out.println("model learnt: " + model);
        assertThat(model.path("version").asInt()).isEqualTo(1);
        assertThat(model.path("campaign").asText()).isEqualTo(campaign);
        JsonNode reboot = model.path("rebootSecondsByHostModel").path("sim");
        assertThat(reboot.path("samples").asInt()).as("h1 rebooted once: " + model).isEqualTo(1);
        assertThat(reboot.path("mean").asDouble()).as("the agent's reboot takes 200 ms").isGreaterThanOrEqualTo(0.2);
        assertThat(model.path("migrationSecondsPerGiB").path("samples").asInt()).as("vm1's live migration").isEqualTo(1);
        assertThat(model.path("restartSeconds").path("samples").asInt()).as("vm2 relocated (vm3's reboot in place is no restart alone)")
                .isEqualTo(1);
        assertThat(model.path("migrationOverheadSeconds").path("samples").asInt()).as("vm1's live migration").isEqualTo(1);
        assertThat(model.path("verifySecondsByHostModel").isEmpty()).as("h1's verification restarted vm3: not a verification alone")
                .isTrue();
        assertThat(api.get("/v1/audit?action=model.learn").path("items")).singleElement()
                .satisfies(a -> assertThat(a.path("target").asText()).isEqualTo(campaign));
        String next = api.post("/v1/campaigns", Map.of("advisory", "XSA-108", "forecast", 10)).path("id").asText();
        JsonNode forecast = GuestChecks.awaitForecast(api, next);
        assertThat(forecast.path("model").asInt()).as("the forecast used version 1").isEqualTo(1);
    }

    /** The learned model, once there is one (404 until then: it is learnt in the background after the campaign's end). */
    private static JsonNode awaitModel(AgentClient api) throws Exception {
        return dev.ferry.agent.Poll.until(60_000, 50, () -> api.get("/v1/model"));
    }

    /**
     * A reader of a migration may wait at the agent for its end ({@code ?waitMs=}): the controller
     * follows hundreds of migrations with a few requests a second instead of polling each.
     */
    @Test
    void aReaderOfAMigrationIsAnsweredWhenItEndsAndABadWaitIsRefused() throws Exception {
        for (int h = 1; h <= 2; h++) {
            simulatedAgent("h" + h, "xen-4.5.0", Duration.ofMillis(200));
        }
        AgentClient src = new AgentClient("127.0.0.1", agents.get(0).port());
        AgentClient dst = new AgentClient("127.0.0.1", agents.get(1).port());
        src.post("/v1/instances", Map.of("id", "vm1", "epoch", 1, "memoryMiB", 1024, "dirtyMiBPerSecond", 0));
        JsonNode in = dst.post("/v1/instances/vm1/incoming", Map.of("id", "vm1", "epoch", 2, "memoryMiB", 1024,
                "dirtyMiBPerSecond", 0, "postcopy", false));
        Map<String, Object> settings = new java.util.LinkedHashMap<>(Map.of("host", in.path("host").asText(), "port",
                in.path("port").asInt(), "backend", in.path("backend").asText(), "epoch", in.path("epoch").asLong()));
        settings.put("maxBandwidthBytesPerSecond", 256L << 20); // four seconds of modelled time
        src.post("/v1/instances/vm1/migrate", settings);
        assertThat(src.get("/v1/instances/vm1/migration?waitMs=0").path("status").asText()).as("no wait: its progress").isEqualTo("active");
        for (String bad : List.of("-1", "30001", "soon")) {
            assertThatThrownBy(() -> src.get("/v1/instances/vm1/migration?waitMs=" + bad)).isInstanceOfSatisfying(
                    AgentClient.Refused.class, r -> assertThat(r.status()).isEqualTo(400));
        }
        JsonNode ended = src.get("/v1/instances/vm1/migration?waitMs=30000");
        assertThat(ended.path("status").asText()).as("one request, answered at the end: " + ended).isEqualTo("completed");
        assertThat(GuestChecks.role(dst, "vm1")).isEqualTo("running");
    }

    /**
     * A command that fails after a live migration switched over (here: the source's stop, held back
     * by the lease guard) leaves the move sent but unanswered; the driver finishes it from what the
     * agents report — the destination runs it for this move — instead of leaving it to hang.
     */
    @Test
    void aMoveWhoseLastCommandFailsIsFinishedFromWhatTheAgentsReport() throws Exception {
        for (int h = 1; h <= 2; h++) {
            simulatedAgent("h" + h, "xen-4.5.0", Duration.ofMillis(200));
        }
        List<Host> hosts = new ArrayList<>();
        for (int h = 0; h < 2; h++) {
            hosts.add(new Host("h" + (h + 1), "z", "r", 8, 8192, 1.0, "xen-4.5.0", "qemu64", true,
                    HostState.ACTIVE, "127.0.0.1:" + agents.get(h).port()));
        }
        Fleet fleet = new Fleet(hosts, List.of(new Instance("vm1", "t",
                "h1", 1, 256, OnHostMaintenance.MIGRATE, null, 0)), List.of(),
                List.of(new Tenant("t", null)));
        AgentClient src = new AgentClient("127.0.0.1", agents.get(0).port());
        src.post("/v1/instances", Map.of("id", "vm1", "epoch", 1, "memoryMiB", 256, "dirtyMiBPerSecond", 0));
        AtomicBoolean refusing = new AtomicBoolean();
        List<AgentClient> clients = new ArrayList<>(AgentCalls.clients(fleet));
        clients.set(0, clients.get(0).withGuard(() -> !refusing.get(), 1));
        List<String> failures = new CopyOnWriteArrayList<>();
        BlockingQueue<Input> answers = new LinkedBlockingQueue<>();
        AgentDriver driver = new AgentDriver(fleet, Policy.DEFAULTS, null, clients, 0,
                (facts, in) -> answers.add(in), new AgentDriver.Observer() {
                    @Override
                    public void switchedOver(Effect.StartMove move) {
                        refusing.set(true); // the source's stop, next, is not sent
                    }

                    @Override
                    public void failed(Effect effect, Exception e) {
                        failures.add(effect.key() + ": " + e.getMessage());
                        refusing.set(false);
                    }
                });
        try {
            driver.apply(new Effect.StartMove("move/1", 1, 0, 0, 1, MoveKind.LIVE_MIGRATE, 2, false));
            Input answer = answers.poll(120, TimeUnit.SECONDS);
            assertThat(answer).as("answered after all").isInstanceOf(Input.MoveCompleted.class);
            assertThat(failures).singleElement().asString().startsWith("move/1: not sent");
            assertThat(GuestChecks.role(new AgentClient("127.0.0.1", agents.get(1).port()), "vm1")).isEqualTo("running");
            assertThat(src.get("/v1/host").path("instances")).as("the source's copy stopped once the guard allowed it")
                    .noneSatisfy(i -> assertThat(i.path("alive").asBoolean()).isTrue());
            assertThat(answers).as("answered once").isEmpty();
        } finally {
            driver.close();
        }
    }
}
