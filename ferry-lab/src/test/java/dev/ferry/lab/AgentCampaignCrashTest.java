package dev.ferry.lab;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.AgentClient;
import dev.ferry.agent.Poll;
import dev.ferry.agent.host.Agent;
import dev.ferry.agent.host.GuestSerial;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.core.verify.InvariantChecker;
import dev.ferry.formats.HistoryJson;
import dev.ferry.server.ControllerProcess;
import dev.ferry.server.CrashServerMain;
import dev.ferry.server.FerryServer;
import dev.ferry.server.Principal;
import dev.ferry.store.Database;
import dev.ferry.store.Stores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Campaigns on real hypervisors through the controller, with the faults the issue names: the
 * controller (its own process) dies between a live migration's switch-over and the commit that
 * would record it; on restart the truth is read from the agents and nothing migrates twice. And a
 * destination QEMU killed in the middle of a migration: the move fails, the room reserved on the
 * destination is released, the source keeps running, and the campaign tries again and finishes.
 * And the controller killed at random moments of a campaign with every kind of move: each restart
 * reads the agents and goes on; in the end every guest runs exactly once, booted only as often as
 * its moves imply, its counter unbroken in between, and the history keeps every safety rule.
 */
class AgentCampaignCrashTest {
    private static final String POLICY = "ferry: policy/v1\nnoticeHours: 0\nsoakMinutes: 0\ncanaryHosts: 0\n"
            + "durations: { patchMinutes: 0, rebootMinutes: 0, restartMinutes: 0 }\n"
            + "liveMigration: { maxDowntimeMs: 1, bandwidthMiBps: %d, perHost: 1, timeoutSecondsPerGiB: 600, onTimeout: abort }\n";

    @TempDir
    Path data;

    @TempDir
    Path agentData;

    private final List<Agent> agents = new ArrayList<>();
    private ControllerProcess controller;

    @AfterEach
    void stopEverything() throws InterruptedException {
        if (controller != null) {
            controller.kill();
        }
        for (Agent a : agents) {
            a.stopAll();
            a.close();
        }
    }

    @Test
    void aControllerKilledBetweenSwitchOverAndCommitReadsTheTruthFromTheAgentsAndMigratesNothingTwice() throws Exception {
        String qemu = RequireQemu.find();
        AgentClient[] hosts = startAgents(qemu);
        hosts[0].post("/v1/instances", Map.of("id", "vm1", "epoch", 1, "memoryMiB", 32, "dirtyMiBPerSecond", 0));
        awaitBeat("h1", "vm1");
        String operator = operatorToken();

        controller = ControllerProcess.start(data, CrashServerMain.HALT_AFTER_SWITCHOVER);
        AgentClient api = api(operator);
        String campaign = propose(api, 1024);
        api.post("/v1/campaigns/" + campaign + "/approve", Map.of());
        assertThat(controller.process().waitFor(120, TimeUnit.SECONDS)).as("the controller halts at the switch-over").isTrue();
        assertThat(controller.process().exitValue()).as(controller.output()).isEqualTo(137);

        // what the crash left: QEMU switched over (the destination runs the guest, the source is paused),
        // and the controller stored that it asked for the move but nothing of how it ended
        assertThat(GuestChecks.role(hosts[1], "vm1")).isEqualTo("running");
        assertThat(GuestChecks.role(hosts[0], "vm1")).isEqualTo("migrated");
        try (Database db = Database.open(Database.h2Url(data), null, null, 2)) {
            assertThat(Stores.over(db).history().facts(campaign, List.of(Fact.SwitchedOver.class))).isEmpty();
        }

        controller = ControllerProcess.start(data);
        api = api(operator);
        JsonNode row = awaitEnd(api, campaign);
        assertThat(row.path("state").asText()).as(controller.output()).isEqualTo("completed");
        assertThat(row.path("hostsPatched").asInt()).isEqualTo(1);

        List<HistoryRecord> facts = facts(api, campaign);
        assertThat(facts.stream().filter(f -> f.fact() instanceof Fact.MoveStarted m && m.instance().equals("vm1")
                && m.kind() == MoveKind.LIVE_MIGRATE)).as("one migration was asked for").hasSize(1);
        assertThat(facts.stream().filter(f -> f.fact() instanceof Fact.SwitchedOver s && s.instance().equals("vm1")
                && s.to().equals("h2"))).as("and it switched over once").hasSize(1);
        assertThat(checked(facts)).isEmpty();
        // the guest runs once, on h2, and never stopped counting: one boot, no gap in its counter across both hosts
        assertThat(GuestChecks.role(hosts[1], "vm1")).isEqualTo("running");
        assertThat(GuestChecks.role(hosts[0], "vm1")).isNull();
        assertThat(hosts[0].get("/v1/host").path("version").asText()).isEqualTo("xen-4.4.1");
        assertContinuous("vm1");
    }

