package dev.ferry.agent.host;

import static dev.ferry.agent.host.AgentTesting.await;
import static dev.ferry.agent.host.AgentTesting.awaitBeats;
import static dev.ferry.agent.host.AgentTesting.awaitMigrationEnd;
import static dev.ferry.agent.host.AgentTesting.beats;
import static dev.ferry.agent.host.AgentTesting.counterWentOn;
import static dev.ferry.agent.host.AgentTesting.get;
import static dev.ferry.agent.host.AgentTesting.instances;
import static dev.ferry.agent.host.AgentTesting.post;
import static dev.ferry.agent.host.AgentTesting.remote;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.driver.AgentCalls;
import dev.ferry.agent.driver.AgentDriver;
import dev.ferry.core.campaign.Effect;
import dev.ferry.core.campaign.Input;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.HostState;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.OnTimeout;
import dev.ferry.core.model.Policy;
import dev.ferry.core.model.Tenant;
import dev.ferry.core.planner.MoveKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two agents on loopback, each running real QEMU (software emulation) with the heartbeat guest:
 * live migration keeps the guest's counter going; a stale epoch is refused; a destination killed
 * mid-migration leaves the source running; an agent that dies mid-migration re-adopts its QEMU when
 * it comes back; a reboot with instances is refused unless forced and returns with the new version.
 * Skipped without QEMU, failed without it when {@code FERRY_REQUIRE_QEMU=1}.
 */
class AgentQemuTest {
    @TempDir
    Path dir;

    private final List<Agent> agents = new ArrayList<>();
    private String qemu;

    @BeforeEach
    void needsQemu() {
        qemu = Qemu.find();
    }

    @AfterEach
    void stopEverything() {
        for (Agent a : agents) {
            a.stopAll();
            a.close();
        }
        processes.forEach(Process::destroyForcibly);
    }

    private Agent agent(String host) throws Exception {
        Agent a = Agent.start(new Agent.Config(host, "127.0.0.1", 0, dir.resolve(host), "xen-4.4.1", qemu, Duration.ofMillis(300)));
        agents.add(a);
        return a;
    }

    @Test
    void aLiveMigrationKeepsTheGuestCountingAndMovesItToTheDestination() throws Exception {
        Agent a = agent("h1");
        Agent b = agent("h2");
        int port = launchAndPrepare(a, b, "vm1", 64, 8, 30);
        Path srcLog = dir.resolve("h1/instances/vm1/serial.log");
        post(a, "/v1/instances/vm1/migrate", "{\"host\":\"127.0.0.1\",\"port\":" + port
                + ",\"downtimeLimitMs\":5,\"autoConverge\":true}", 202);
        JsonNode m = awaitMigrationEnd(a, "vm1");
        assertThat(m.get("status").asText()).isEqualTo("completed");
        assertThat(m.get("downtimeMs").asLong()).isPositive();
        Path dstLog = dir.resolve("h2/instances/vm1/serial.log");
        awaitBeats(dstLog, 20);
        List<Long> before = beats(srcLog);
        List<Long> after = beats(dstLog);
        assertThat(after.get(0)).as("the counter goes on where it was").isEqualTo(before.get(before.size() - 1) + 1);
        assertThat(Files.readString(dstLog)).doesNotContain("boot");
        await("destination reports the guest running", () -> instances(b).size() == 1
                && instances(b).get(0).get("role").asText().equals("running"));
        assertThat(instances(b).get(0).get("epoch").asLong()).isEqualTo(2);
        // the source stays paused until told to stop, once the destination is confirmed running
        assertThat(instances(a)).singleElement().satisfies(i -> assertThat(i.get("role").asText()).isEqualTo("migrated"));
        post(a, "/v1/instances/vm1/stop", null, 204);
        assertThat(instances(a)).isEmpty();
    }

