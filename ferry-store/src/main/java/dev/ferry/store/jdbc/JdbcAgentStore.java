package dev.ferry.store.jdbc;

import dev.ferry.store.AgentStore;
import dev.ferry.store.Audit;
import dev.ferry.store.Database;
import java.sql.PreparedStatement;
import java.util.List;

/** {@link AgentStore} over the agent_reports table. */
final class JdbcAgentStore implements AgentStore {
    private final Database db;

    JdbcAgentStore(Database db) {
        this.db = db;
    }

    @Override
    public void report(Report r, String actor, String requestId) {
        db.tx(c -> {
            String before = Sql.first(c, "SELECT version FROM agent_reports WHERE host = ?", rs -> rs.getString(1), r.host())
                    .orElse(null);
            String sql = before == null ? "INSERT INTO agent_reports (version, instances, reported_at, host) VALUES (?, ?, ?, ?)"
                    : "UPDATE agent_reports SET version = ?, instances = ?, reported_at = ? WHERE host = ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, r.version());
                ps.setString(2, r.instances());
                ps.setLong(3, r.reportedAt());
                ps.setString(4, r.host());
                ps.executeUpdate();
            }
            if (!r.version().equals(before)) {
                Sql.audit(c, new Audit(r.reportedAt(), actor, requestId, "agent.version", r.host(),
                        (before == null ? "first report" : "was " + before) + ", now " + r.version()), true);
            }
            return null;
        });
    }

    @Override
    public List<Report> all() {
        return db.tx(c -> Sql.list(c, "SELECT host, version, instances, reported_at FROM agent_reports ORDER BY host",
                rs -> new Report(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4))));
    }
}
