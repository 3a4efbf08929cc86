package dev.ferry.lab;

import dev.ferry.agent.host.Agent;
import dev.ferry.agent.sim.SimulatedHypervisor;
import dev.ferry.server.FerryServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** Tests on simulated-hypervisor agents: their data, the agents started, the controller; all stopped after each test. */
abstract class SimulatedHosts {
    @TempDir
    Path data;

    @TempDir
    Path agentData;

    final List<Agent> agents = new ArrayList<>();
    FerryServer server;

    /** Starts (and keeps, for clean-up) the agent of host {@code id} on {@code version}, guests simulated. */
    Agent simulatedAgent(String id, String version, Duration rebootTime) throws Exception {
        Agent a = Agent.start(new Agent.Config(id, "127.0.0.1", 0, agentData.resolve(id), version, new SimulatedHypervisor(), rebootTime));
        agents.add(a);
        return a;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        for (Agent a : agents) {
            a.stopAll();
            a.close();
        }
    }
}
