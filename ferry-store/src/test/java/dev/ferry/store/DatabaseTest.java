package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.SQLException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DatabaseTest {
    @TempDir
    Path dir;

    private Database open(String kind) {
        return kind.equals("h2") ? Database.openH2(dir, 4)
                : Database.open(TestPostgres.newDatabaseUrl(), null, null, 4);
    }

    @org.junit.jupiter.api.Test
    void anH2FileThatGrewWhileOpenIsCompactedWhenItIsClosed() throws Exception {
        Path file = dir.resolve("ferry.mv.db");
        long open;
        try (Database db = Database.openH2(dir, 2)) {
            for (int k = 0; k < 300; k++) {
                int n = k;
                db.tx(c -> c.prepareStatement("INSERT INTO audit (at, actor, action, outcome, detail) VALUES (" + n
                        + ", 'a', 'b', 'ok', '" + "x".repeat(1500) + "')").executeUpdate());
            }
            open = java.nio.file.Files.size(file);
        }
        long closed = java.nio.file.Files.size(file);
        assertThat(closed).isLessThan(open);
        try (Database db = Database.openH2(dir, 2)) {
            long rows = db.<Long>tx(c -> {
                var rs = c.prepareStatement("SELECT COUNT(*) FROM audit").executeQuery();
                rs.next();
                return rs.getLong(1);
            });
            assertThat(rows).isEqualTo(300);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void migratesTheSchemaAndRollsBackAFailedTransaction(String kind) {
        try (Database db = open(kind)) {
            assertThat(db.postgres()).isEqualTo(kind.equals("postgres"));
            db.tx(c -> c.prepareStatement("INSERT INTO tokens (token_hash, name, role, tenant, created_at) VALUES ('h1', 'n', 'operator', NULL, 1)").executeUpdate());
            assertThatThrownBy(() -> db.tx(c -> {
                c.prepareStatement("INSERT INTO tokens (token_hash, name, role, tenant, created_at) VALUES ('h2', 'n', 'operator', NULL, 1)").executeUpdate();
                return c.prepareStatement("INSERT INTO tokens (token_hash, name, role, tenant, created_at) VALUES ('h1', 'n', 'operator', NULL, 1)").executeUpdate();
            })).isInstanceOf(StoreException.class).matches(e -> Database.duplicateKey((SQLException) e.getCause()));
            int rows = db.tx(c -> {
                var rs = c.prepareStatement("SELECT COUNT(*) FROM tokens").executeQuery();
                rs.next();
                return rs.getInt(1);
            });
            assertThat(rows).isEqualTo(1);
        }
    }
}