    @Test
    void aDestinationKilledMidMigrationReleasesItsRoomAndTheCampaignTriesAgain() throws Exception {
        String qemu = RequireQemu.find();
        AgentClient[] hosts = startAgents(qemu);
        // a guest writing 8 MiB/s, migrated at 16 MiB/s: seconds in flight, time to kill the destination
        hosts[0].post("/v1/instances", Map.of("id", "vm1", "epoch", 1, "memoryMiB", 64, "dirtyMiBPerSecond", 8));
        awaitBeat("h1", "vm1");
        String operator = operatorToken();
        controller = ControllerProcess.start(data);
        AgentClient api = api(operator);
        String campaign = propose(api, 16);
        api.post("/v1/campaigns/" + campaign + "/approve", Map.of());

        long incomingPid = awaitIncoming(hosts[1], "vm1");
        awaitMigrating(hosts[0], "vm1");
        ProcessHandle.of(incomingPid).ifPresent(ProcessHandle::destroyForcibly);

        JsonNode row = awaitEnd(api, campaign);
        assertThat(row.path("state").asText()).as(controller.output()).isEqualTo("completed");
        List<HistoryRecord> facts = facts(api, campaign);
        assertThat(facts.stream().filter(f -> f.fact() instanceof Fact.RolledBack b && b.instance().equals("vm1")))
                .as("the first attempt failed").hasSize(1);
        assertThat(facts.stream().filter(f -> f.fact() instanceof Fact.Released r && r.instance().equals("vm1")
                && r.host().equals("h2"))).as("and gave back the room it held on h2").isNotEmpty();
        assertThat(facts.stream().filter(f -> f.fact() instanceof Fact.SwitchedOver s && s.instance().equals("vm1")
                && s.to().equals("h2"))).as("the retry moved it").hasSize(1);
        assertThat(checked(facts)).isEmpty();
        assertThat(GuestChecks.role(hosts[1], "vm1")).isEqualTo("running");
        assertThat(GuestChecks.role(hosts[0], "vm1")).isNull();
        assertContinuous("vm1");
    }

