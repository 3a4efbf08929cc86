package dev.ferry.agent.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.agent.AgentClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Safety rule 11 at the agent: a command from a controller whose term is below the highest the
 * agent has seen is refused (403) and not acted on, reads are answered, and the highest term
 * outlives a restart of the agent.
 */
class ControllerTermTest {
    @TempDir
    Path dir;

    @Test
    void commandsBelowTheHighestTermSeenAreRefusedAndTheTermOutlivesARestart() throws Exception {
        Agent.Config config = new Agent.Config("h1", "127.0.0.1", 0, dir, "xen-4.4.1", Qemu.find(), Duration.ofMillis(300));
        try (Agent a = Agent.start(config)) {
            AgentClient none = new AgentClient("127.0.0.1", a.port());
            assertThat(none.get("/v1/host").path("controllerTerm").asLong()).isZero();
            // the leader at term 5 speaks first: the agent obeys 5 from now on
            assertThatThrownBy(() -> none.withTerm(5).post("/v1/instances/vm1/stop", Map.of()))
                    .isInstanceOfSatisfying(AgentClient.Refused.class, r -> assertThat(r.status()).isEqualTo(404));
            assertThat(none.get("/v1/host").path("controllerTerm").asLong()).isEqualTo(5);
            // a former leader (term 4) cannot start anything, nor can a caller without a term
            for (AgentClient stale : new AgentClient[] {none.withTerm(4), none}) {
                assertThatThrownBy(() -> stale.post("/v1/instances", Map.of("id", "vm1", "epoch", 1, "memoryMiB", 8)))
                        .isInstanceOfSatisfying(AgentClient.Refused.class, r -> {
                            assertThat(r.status()).isEqualTo(403);
                            assertThat(r.getMessage()).contains("stale controller term " + stale.term()).contains("term 5 or later");
                        });
            }
            assertThat(none.withTerm(4).get("/v1/host").path("instances")).as("reads are answered; nothing started").isEmpty();
            assertThatThrownBy(() -> none.send("POST", "/v1/instances/vm1/stop", "{}", "application/json"))
                    .isInstanceOf(AgentClient.Refused.class);
        }
        try (Agent again = Agent.start(config)) {
            AgentClient c = new AgentClient("127.0.0.1", again.port());
            assertThat(c.get("/v1/host").path("controllerTerm").asLong()).as("kept in the data directory").isEqualTo(5);
            assertThatThrownBy(() -> c.withTerm(4).post("/v1/reboot", Map.of()))
                    .isInstanceOfSatisfying(AgentClient.Refused.class, r -> assertThat(r.status()).isEqualTo(403));
            assertThat(again.version()).as("the refused reboot did nothing").isEqualTo("xen-4.4.1");
        }
    }

    @Test
    void aTermThatIsNotANumberIsABadRequest() throws Exception {
        try (Agent a = Agent.start(new Agent.Config("h1", "127.0.0.1", 0, dir, "xen-4.4.1", Qemu.find(), Duration.ofMillis(300)))) {
            var http = java.net.http.HttpClient.newHttpClient();
            var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + a.port() + "/v1/host"))
                    .header(AgentClient.TERM_HEADER, "seven").GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("not a number");
        }
    }

    /**
     * The leader's own-clock guard: a command held back while the guard says no goes out once it
     * says yes again (a leader that was only starved, its lease renewed); one whose guard never comes
     * back is not sent at all (a leader that lost its lease).
     */
    @Test
    void aCommandHeldByTheGuardGoesOutWhenItAllowsAgainAndNeverWhenItDoesNot() throws Exception {
        try (Agent a = Agent.start(new Agent.Config("h1", "127.0.0.1", 0, dir, "xen-4.4.1",
                new dev.ferry.agent.sim.SimulatedHypervisor(), Duration.ofMillis(300)))) {
            java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
            AgentClient starved = new AgentClient("127.0.0.1", a.port()).withTerm(3).withGuard(() -> asked.incrementAndGet() > 3);
            starved.post("/v1/instances", Map.of("id", "vm1", "epoch", 1, "memoryMiB", 8));
            assertThat(asked.get()).as("asked until it allowed").isEqualTo(4);
            assertThat(starved.get("/v1/host").path("instances")).extracting(i -> i.path("id").asText()).containsExactly("vm1");
            AgentClient deposed = new AgentClient("127.0.0.1", a.port()).withTerm(3).withGuard(() -> false);
            assertThatThrownBy(() -> deposed.post("/v1/instances", Map.of("id", "vm2", "epoch", 1, "memoryMiB", 8)))
                    .hasMessageContaining("not sent");
            assertThat(deposed.get("/v1/host").path("instances")).as("reads go out; vm2 was never asked for")
                    .extracting(i -> i.path("id").asText()).containsExactly("vm1");
        }
    }
}