    @Test
    void aStartWithAStaleEpochIsRefused() throws Exception {
        Agent a = agent("h1");
        post(a, "/v1/instances", "{\"id\":\"vm2\",\"epoch\":5,\"memoryMiB\":16,\"dirtyMiBPerSecond\":0}", 201);
        assertThat(post(a, "/v1/instances", "{\"id\":\"vm2\",\"epoch\":6,\"memoryMiB\":16,\"dirtyMiBPerSecond\":0}", 409)
                .get("detail").asText()).contains("already runs here");
        post(a, "/v1/instances/vm2/stop", null, 204);
        for (int stale : new int[] {4, 5}) {
            assertThat(post(a, "/v1/instances", "{\"id\":\"vm2\",\"epoch\":" + stale + ",\"memoryMiB\":16,\"dirtyMiBPerSecond\":0}", 409)
                    .get("detail").asText()).contains("stale epoch " + stale, "has seen epoch 5");
        }
        assertThat(instances(a)).isEmpty();
        post(a, "/v1/instances", "{\"id\":\"vm2\",\"epoch\":6,\"memoryMiB\":16,\"dirtyMiBPerSecond\":0}", 201);
        assertThat(instances(a).get(0).get("epoch").asLong()).isEqualTo(6);
    }

    @Test
    void aDestinationKilledMidMigrationLeavesTheSourceRunning() throws Exception {
        Agent a = agent("h1");
        Agent b = agent("h2");
        int port = launchAndPrepare(a, b, "vm3", 128, 32, 30);
        Path srcLog = dir.resolve("h1/instances/vm3/serial.log");
        // 4 MiB/s for 128 MiB: the migration is still copying when the destination dies
        post(a, "/v1/instances/vm3/migrate", "{\"host\":\"127.0.0.1\",\"port\":" + port
                + ",\"maxBandwidthBytesPerSecond\":4194304}", 202);
        await("migration active", () -> get(a, "/v1/instances/vm3/migration").get("status").asText().equals("active"));
        long dstPid = instances(b).get(0).get("pid").asLong();
        ProcessHandle.of(dstPid).orElseThrow().destroyForcibly();
        JsonNode m = awaitMigrationEnd(a, "vm3");
        assertThat(m.get("status").asText()).isEqualTo("failed");
        long beatsAtFailure = beats(srcLog).size();
        awaitBeats(srcLog, (int) beatsAtFailure + 20);
        assertThat(instances(a)).hasSize(1);
        assertThat(instances(a).get(0).get("alive").asBoolean()).isTrue();
        assertThat(instances(a).get(0).get("role").asText()).isEqualTo("running");
        assertThat(instances(b).get(0).get("alive").asBoolean()).isFalse();
    }

    @Test
    void aGuestDirtyingFasterThanTheBandwidthNeverConvergesInPreCopyAndCompletesThroughPostCopy() throws Exception {
        Agent a = agent("h1");
        Agent b = agent("h2");
        post(a, "/v1/instances", "{\"id\":\"vm6\",\"epoch\":1,\"memoryMiB\":64,\"dirtyMiBPerSecond\":32}", 201);
        awaitBeats(dir.resolve("h1/instances/vm6/serial.log"), 30);
        int port = post(b, "/v1/instances/vm6/incoming", "{\"id\":\"vm6\",\"epoch\":2,\"memoryMiB\":64,\"dirtyMiBPerSecond\":32,"
                + "\"postcopy\":true}", 201).get("port").asInt();
        Path srcLog = dir.resolve("h1/instances/vm6/serial.log");
        // QEMU's own downtime limit, 4 MiB/s against 32 MiB/s of dirtying, no auto-converge: pre-copy goes round and round
        post(a, "/v1/instances/vm6/migrate", "{\"host\":\"127.0.0.1\",\"port\":" + port
                + ",\"maxBandwidthBytesPerSecond\":4194304,\"postcopy\":true}", 202);
        await("three passes over memory without converging", () -> {
            JsonNode m = get(a, "/v1/instances/vm6/migration");
            // QEMU says "setup" for a moment before "active"; it must never end on its own
            assertThat(m.get("status").asText()).as("pre-copy never ends on its own here").isIn("setup", "active");
            return m.get("status").asText().equals("active") && m.get("iterations").asLong() >= 3;
        });
        post(a, "/v1/instances/vm6/migration/downtime", "{\"downtimeLimitMs\":0}", 400);
        post(a, "/v1/instances/vm6/migration/postcopy", "{}", 202);
        JsonNode m = awaitMigrationEnd(a, "vm6");
        assertThat(m.get("status").asText()).isEqualTo("completed");
        assertThat(m.get("postcopyBytes").asLong()).as("the rest was sent in post-copy").isPositive();
        counterWentOn(srcLog, dir.resolve("h2/instances/vm6/serial.log"));
        // nothing left to switch: the source's migration is over
        post(a, "/v1/instances/vm6/migration/postcopy", "{}", 409);
    }