    @Test
    void aControllerKilledAtRandomMomentsFinishesTheCampaignWithEveryGuestRunningOnce() throws Exception {
        String qemu = RequireQemu.find();
        AgentClient[] hosts = startAgents(qemu);
        // on the affected host: live migrations, a restart elsewhere, a reboot in place
        Map<String, String> vms = new java.util.LinkedHashMap<>();
        vms.put("vm1", "migrate");
        vms.put("vm2", "restart");
        vms.put("vm3", "migrate");
        vms.put("vm4", "reboot-in-place");
        StringBuilder instances = new StringBuilder();
        for (var vm : vms.entrySet()) {
            // the live-migrated guests write 4 MiB/s: their pages are data, not zero pages, so each migration
            // takes seconds at the policy's 16 MiB/s, and the kills fall in the middle of some
            int dirty = vm.getValue().equals("migrate") ? 4 : 0;
            hosts[0].post("/v1/instances", Map.of("id", vm.getKey(), "epoch", 1, "memoryMiB", 32, "dirtyMiBPerSecond", dirty));
            instances.append("  - { id: ").append(vm.getKey()).append(", tenant: t1, host: h1, cpus: 1, memoryMiB: 32,"
                    + " onHostMaintenance: ").append(vm.getValue()).append(", dirtyRateMiBps: ").append(dirty).append(" }\n");
        }
        for (String vm : vms.keySet()) {
            awaitBeat("h1", vm);
        }
        String operator = operatorToken();
        controller = ControllerProcess.start(data);
        AgentClient api = api(operator);
        String campaign = propose(api, 16, instances.toString());
        api.post("/v1/campaigns/" + campaign + "/approve", Map.of());

        java.util.SplittableRandom random = new java.util.SplittableRandom(Long.getLong("ferry.agentcrash.seed", 5));
        int kills = 0;
        for (int k = 0; k < 6; k++) {
            // a random kill point: this wait chooses the moment; nothing is waited for
            Thread.sleep(100 + random.nextInt(1000));
            if (!api.get("/v1/campaigns/" + campaign).path("state").asText().equals("running")) {
                break;
            }
            controller.kill();
            kills++;
            controller = ControllerProcess.start(data);
            api = api(operator);
        }
        assertThat(kills).as("the first kill hit a running campaign").isPositive();
        System.out.printf("agent campaign crash test: %d kills of the controller%n", kills);
        JsonNode row = awaitEnd(api, campaign);
        assertThat(row.path("state").asText()).as(controller.output()).isEqualTo("completed");
        List<HistoryRecord> facts = facts(api, campaign);
        assertThat(checked(facts)).isEmpty();
        for (String vm : vms.keySet()) {
            int copies = (GuestChecks.role(hosts[0], vm) == null ? 0 : 1) + (GuestChecks.role(hosts[1], vm) == null ? 0 : 1);
            assertThat(copies).as(vm + " runs exactly once").isEqualTo(1);
            String story = String.join("\n", facts.stream().filter(f -> vm.equals(f.fact().subject())).map(HistoryJson::line).toList());
            int restarts = (int) Lab.moves(vm, facts).stream().filter(Lab.Move::restarts).count();
            org.assertj.core.api.Assertions.assertThatCode(() -> assertCounts(vm, 1 + restarts)).as(story)
                    .doesNotThrowAnyException();
            // the guest's own metadata ends with its event completed: no restart told it an older state last
            String on = GuestChecks.role(hosts[0], vm) != null ? "h1" : "h2";
            try (var guest = new dev.ferry.agent.host.GuestMetadataClient(agentData.resolve(on).resolve("instances").resolve(vm)
                    .resolve("metadata.sock"))) {
                String states = Poll.until(60_000, 50, () -> {
                    JsonNode ec2 = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                            guest.get("/latest/meta-data/events/maintenance/scheduled", Map.of()).getContentAsString());
                    List<String> all = new java.util.ArrayList<>();
                    ec2.forEach(e -> all.add(e.path("State").asText()));
                    return !all.isEmpty() && all.stream().allMatch("completed"::equals) ? String.join(",", all) : null;
                });
                assertThat(states).as(vm + "'s events as its guest reads them on " + on + "\n" + story).isNotNull();
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** h1 on the vulnerable version, h2 on a fixed one; the fleet names their agents. */
    private AgentClient[] startAgents(String qemu) throws Exception {
        String[] versions = {"xen-4.4.0", "xen-4.5.0"};
        AgentClient[] out = new AgentClient[2];
        for (int h = 0; h < 2; h++) {
            Agent a = Agent.start(new Agent.Config("h" + (h + 1), "127.0.0.1", 0, agentData.resolve("h" + (h + 1)), versions[h], qemu,
                    Duration.ofMillis(500)));
            agents.add(a);
            out[h] = new AgentClient("127.0.0.1", a.port());
        }
        return out;
    }

    private String operatorToken() {
        try (FerryServer s = FerryServer.start(FerryServer.Config.defaults(data).withPort(0).withWebhookPoll(null))) {
            return s.tokens().create(Principal.Role.OPERATOR, null, "test");
        }
    }

    private AgentClient api(String operator) {
        return new AgentClient("http://127.0.0.1:" + controller.port(), operator);
    }

    private String propose(AgentClient api, int bandwidthMiBps) throws Exception {
        return propose(api, bandwidthMiBps, "  - { id: vm1, tenant: t1, host: h1, cpus: 1, memoryMiB: " + (bandwidthMiBps < 100 ? 64 : 32)
                + ", onHostMaintenance: migrate, dirtyRateMiBps: " + (bandwidthMiBps < 100 ? 8 : 0) + " }\n");
    }

    private String propose(AgentClient api, int bandwidthMiBps, String instances) throws Exception {
        String fleet = "ferry: fleet/v1\nhosts:\n"
                + "  - { id: h1, zone: z, rack: r1, cpus: 8, memoryMiB: 4096, hypervisor: xen-4.4.0, cpuModel: qemu64,"
                + " liveMigration: true, agent: \"127.0.0.1:" + agents.get(0).port() + "\" }\n"
                + "  - { id: h2, zone: z, rack: r1, cpus: 8, memoryMiB: 4096, hypervisor: xen-4.5.0, cpuModel: qemu64,"
                + " liveMigration: true, agent: \"127.0.0.1:" + agents.get(1).port() + "\" }\n"
                + "instances:\n" + instances + "tenants:\n  - { id: t1 }\n";
        api.send("PUT", "/v1/inventory", fleet, "application/yaml");
        api.send("POST", "/v1/advisories", "ferry: advisory/v1\nid: XSA-108\ntitle: x2APIC MSR range\naffects:\n"
                + "  - { hypervisor: \"xen-4.4.*\", cpuModel: \"*\" }\nfixedVersion: xen-4.4.1\nrequiresReboot: true\n"
                + "disclosure: " + java.time.Instant.now().plus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                + "\n", "application/yaml");
        return api.post("/v1/campaigns", Map.of("advisory", "XSA-108", "hypervisors", "agents",
                "policy", String.format(POLICY, bandwidthMiBps))).path("id").asText();
    }

    private static JsonNode awaitEnd(AgentClient api, String campaign) throws Exception {
        JsonNode ended = Poll.until(120_000, 100, () -> {
            JsonNode row = api.get("/v1/campaigns/" + campaign);
            return List.of("completed", "halted", "aborted").contains(row.path("state").asText()) ? row : null;
        });
        return ended != null ? ended : api.get("/v1/campaigns/" + campaign);
    }

    private static long awaitIncoming(AgentClient host, String id) throws Exception {
        Long pid = Poll.until(60_000, 10, () -> {
            for (JsonNode i : host.get("/v1/host").path("instances")) {
                if (i.path("id").asText().equals(id) && i.path("role").asText().equals("incoming")) {
                    return i.path("pid").asLong();
                }
            }
            return null; // the migration starts when the controller's loop gets there
        });
        assertThat(pid).as("an incoming " + id).isNotNull();
        return pid;
    }

    private static void awaitMigrating(AgentClient source, String id) throws Exception {
        assertThat(Poll.until(60_000, 10, () -> source.get("/v1/instances/" + id + "/migration").path("status").asText()
                .equals("active") ? true : null)).as("the migration of " + id + " started").isNotNull();
    }

    private static List<HistoryRecord> facts(AgentClient api, String campaign) throws Exception {
        return Lab.history(api, campaign);
    }

    /** The stored history, checked by the invariant checker on the campaign's own problem. */
    private List<String> checked(List<HistoryRecord> facts) {
        controller.process().destroyForcibly(); // the data directory is opened here now
        try {
            controller.process().waitFor();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        try (FerryServer s = FerryServer.start(FerryServer.Config.defaults(data).withPort(0).withWebhookPoll(null))) {
            String id = s.campaigns().list().get(0).id();
            InvariantChecker checker = new InvariantChecker(s.campaigns().load(id).problem());
            facts.forEach(checker::accept);
            return checker.finish();
        } finally {
            controller = null;
        }
    }

    private void awaitBeat(String host, String id) throws Exception {
        assertThat(GuestSerial.await(List.of(log(host, id)), 1, Duration.ofSeconds(60)).beatingAfter(1))
                .as("a heartbeat from " + id).isTrue();
    }

    private Path log(String host, String id) {
        return agentData.resolve(host).resolve("instances").resolve(id).resolve("serial.log");
    }

    /** Both hosts' serial output of the guest together: one boot, and the counter never skips. */
    private void assertContinuous(String id) throws Exception {
        assertCounts(id, 1);
    }

    /** Both hosts' serial output of the guest together: this many boots, and between them the counter never skips. */
    private void assertCounts(String id, int boots) throws Exception {
        // a guest restarted at the very end of the campaign may still be in its BIOS
        GuestSerial serial = GuestSerial.await(List.of(log("h1", id), log("h2", id)), boots, Duration.ofSeconds(30));
        assertThat(serial.boots()).as(id + ": boots").isEqualTo(boots);
        assertThat(serial.breaks()).as(id + ": the counter skipped").isZero();
    }
}
