package dev.ferry.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.store.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Host agents' reports (heartbeats with the hypervisor version and the instances running): the
 * latest per host. An agent's token names its host, and a report for any other host is refused, so
 * an agent reports only for its own host. A change of version is audited; heartbeats are not.
 */
public final class AgentReports {
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Report(String host, String version, String instances, long reportedAt) {
    }

    private final Database db;
    private final Inventory inventory;
    private final InstantSource clock;

    public AgentReports(Database db, Inventory inventory, InstantSource clock) {
        this.db = db;
        this.inventory = inventory;
        this.clock = clock;
    }

    public Report record(Principal agent, String host, String version, List<Map<String, Object>> instances, String requestId) {
        if (host == null || !host.equals(agent.host())) {
            throw new ApiException(403, "Forbidden", "this token reports for host " + agent.host() + " only");
        }
        if (version == null || version.isBlank() || version.length() > 200 || instances == null) {
            throw ApiException.badRequest("version and instances are required");
        }
        if (inventory.current().fleet().hostIndex(host) < 0) {
            throw ApiException.notFound("host");
        }
        String list;
        try {
            list = JSON.writeValueAsString(instances);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("instances: " + e.getOriginalMessage());
        }
        long now = clock.millis();
        return db.tx(c -> {
            String before = null;
            try (PreparedStatement ps = c.prepareStatement("SELECT version FROM agent_reports WHERE host = ?")) {
                ps.setString(1, host);
                try (ResultSet rs = ps.executeQuery()) {
                    before = rs.next() ? rs.getString(1) : null;
                }
            }
            String sql = before == null ? "INSERT INTO agent_reports (version, instances, reported_at, host) VALUES (?, ?, ?, ?)"
                    : "UPDATE agent_reports SET version = ?, instances = ?, reported_at = ? WHERE host = ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, version);
                ps.setString(2, list);
                ps.setLong(3, now);
                ps.setString(4, host);
                ps.executeUpdate();
            }
            if (!version.equals(before)) {
                AuditLog.write(c, now, agent.actor(), requestId, "agent.version", host, true,
                        (before == null ? "first report" : "was " + before) + ", now " + version);
            }
            return new Report(host, version, list, now);
        });
    }

    public List<Report> all() {
        return db.tx(c -> {
            List<Report> out = new ArrayList<>();
            try (ResultSet rs = c.prepareStatement("SELECT host, version, instances, reported_at FROM agent_reports ORDER BY host")
                    .executeQuery()) {
                while (rs.next()) {
                    out.add(new Report(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
                }
            }
            return out;
        });
    }
}
