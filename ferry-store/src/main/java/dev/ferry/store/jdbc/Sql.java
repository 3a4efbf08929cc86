package dev.ferry.store.jdbc;

import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.store.Audit;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Small helpers every store shares: audit lines in the caller's transaction, lock rows, nullable columns. */
final class Sql {
    private Sql() {
    }

    /**
     * The SQL that moves a campaign along {@code path} in one update ({@code ... WHERE state = first}):
     * each step must be one the life cycle's table allows ({@link CampaignState#TABLE}), checked when
     * the statement is built, so the database follows the same table as the runtime.
     */
    static String transition(String set, CampaignState... path) {
        return transition(set, List.of(path[0]), List.of(path).subList(1, path.length));
    }

    /** As above, from any of the states {@code from} (each checked), along {@code then}. */
    static String transition(String set, List<CampaignState> from, List<CampaignState> then) {
        for (CampaignState f : from) {
            CampaignState at = f;
            for (CampaignState next : then) {
                if (!CampaignState.TABLE.allows(at, next)) {
                    throw new IllegalStateException("the campaign life cycle does not allow " + at + " -> " + next);
                }
                at = next;
            }
        }
        StringBuilder states = new StringBuilder();
        for (CampaignState f : from) {
            states.append(states.isEmpty() ? "" : ", ").append('\'').append(f.wireName()).append('\'');
        }
        return "UPDATE campaigns SET state = '" + then.get(then.size() - 1).wireName() + "'" + (set.isEmpty() ? "" : ", " + set)
                + ", row_version = row_version + 1 WHERE state IN (" + states + ")";
    }

    /** Writes an audit line inside the caller's transaction. */
    static void audit(Connection c, Audit a, boolean ok) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit (at, actor, request_id, action, target, outcome, detail)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, a.at());
            ps.setString(2, cut(a.actor(), 200));
            ps.setString(3, cut(a.requestId(), 100));
            ps.setString(4, cut(a.action(), 100));
            ps.setString(5, cut(a.target(), 200));
            ps.setString(6, ok ? "ok" : "refused");
            ps.setString(7, cut(a.detail(), 2000));
            ps.executeUpdate();
        }
    }

    static String cut(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }

    /**
     * Takes the lock row {@code name} of the settings table until the transaction ends: the
     * serialization point of a kind of change across every server on this database.
     */
    static void lock(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT setting_value FROM settings WHERE name = ? FOR UPDATE")) {
            ps.setString(1, name);
            ps.executeQuery().close();
        }
    }

    /**
     * The database's clock in milliseconds since the epoch, as the database reads it:
     * PostgreSQL's {@code clock_timestamp()} (the time now, not the transaction's start), H2's
     * {@code CURRENT_TIMESTAMP}. Never a controller's clock: the lease and the claims run on it.
     */
    static long dbNow(Connection c, boolean postgres) throws SQLException {
        return one(c, "SELECT CAST(EXTRACT(EPOCH FROM " + (postgres ? "clock_timestamp()" : "CURRENT_TIMESTAMP") + ") * 1000 AS BIGINT)");
    }

    /**
     * Fences a leader's write: locks the lease row (a takeover waits for this transaction, and this
     * one for a takeover) and refuses the write when the lease has moved past {@code term}.
     */
    static void fence(Connection c, long term) throws SQLException {
        long current = one(c, "SELECT term FROM cluster_lease WHERE name = 'leader' FOR UPDATE");
        if (current != term) {
            throw new dev.ferry.store.NotLeaderException(term, current);
        }
    }

    static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, v);
        }
    }

    static Long getLong(ResultSet rs, int i) throws SQLException {
        long v = rs.getLong(i);
        return rs.wasNull() ? null : v;
    }

    /** Reads one row into a value. */
    @FunctionalInterface
    interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** Every row a query answers, read by {@code row}; {@code args} bind its parameters in order. */
    static <T> List<T> list(Connection c, String sql, Row<T> row, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int k = 0; k < args.length; k++) {
                ps.setObject(k + 1, args[k]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(row.read(rs));
                }
                return out;
            }
        }
    }

    /** The first row a query answers, if any. */
    static <T> Optional<T> first(Connection c, String sql, Row<T> row, Object... args) throws SQLException {
        List<T> rows = list(c, sql, row, args);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    /** The single long a query answers. */
    static long one(Connection c, String sql, Object... args) throws SQLException {
        return list(c, sql, rs -> rs.getLong(1), args).get(0);
    }

    /** Runs an update; {@code args} bind its parameters in order. Returns the rows it changed. */
    static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int k = 0; k < args.length; k++) {
                ps.setObject(k + 1, args[k]);
            }
            return ps.executeUpdate();
        }
    }

    /** "?, ?, ?" for {@code n} values. */
    static String marks(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }
}
