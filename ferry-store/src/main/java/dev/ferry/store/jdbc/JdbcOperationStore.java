package dev.ferry.store.jdbc;

import dev.ferry.store.Database;
import dev.ferry.store.OperationStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/** {@link OperationStore} over the instance_operations table; {@link #insert} is for the inventory's transactions. */
final class JdbcOperationStore implements OperationStore {
    private final Database db;

    JdbcOperationStore(Database db) {
        this.db = db;
    }

    /**
     * Writes an operation in the caller's transaction. A start's epoch is above every epoch the
     * instance had in this table and above the campaigns' (which count from their approval's wall
     * time × 10⁶), so the agent refuses a repeated start and never a new one.
     */
    static void insert(Connection c, Operation o, long at) throws SQLException {
        long epoch = Math.max(at * 1_000_000, Sql.one(c, "SELECT COALESCE(MAX(epoch), 0) + 1 FROM instance_operations WHERE instance = ?",
                o.instance()));
        Sql.update(c, "INSERT INTO instance_operations (instance, host, agent, op, epoch, memory_mib, dirty_mibps, created_at, next_at,"
                + " attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)", o.instance(), o.host(), o.agent(), o.op().name(), epoch,
                o.memoryMiB(), o.dirtyMiBPerSecond(), at, at);
    }

    @Override
    public List<Pending> due(long now, int batch) {
        return db.tx(c -> Sql.list(c, "SELECT o.id, o.instance, o.host, o.agent, o.op, o.memory_mib, o.dirty_mibps, o.epoch, o.attempts"
                + " FROM instance_operations o WHERE o.done_at IS NULL AND o.next_at <= ? AND NOT EXISTS (SELECT 1 FROM"
                + " instance_operations p WHERE p.instance = o.instance AND p.done_at IS NULL AND p.id < o.id) ORDER BY o.id FETCH FIRST "
                + batch + " ROWS ONLY", rs -> new Pending(rs.getLong(1), new Operation(rs.getString(2), rs.getString(3), rs.getString(4),
                Op.valueOf(rs.getString(5)), rs.getLong(6), rs.getInt(7)), rs.getLong(8), rs.getInt(9)), now));
    }

    @Override
    public void done(long id, long at) {
        db.tx(c -> Sql.update(c, "UPDATE instance_operations SET done_at = ?, attempts = attempts + 1 WHERE id = ?", at, id));
    }

    @Override
    public void failed(long id, long nextAt, String error) {
        db.tx(c -> Sql.update(c, "UPDATE instance_operations SET next_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
                nextAt, Sql.cut(error, 1000), id));
    }

    @Override
    public long pending() {
        return db.tx(c -> Sql.one(c, "SELECT COUNT(*) FROM instance_operations WHERE done_at IS NULL"));
    }
}
