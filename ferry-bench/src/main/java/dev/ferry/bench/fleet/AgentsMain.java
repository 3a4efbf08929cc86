package dev.ferry.bench.fleet;

import dev.ferry.agent.AgentClient;
import dev.ferry.agent.host.Agent;
import dev.ferry.agent.sim.SimulatedHypervisor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A share of the fleet's host agents in one JVM: {@code ferry agent --hypervisor simulated} for
 * hosts {@code from..to}, each its own HTTP listener on 127.0.0.1:(portBase + i), reporting to the
 * controller with its own agent token every {@code reportSeconds}, with the guests the inventory
 * places on it. Args: controller URL, secrets file, from, to, report seconds, data dir, then the
 * {@link FleetInputs} fields. Prints {@code READY} once every agent listens and runs its guests.
 */
public final class AgentsMain {
    private AgentsMain() {
    }

    public static void main(String[] args) throws Exception {
        String controller = args[0];
        Map<String, String> tokens = FleetRun.secrets(Path.of(args[1]));
        int from = Integer.parseInt(args[2]);
        int to = Integer.parseInt(args[3]);
        Duration every = Duration.ofSeconds(Long.parseLong(args[4]));
        Path data = Path.of(args[5]);
        FleetInputs in = FleetBenchmark.inputs(args, 6);
        Duration reboot = Duration.ofMinutes(in.rebootMinutes());
        for (int h = from; h <= to; h++) {
            Agent a = Agent.start(new Agent.Config("h" + h, "127.0.0.1", in.port(h), data.resolve("h" + h), in.version(h),
                    new SimulatedHypervisor(), reboot, controller, tokens.get("h" + h), every));
            AgentClient self = new AgentClient("127.0.0.1", a.port());
            for (FleetInputs.Guest g : in.guestsOn(h)) {
                Map<String, Object> launch = Map.of("id", g.id(), "epoch", 1, "memoryMiB", g.memoryMiB(), "dirtyMiBPerSecond", 0);
                // a busy machine may not take the connection in time: asked again (a second launch at epoch 1 is refused, 409)
                if (dev.ferry.agent.Poll.until(120_000, 1_000, () -> launched(self, launch)) == null) {
                    throw new java.io.IOException("h" + h + ": " + g.id() + " could not be launched");
                }
            }
        }
        System.out.println("READY");
        System.out.flush();
        Thread.currentThread().join();
    }

    private static Boolean launched(AgentClient self, Map<String, Object> launch) throws Exception {
        try {
            self.post("/v1/instances", launch);
        } catch (AgentClient.Refused r) {
            if (r.status() != 409) {
                throw r;
            }
        }
        return true;
    }
}
