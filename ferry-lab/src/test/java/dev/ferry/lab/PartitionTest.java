package dev.ferry.lab;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.AgentClient;
import dev.ferry.agent.Poll;
import dev.ferry.agent.host.AgentProcess;
import dev.ferry.agent.host.GuestSerial;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.server.FerryServer;
import dev.ferry.server.Principal;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partitions between the controller and its agents: each host agent (its own process, its QEMU
 * guests) runs in a network namespace of its own with an address of its own, and the affected
 * host's link is cut — in the middle of a live migration out of it, and again while it is patched
 * and rebooted — then restored. Nothing is lost or done twice: the campaign completes, the
 * live-migrated guest runs once with its counter unbroken, the relocated one was started once
 * elsewhere, the host comes back patched, and the history keeps every safety rule.
 */
class PartitionTest {
    private static final String POLICY = "ferry: policy/v1\nnoticeHours: 0\nsoakMinutes: 0\ncanaryHosts: 0\n"
            + "durations: { patchMinutes: 0, rebootMinutes: 0, restartMinutes: 0 }\n"
            + "liveMigration: { maxDowntimeMs: 1, bandwidthMiBps: 16, perHost: 1, timeoutSecondsPerGiB: 1200, onTimeout: abort }\n";

    @TempDir
    Path data;

    @TempDir
    Path agentData;

    private Netns net;
    private FerryServer server;
    private final List<Process> agents = new ArrayList<>();

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close();
        }
        for (Process p : agents) {
            p.destroyForcibly();
        }
        if (net != null) {
            net.close();
        }
    }

    @Test
    void aLinkCutMidMigrationAndMidRebootLosesNothingAndDoesNothingTwice() throws Exception {
        String qemu = RequireQemu.find();
        net = Netns.create(2);
        int[] ports = {start(1, "xen-4.4.0", qemu), start(2, "xen-4.5.0", qemu)};
        AgentClient h1 = new AgentClient(net.address(1), ports[0]);
        h1.post("/v1/instances", Map.of("id", "vm1", "epoch", 1, "memoryMiB", 96, "dirtyMiBPerSecond", 8));
        h1.post("/v1/instances", Map.of("id", "vm2", "epoch", 1, "memoryMiB", 32, "dirtyMiBPerSecond", 0));
        for (String vm : List.of("vm1", "vm2")) {
            assertThat(GuestSerial.await(List.of(log(1, vm)), 1, Duration.ofSeconds(60)).beatingAfter(1)).isTrue();
        }
        server = FerryServer.start(FerryServer.Config.defaults(data).withPort(0).withWebhookPoll(null));
        AgentClient api = new AgentClient("http://127.0.0.1:" + server.port(), server.tokens().create(Principal.Role.OPERATOR, null, "t"));
        String fleet = "ferry: fleet/v1\nhosts:\n"
                + "  - { id: h1, zone: z, rack: r1, cpus: 8, memoryMiB: 4096, hypervisor: xen-4.4.0, cpuModel: qemu64,"
                + " liveMigration: true, agent: \"" + net.address(1) + ":" + ports[0] + "\" }\n"
                + "  - { id: h2, zone: z, rack: r1, cpus: 8, memoryMiB: 4096, hypervisor: xen-4.5.0, cpuModel: qemu64,"
                + " liveMigration: true, agent: \"" + net.address(2) + ":" + ports[1] + "\" }\n"
                + "instances:\n"
                + "  - { id: vm1, tenant: t1, host: h1, cpus: 1, memoryMiB: 96, onHostMaintenance: migrate, dirtyRateMiBps: 8 }\n"
                + "  - { id: vm2, tenant: t1, host: h1, cpus: 1, memoryMiB: 32, onHostMaintenance: restart }\n"
                + "tenants:\n  - { id: t1 }\n";
        api.send("PUT", "/v1/inventory", fleet, "application/yaml");
        api.send("POST", "/v1/advisories", GuestChecks.ADVISORY, "application/yaml");
        String campaign = api.post("/v1/campaigns", Map.of("advisory", "XSA-108", "hypervisors", "agents", "policy", POLICY))
                .path("id").asText();
        api.post("/v1/campaigns/" + campaign + "/approve", Map.of());

        // mid-migration: vm1's pages are on their way to h2 when h1 drops off the network
        assertThat(Poll.until(120_000, 20, () -> h1.get("/v1/instances/vm1/migration").path("status").asText().equals("active")
                ? true : null)).as("vm1's migration started").isNotNull();
        net.cut(1);
        Thread.sleep(4_000); // the outage's length: chosen, not waited for
        net.restore(1);

        // mid-reboot: h1, emptied, is patched and rebooted, and drops off the network while it is away
        assertThat(Poll.until(180_000, 20, () -> {
            try {
                h1.get("/v1/host");
                return null;
            } catch (IOException e) {
                return true; // the agent stopped listening: it "reboots"
            }
        })).as("h1 rebooted").isNotNull();
        net.cut(1);
        Thread.sleep(4_000); // the outage's length: longer than the reboot, so h1 comes back while it cannot be reached
        net.restore(1);

        JsonNode row = GuestChecks.awaitEnd(api, campaign, 180_000);
        assertThat(row).as("the campaign ended").isNotNull();
        assertThat(row.path("state").asText()).as(row.toString()).isEqualTo("completed");
        List<HistoryRecord> facts = Lab.history(api, campaign);
        GuestChecks.keepsTheRules(server, campaign, facts);
        long applies = facts.stream().filter(f -> f.fact() instanceof Fact.EffectApplied).count();
        assertThat(facts.stream().filter(f -> f.fact() instanceof Fact.EffectApplied).map(f -> ((Fact.EffectApplied) f.fact()).key())
                .distinct().count()).as("no effect applied twice").isEqualTo(applies);
        AgentClient h2 = new AgentClient(net.address(2), ports[1]);
        assertThat(h1.get("/v1/host").path("version").asText()).as("h1 came back patched").isEqualTo("xen-4.4.1");
        GuestChecks.eachRanOnce(List.of("vm1", "vm2"), List.of(h1, h2), vm -> List.of(log(1, vm), log(2, vm)), facts);
        assertThat(GuestChecks.role(h2, "vm2")).as("the relocated guest runs on h2").isEqualTo("running");
    }

    /** Host {@code h}'s agent, a process in its namespace listening on its address; its port. */
    private int start(int h, String version, String qemu) throws IOException {
        List<String> java = List.of(ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
                AgentProcess.class.getName(), "h" + h, agentData.resolve("h" + h).toString(), version, qemu, "2000", "-", "-", "1000",
                net.address(h));
        Process p = new ProcessBuilder(net.in(h, java)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        agents.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("listening ")) {
                return Integer.parseInt(line.substring("listening ".length()).trim());
            }
        }
        throw new IOException("the agent of h" + h + " did not start");
    }

    private Path log(int h, String id) {
        return agentData.resolve("h" + h).resolve("instances").resolve(id).resolve("serial.log");
    }
}
