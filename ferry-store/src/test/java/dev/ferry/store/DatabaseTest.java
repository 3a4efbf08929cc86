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
        return kind.equals("h2") ? Database.open(Database.h2Url(dir), null, null, 4)
                : Database.open(TestPostgres.newDatabaseUrl(), null, null, 4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void migratesTheSchemaAndRollsBackAFailedTransaction(String kind) {
        try (Database db = open(kind)) {
            assertThat(db.postgres()).isEqualTo(kind.equals("postgres"));
            db.tx(c -> c.prepareStatement("INSERT INTO tokens VALUES ('h1', 'n', 'operator', NULL, 1)").executeUpdate());
            assertThatThrownBy(() -> db.tx(c -> {
                c.prepareStatement("INSERT INTO tokens VALUES ('h2', 'n', 'operator', NULL, 1)").executeUpdate();
                return c.prepareStatement("INSERT INTO tokens VALUES ('h1', 'n', 'operator', NULL, 1)").executeUpdate();
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
