package dev.ferry.server;

import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.formats.HistoryJson;
import dev.ferry.formats.HistoryV1;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Stored facts, read back typed: a row of history/v2 holds its fact's JSON line; an older row
 * (history/v1) is read through {@link HistoryV1}. The columns are {@link #COLUMNS}, in order.
 */
final class HistoryRows {
    static final String COLUMNS = "t_ms, actor, op, target, outcome, epoch, body";

    private HistoryRows() {
    }

    /** The values of the op column that hold facts of these types, in either format. */
    @SafeVarargs
    static List<String> ops(Class<? extends Fact>... types) {
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

    /** "?, ?, ?" for {@code n} values. */
    static String marks(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }

    /** The row's fact; columns {@link #COLUMNS} from {@code first} on. */
    static HistoryRecord read(ResultSet rs, int first, HistoryV1.Reader v1) throws SQLException {
        String body = rs.getString(first + 6);
        if (body != null) {
            return HistoryJson.parse(body);
        }
        return v1.fact(new HistoryV1.Line(rs.getLong(first), rs.getString(first + 1), rs.getString(first + 2),
                rs.getString(first + 3), rs.getString(first + 4), rs.getLong(first + 5)));
    }
}