    @Test
    void theDriverSwitchesAPreCopyThatDoesNotConvergeToPostCopyWhenThePolicySaysSo() throws Exception {
        Agent a = agent("h1");
        Agent b = agent("h2");
        List<Host> hosts = new ArrayList<>();
        for (Agent x : List.of(a, b)) {
            hosts.add(new Host(x == a ? "h1" : "h2", "z", "r", 8, 8192, 1.0, "xen-4.4.1", "qemu64", true, HostState.ACTIVE,
                    "127.0.0.1:" + x.port()));
        }
        Fleet fleet = new Fleet(hosts, List.of(new Instance("vm7", "t", "h1", 1, 64, OnHostMaintenance.MIGRATE, null, 32)), List.of(),
                List.of(new Tenant("t", null)));
        // 4 MiB/s against 32 MiB/s of dirtying: pre-copy cannot converge; the completion timeout for 64 MiB is 12.5 s
        Policy policy = Policy.DEFAULTS.with(new LiveMigrationPolicy(Duration.ofMillis(300), 4, 1, Duration.ofSeconds(40),
                OnTimeout.POSTCOPY), Policy.DEFAULTS.durations());
        BlockingQueue<Input> answers = new LinkedBlockingQueue<>();
        AgentDriver driver = new AgentDriver(fleet, policy, null, AgentCalls.clients(fleet), 0, (facts, in) -> answers.add(in),
                AgentDriver.Observer.NONE);
        post(a, "/v1/instances", "{\"id\":\"vm7\",\"epoch\":1,\"memoryMiB\":64,\"dirtyMiBPerSecond\":32}", 201);
        Path srcLog = dir.resolve("h1/instances/vm7/serial.log");
        awaitBeats(srcLog, 30);
        driver.apply(new Effect.StartMove("move/1", 1, 0, 0, 1, MoveKind.LIVE_MIGRATE, 2, false));
        Input answer = answers.poll(180, TimeUnit.SECONDS);
        assertThat(answer).isInstanceOf(Input.MoveCompleted.class);
        JsonNode m = get(a, "/v1/instances/vm7/migration");
        assertThat(m.get("status").asText()).isEqualTo("completed");
        assertThat(m.get("dirtySyncCount").asLong()).as("pre-copy went round before the switch").isGreaterThanOrEqualTo(2);
        assertThat(m.get("postcopyBytes").asLong()).as("the rest was sent in post-copy").isPositive();
        counterWentOn(srcLog, dir.resolve("h2/instances/vm7/serial.log"));
    }

