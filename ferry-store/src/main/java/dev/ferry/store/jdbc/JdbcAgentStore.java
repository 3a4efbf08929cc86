package dev.ferry.store.jdbc;

import dev.ferry.store.AgentStore;
import dev.ferry.store.Audit;
import dev.ferry.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@link AgentStore} over the agent_reports table. */
final class JdbcAgentStore implements AgentStore {
    /** Hosts per {@code IN (...)} when the batch's stored versions are read. */
    private static final int CHUNK = 500;

    private final Database db;

    JdbcAgentStore(Database db) {
        this.db = db;
    }

    @Override
    public void reportAll(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        db.tx(c -> {
            Map<String, String> stored = versions(c, entries.stream().map(e -> e.report().host()).distinct().toList());
            Map<String, String> now = new HashMap<>(stored);
            Map<String, Report> last = new LinkedHashMap<>();
            for (Entry e : entries) {
                Report r = e.report();
                String before = now.put(r.host(), r.version());
                if (!r.version().equals(before)) {
                    Sql.audit(c, new Audit(r.reportedAt(), e.actor(), e.requestId(), "agent.version", r.host(),
                            (before == null ? "first report" : "was " + before) + ", now " + r.version()), true);
                }
                last.put(r.host(), r);
            }
            write(c, "UPDATE agent_reports SET version = ?, instances = ?, reported_at = ? WHERE host = ?",
                    last.values().stream().filter(r -> stored.containsKey(r.host())).toList());
            write(c, "INSERT INTO agent_reports (version, instances, reported_at, host) VALUES (?, ?, ?, ?)",
                    last.values().stream().filter(r -> !stored.containsKey(r.host())).toList());
            return null;
        });
    }

    private static Map<String, String> versions(Connection c, List<String> hosts) throws SQLException {
        Map<String, String> out = new HashMap<>();
        for (int from = 0; from < hosts.size(); from += CHUNK) {
            List<String> chunk = hosts.subList(from, Math.min(hosts.size(), from + CHUNK));
            String marks = String.join(", ", Collections.nCopies(chunk.size(), "?"));
            try (PreparedStatement ps = c.prepareStatement("SELECT host, version FROM agent_reports WHERE host IN (" + marks + ")")) {
                for (int k = 0; k < chunk.size(); k++) {
                    ps.setString(k + 1, chunk.get(k));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getString(1), rs.getString(2));
                    }
                }
            }
        }
        return out;
    }

    private static void write(Connection c, String sql, List<Report> reports) throws SQLException {
        if (reports.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (Report r : reports) {
                ps.setString(1, r.version());
                ps.setString(2, r.instances());
                ps.setLong(3, r.reportedAt());
                ps.setString(4, r.host());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public List<Report> all() {
        return db.tx(c -> Sql.list(c, "SELECT host, version, instances, reported_at FROM agent_reports ORDER BY host",
                rs -> new Report(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4))));
    }

    @Override
    public List<Report> page(String afterHost, int limit) {
        return db.tx(c -> Sql.list(c, "SELECT host, version, instances, reported_at FROM agent_reports WHERE host > ? ORDER BY host"
                + " LIMIT ?", rs -> new Report(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)),
                afterHost == null ? "" : afterHost, limit));
    }

    @Override
    public List<Report> since(long ms) {
        return db.tx(c -> Sql.list(c, "SELECT host, version, instances, reported_at FROM agent_reports WHERE reported_at > ?"
                + " ORDER BY host", rs -> new Report(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)), ms));
    }

    @Override
    public Map<String, Long> reportedAt() {
        return db.tx(c -> {
            Map<String, Long> out = new HashMap<>();
            for (Object[] row : Sql.list(c, "SELECT host, reported_at FROM agent_reports", rs -> new Object[] {rs.getString(1),
                    rs.getLong(2)})) {
                out.put((String) row[0], (Long) row[1]);
            }
            return out;
        });
    }
}
