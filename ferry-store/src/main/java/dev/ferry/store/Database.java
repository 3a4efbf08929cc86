package dev.ferry.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Ferry's database: an H2 file under a data directory by default, PostgreSQL by JDBC URL in
 * production. Opening it migrates the one schema with Flyway. Work runs in transactions
 * ({@link #tx}); a transaction that loses a serialization or deadlock race is retried. The
 * controller reaches it through the stores ({@link Stores}), never with SQL of its own.
 * Thread-safe (a HikariCP pool).
 */
public final class Database implements AutoCloseable {
    /** A unit of work on a connection inside a transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private static final int RETRIES = 5;

    private final HikariDataSource pool;
    private final boolean postgres;

    private Database(HikariDataSource pool, boolean postgres) {
        this.pool = pool;
        this.postgres = postgres;
    }

    /**
     * The embedded default: an H2 file database {@code ferry.mv.db} in {@code directory}, set up so
     * that a committed transaction survives {@code kill -9} of the process: WRITE_DELAY=0 writes each
     * commit at once, and REUSE_SPACE=FALSE appends every chunk at the end of the file. With space
     * reuse on, H2 writes chunks into free space in the middle of the file, and after a kill it
     * recovers only the chunks its file header points to, which it rewrites lazily: in our crash
     * test an approval answered 200 was gone after a kill 0.6 s later. The price is a file that
     * grows until H2 compacts it when the database is closed (docs/server.md).
     */
    public static String h2Url(Path directory) {
        return "jdbc:h2:file:" + directory.toAbsolutePath().resolve("ferry") + ";WRITE_DELAY=0;REUSE_SPACE=FALSE;LOCK_TIMEOUT=10000";
    }

    /** H2 files larger than this are compacted before they are opened (after a crash there was no compaction on close). */
    static final long COMPACT_ABOVE_BYTES = 64L << 20;

    /**
     * The embedded default, compacted first when the file has grown (H2 keeps growing its file while
     * it is open, and a killed process never compacted it).
     */
    public static Database openH2(Path directory, int poolSize) {
        Path file = directory.toAbsolutePath().resolve("ferry.mv.db");
        try {
            if (java.nio.file.Files.size(file) > COMPACT_ABOVE_BYTES) {
                try (Connection c = java.sql.DriverManager.getConnection(h2Url(directory)); var st = c.createStatement()) {
                    st.execute("SHUTDOWN COMPACT");
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // a new database
        } catch (java.io.IOException | SQLException e) {
            throw new IllegalStateException("could not compact " + file + ": " + e.getMessage(), e);
        }
        try {
            return open(h2Url(directory), null, null, poolSize);
        } catch (RuntimeException e) {
            if (inUse(e)) {
                throw new IllegalStateException("the H2 database " + file + " is in use by another process (another ferry server?):"
                        + " H2 serves one controller; run several controllers on PostgreSQL (--jdbc-url, docs/operations.md)", e);
            }
            throw e;
        }
    }

    /** H2's "database may be already in use" (error 90020): another process holds the file's lock. */
    private static boolean inUse(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getErrorCode() == 90020) {
                return true;
            }
        }
        return false;
    }

    /**
     * How long PostgreSQL waits on a client inside a transaction, by default, before it ends the
     * client's session (and so its locks): see {@link #open(String, String, String, int, java.time.Duration)}.
     */
    public static final java.time.Duration CLIENT_SILENCE = java.time.Duration.ofSeconds(5);

    public static Database open(String jdbcUrl, String user, String password, int poolSize) {
        return open(jdbcUrl, user, password, poolSize, CLIENT_SILENCE);
    }

    /**
     * Opens a database by JDBC URL. On PostgreSQL each connection is set up so that a transaction
     * whose client has said nothing for {@code clientSilence} is ended by the server
     * ({@code idle_in_transaction_session_timeout}): a controller frozen inside a transaction (a
     * stall, a long pause) would otherwise hold the lease row it fences its writes with, and no
     * standby could ever take over. A controller passes a time of the order of its lease: a frozen
     * leader loses its locks soon after its lease. (H2 is opened by one process only.)
     */
    public static Database open(String jdbcUrl, String user, String password, int poolSize, java.time.Duration clientSilence) {
        HikariConfig config = new HikariConfig();
        boolean postgres = jdbcUrl.startsWith("jdbc:postgresql:");
        if (postgres) {
            // a startup option of each connection (the driver's "options"): a SET as HikariCP's init SQL would run inside a
            // transaction left open (autocommit is off), which this very timeout would then end
            config.addDataSourceProperty("options", "-c idle_in_transaction_session_timeout=" + Math.max(1, clientSilence.toMillis()));
        }
        config.setJdbcUrl(jdbcUrl);
        if (user != null) {
            config.setUsername(user);
        }
        if (password != null) {
            config.setPassword(password);
        }
        config.setMaximumPoolSize(poolSize);
        config.setConnectionTimeout(5_000); // an unavailable database answers 503 in seconds, not half a minute
        config.setPoolName("ferry");
        config.setAutoCommit(false);
        config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        HikariDataSource pool = new HikariDataSource(config);
        try {
            Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return new Database(pool, postgres);
    }

    /** Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. */
    public <T> T tx(Work<T> work) {
        SQLException last = null;
        for (int attempt = 0; attempt < RETRIES; attempt++) {
            try (Connection c = pool.getConnection()) {
                try {
                    T result = work.run(c);
                    c.commit();
                    return result;
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                }
            } catch (SQLException e) {
                if (!retryable(e)) {
                    throw new StoreException(e);
                }
                last = e;
            }
        }
        throw new StoreException(last);
    }

    /** Serialization failures, deadlocks and lock timeouts: the transaction may succeed when run again. */
    static boolean retryable(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.equals("40001") || state.equals("40P01") || state.equals("HYT00"));
    }

    /** True when {@code e} is a primary-key or unique violation (the row exists already). */
    public static boolean duplicateKey(SQLException e) {
        String state = e.getSQLState();
        return state != null && state.equals("23505");
    }

    public boolean postgres() {
        return postgres;
    }

    public DataSource dataSource() {
        return pool;
    }

    /** Closes the pool; an H2 database is compacted on the way (it grows while open). */
    @Override
    public void close() {
        if (!postgres && !pool.isClosed()) {
            try (Connection c = pool.getConnection(); var st = c.createStatement()) {
                st.execute("SHUTDOWN COMPACT");
            } catch (SQLException | RuntimeException e) {
                // closed anyway; the next start compacts a large file
            }
        }
        pool.close();
    }
}