    @Test
    void anAgentKilledMidMigrationReadoptsItsQemuWhenItComesBack() throws Exception {
        // the source agent runs in its own JVM and is killed with SIGKILL while its guest migrates
        Process first = agentProcess("h1");
        int a = remote(first);
        Agent b = agent("h2");
        int port = launchAndPrepare(a, b, "vm4", 128, 16, 300); // three seconds of dirtying: ~48 MiB that are not zero pages
        long srcPid = instances(a).get(0).get("pid").asLong();
        // at 24 MiB/s the copy takes seconds: the agent dies while it runs
        post(a, "/v1/instances/vm4/migrate", "{\"host\":\"127.0.0.1\",\"port\":" + port
                + ",\"maxBandwidthBytesPerSecond\":25165824,\"autoConverge\":true}", 202);
        await("migration active", () -> get(a, "/v1/instances/vm4/migration").get("status").asText().equals("active"));
        first.destroyForcibly().waitFor();
        assertThat(ProcessHandle.of(srcPid).map(ProcessHandle::isAlive)).as("QEMU outlives its agent").contains(true);
        await("the migration completes without the source's agent", () -> {
            List<JsonNode> on = instances(b);
            return on.size() == 1 && on.get(0).get("role").asText().equals("running");
        });
        Process second = agentProcess("h1");
        int again = remote(second);
        try {
            List<JsonNode> adopted = instances(again);
            assertThat(adopted).hasSize(1);
            assertThat(adopted.get(0).get("pid").asLong()).as("the same QEMU, adopted").isEqualTo(srcPid);
            assertThat(adopted.get(0).get("role").asText()).as("QEMU says the guest was sent away").isEqualTo("migrated");
            post(again, "/v1/instances/vm4/stop", null, 204);
            assertThat(ProcessHandle.of(srcPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        } finally {
            second.destroyForcibly().waitFor();
        }
        awaitBeats(dir.resolve("h2/instances/vm4/serial.log"), 20);
        List<Long> after = beats(dir.resolve("h2/instances/vm4/serial.log"));
        assertThat(after.get(0)).as("the counter went on, it did not restart").isGreaterThan(300);
        assertThat(Files.readString(dir.resolve("h2/instances/vm4/serial.log"))).doesNotContain("boot");
    }

    private final List<Process> processes = new ArrayList<>();

    private Process agentProcess(String host) throws IOException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), AgentProcessMain.class.getName(), host, dir.resolve(host).toString(), qemu)
                .redirectErrorStream(true).start();
        processes.add(p);
        return p;
    }

    @Test
    void aRebootWithInstancesIsRefusedUnlessForcedAndComesBackOnTheNewVersion() throws Exception {
        Agent a = agent("h1");
        post(a, "/v1/instances", "{\"id\":\"vm5\",\"epoch\":1,\"memoryMiB\":16,\"dirtyMiBPerSecond\":0}", 201);
        assertThat(post(a, "/v1/reboot", "{\"version\":\"xen-4.4.1-xsa108\",\"force\":false}", 409).get("detail").asText())
                .contains("1 instances running");
        post(a, "/v1/instances/vm5/stop", null, 204);
        post(a, "/v1/reboot", "{\"version\":\"xen-4.4.1-xsa108\",\"force\":false}", 202);
        await("back on the fixed version", () -> {
            try {
                return get(a, "/v1/host").get("version").asText().equals("xen-4.4.1-xsa108");
            } catch (RuntimeException e) {
                return false; // rebooting: not listening
            }
        });
        assertThat(Files.readString(dir.resolve("h1/version"))).isEqualTo("xen-4.4.1-xsa108");
    }

    /**
     * Launches {@code id} on host h1's agent (epoch 1), waits for {@code beats} of its counter, and
     * prepares the destination (epoch 2); returns the port the destination listens on.
     */
    private int launchAndPrepare(int src, int dst, String id, int memoryMiB, int dirty, int beats) {
        String body = "{\"id\":\"%s\",\"epoch\":%d,\"memoryMiB\":%d,\"dirtyMiBPerSecond\":%d}";
        post(src, "/v1/instances", body.formatted(id, 1, memoryMiB, dirty), 201);
        awaitBeats(dir.resolve("h1/instances/" + id + "/serial.log"), beats);
        return post(dst, "/v1/instances/" + id + "/incoming", body.formatted(id, 2, memoryMiB, dirty), 201).get("port").asInt();
    }

    private int launchAndPrepare(Agent src, Agent dst, String id, int memoryMiB, int dirty, int beats) {
        return launchAndPrepare(src.port(), dst.port(), id, memoryMiB, dirty, beats);
    }

    private int launchAndPrepare(int src, Agent dst, String id, int memoryMiB, int dirty, int beats) {
        return launchAndPrepare(src, dst.port(), id, memoryMiB, dirty, beats);
    }
}
