package dev.ferry.store.jdbc;

import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.formats.HistoryJson;
import dev.ferry.formats.HistoryV1;
import dev.ferry.store.Database;
import dev.ferry.store.HistoryStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@link HistoryStore} over the facts table: a row of history/v2 holds its fact's line; an older
 * row (history/v1) is read through {@link HistoryV1}. Queries by type ask for both spellings.
 */
final class JdbcHistoryStore implements HistoryStore {
    private static final String COLUMNS = "t_ms, actor, op, target, outcome, epoch, body";

    private final Database db;

    JdbcHistoryStore(Database db) {
        this.db = db;
    }

    @Override
    public List<Stored> page(String campaign, String target, String tenant, String afterCampaign, long afterSeq, int limit) {
        StringBuilder sql = new StringBuilder("SELECT campaign, seq, " + COLUMNS + " FROM facts"
                + " WHERE (campaign > ? OR (campaign = ? AND seq > ?))");
        List<Object> args = new ArrayList<>(List.of(afterCampaign, afterCampaign, afterSeq));
        if (campaign != null) {
            sql.append(" AND campaign = ?");
            args.add(campaign);
        }
        if (target != null) {
            sql.append(" AND target = ?");
            args.add(target);
        }
        if (tenant != null) {
            sql.append(" AND target IN (SELECT id FROM instances WHERE tenant = ?)");
            args.add(tenant);
        }
        sql.append(" ORDER BY campaign, seq FETCH FIRST ").append(limit).append(" ROWS ONLY");
        HistoryV1.Reader v1 = new HistoryV1.Reader();
        return db.tx(c -> Sql.list(c, sql.toString(), rs -> new Stored(rs.getString(1), rs.getLong(2), read(rs, 3, v1)),
                args.toArray()));
    }

    @Override
    public List<HistoryRecord> facts(String campaign, List<Class<? extends Fact>> types) {
        return query(campaign, types, "ORDER BY seq");
    }

    @Override
    public List<HistoryRecord> latest(String campaign, List<Class<? extends Fact>> types, int n) {
        return query(campaign, types, "ORDER BY seq DESC FETCH FIRST " + n + " ROWS ONLY");
    }

    private List<HistoryRecord> query(String campaign, List<Class<? extends Fact>> types, String order) {
        List<String> ops = ops(types);
        List<Object> args = new ArrayList<>(List.of(campaign));
        args.addAll(ops);
        HistoryV1.Reader v1 = new HistoryV1.Reader();
        List<HistoryRecord> rows = db.tx(c -> Sql.list(c, "SELECT " + COLUMNS + " FROM facts WHERE campaign = ? AND op IN ("
                + Sql.marks(ops.size()) + ") " + order, rs -> read(rs, 1, v1), args.toArray()));
        // a v1 op holds several fact types: keep those asked for
        return rows.stream().filter(r -> types.stream().anyMatch(t -> t.isInstance(r.fact()))).toList();
    }

    /** The values of the op column that hold facts of these types, in either format. */
    private static List<String> ops(List<Class<? extends Fact>> types) {
        Set<String> out = new LinkedHashSet<>();
        for (Class<? extends Fact> t : types) {
            out.add(HistoryJson.typeName(t));
            String v1 = HistoryV1.op(t);
            if (v1 != null) {
                out.add(v1);
            }
        }
        return new ArrayList<>(out);
    }

    /** The row's fact; columns {@link #COLUMNS} from {@code first} on. */
    private static HistoryRecord read(ResultSet rs, int first, HistoryV1.Reader v1) throws SQLException {
        String body = rs.getString(first + 6);
        if (body != null) {
            return HistoryJson.parse(body);
        }
        return v1.fact(new HistoryV1.Line(rs.getLong(first), rs.getString(first + 1), rs.getString(first + 2),
                rs.getString(first + 3), rs.getString(first + 4), rs.getLong(first + 5)));
    }
}
