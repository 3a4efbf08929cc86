package dev.ferry.lab;

import dev.ferry.agent.AgentClient;
import dev.ferry.agent.host.Agent;
import dev.ferry.server.FerryServer;
import dev.ferry.server.Principal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A controller in this JVM and one host agent per host on real QEMU (h1, h2, ... on the versions
 * given), for a test; {@link #close} stops the controller, then every agent with its guests.
 */
final class ControllerWithAgents implements AutoCloseable {
    final FerryServer server;
    final List<Agent> agents = new ArrayList<>();

    ControllerWithAgents(Path data, Path agentData, String qemu, String... versions) throws Exception {
        server = FerryServer.start(FerryServer.Config.defaults(data).withPort(0).withWebhookPoll(null));
        try {
            for (int h = 1; h <= versions.length; h++) {
                agents.add(Agent.start(new Agent.Config("h" + h, "127.0.0.1", 0, agentData.resolve("h" + h), versions[h - 1], qemu,
                        Duration.ofMillis(300))));
            }
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    String url() {
        return "http://127.0.0.1:" + server.port();
    }

    /** An API client with a new token of that role (tenant: the tenant, or an agent's host). */
    AgentClient client(Principal.Role role, String tenant, String name) {
        return new AgentClient(url(), server.tokens().create(role, tenant, name));
    }

    /** fleet/v1's hosts section: each host with its agent's version and address, one zone, a rack each. */
    String hostsYaml() {
        StringBuilder b = new StringBuilder("hosts:\n");
        for (int h = 1; h <= agents.size(); h++) {
            b.append("  - { id: h").append(h).append(", zone: z, rack: r").append(h).append(", cpus: 4, memoryMiB: 4096, hypervisor: ")
                    .append(agents.get(h - 1).version()).append(", cpuModel: qemu64, liveMigration: true, agent: \"127.0.0.1:")
                    .append(agents.get(h - 1).port()).append("\" }\n");
        }
        return b.toString();
    }

    @Override
    public void close() {
        server.close();
        for (Agent a : agents) {
            a.stopAll();
            a.close();
        }
    }
}
