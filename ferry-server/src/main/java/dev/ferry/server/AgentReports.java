package dev.ferry.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.store.AgentStore;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;

/**
 * Host agents' reports (heartbeats with the hypervisor version and the instances running): the
 * latest per host. An agent's token names its host, and a report for any other host is refused, so
 * an agent reports only for its own host. A change of version is audited; heartbeats are not.
 */
public final class AgentReports {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AgentStore store;
    private final Inventory inventory;
    private final InstantSource clock;

    public AgentReports(AgentStore store, Inventory inventory, InstantSource clock) {
        this.store = store;
        this.inventory = inventory;
        this.clock = clock;
    }

    public AgentStore.Report record(Principal agent, String host, String version, List<Map<String, Object>> instances,
                                    String requestId) {
        if (host == null || !host.equals(agent.host())) {
            throw Refused.forbidden("this token reports for host " + agent.host() + " only");
        }
        if (version == null || version.isBlank() || version.length() > 200 || instances == null) {
            throw Refused.invalid("version and instances are required");
        }
        if (inventory.current().fleet().hostIndex(host) < 0) {
            throw Refused.notFound("host");
        }
        String list;
        try {
            list = JSON.writeValueAsString(instances);
        } catch (JsonProcessingException e) {
            throw Refused.invalid("instances: " + e.getOriginalMessage());
        }
        AgentStore.Report r = new AgentStore.Report(host, version, list, clock.millis());
        store.report(r, agent.actor(), requestId);
        return r;
    }

    public List<AgentStore.Report> all() {
        return store.all();
    }
}
