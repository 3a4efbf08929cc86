package dev.ferry.agent.driver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.agent.AgentClient;
import dev.ferry.agent.host.Agent;
import dev.ferry.agent.sim.SimulatedHypervisor;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.HostState;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.Tenant;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a controller restart, where instances run is taken from the reports agents sent since, and
 * only the agents without one are asked: the report is believed (the agent is not asked), an agent
 * with none is asked, and one that neither reported nor answers runs nothing as far as it is known.
 */
class AdoptionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void agentsThatReportedSinceTheRestartAreNotAskedAndTheOthersAre() throws Exception {
        try (Agent h1 = agent("h1"); Agent h2 = agent("h2")) {
            int closed;
            try (ServerSocket s = new ServerSocket(0)) {
                closed = s.getLocalPort(); // nothing listens there once closed
            }
            new AgentClient("127.0.0.1", h2.port()).post("/v1/instances", Map.of("id", "vm2", "epoch", 1, "memoryMiB", 8));
            List<Host> hosts = new ArrayList<>();
            int[] ports = {h1.port(), h2.port(), closed};
            for (int h = 0; h < 3; h++) {
                hosts.add(new Host("h" + (h + 1), "z", "r", 8, 8192, 1.0, "xen-4.5.0", "qemu64", true, HostState.ACTIVE,
                        "127.0.0.1:" + ports[h]));
            }
            List<Instance> instances = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                instances.add(new Instance("vm" + i, "t", "h" + i, 1, 8, OnHostMaintenance.MIGRATE, null, 0));
            }
            Fleet fleet = new Fleet(hosts, instances, List.of(), List.of(new Tenant("t", null)));
            // h1's report since the restart says it runs vm1 (its agent does not: had it been asked, vm1 would run nowhere)
            JsonNode h1Report = JSON.readTree("[{\"id\":\"vm1\",\"role\":\"running\",\"alive\":true},"
                    + "{\"id\":\"vm3\",\"role\":\"incoming\",\"alive\":true}]");
            AtomicInteger reads = new AtomicInteger();
            Adoption.Learnt learnt = Adoption.learn(fleet, AgentCalls.clients(fleet), () -> reads.getAndIncrement() == 0
                    ? Map.of(0, h1Report) : Map.of());

            assertThat(learnt.hostOf()).as("vm1 from h1's report, vm2 from asking h2, vm3 nowhere (an incoming copy is not running)")
                    .containsExactly(0, 1, -1);
            assertThat(learnt.asked()).as("h2 answered and h3 could not be reached; h1 was not asked").isEqualTo(2);
        }
    }

    @Test
    void reportsThatCannotBeReadLeaveEveryAgentToBeAsked() throws Exception {
        try (Agent h1 = agent("h1")) {
            new AgentClient("127.0.0.1", h1.port()).post("/v1/instances", Map.of("id", "vm1", "epoch", 1, "memoryMiB", 8));
            Fleet fleet = new Fleet(List.of(new Host("h1", "z", "r", 8, 8192, 1.0, "xen-4.5.0", "qemu64", true, HostState.ACTIVE,
                    "127.0.0.1:" + h1.port())), List.of(new Instance("vm1", "t", "h1", 1, 8, OnHostMaintenance.MIGRATE, null, 0)),
                    List.of(), List.of(new Tenant("t", null)));
            Adoption.Learnt learnt = Adoption.learn(fleet, AgentCalls.clients(fleet), () -> {
                throw new IllegalStateException("the store is gone");
            });
            assertThat(learnt.hostOf()).containsExactly(0);
            assertThat(learnt.asked()).isEqualTo(1);
        }
    }

    private Agent agent(String id) throws Exception {
        return Agent.start(new Agent.Config(id, "127.0.0.1", 0, dir.resolve(id), "xen-4.5.0", new SimulatedHypervisor(),
                Duration.ofMillis(300)));
    }
}
