package dev.ferry.store.jdbc;

import dev.ferry.store.Database;
import dev.ferry.store.SettingsStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Base64;
import java.util.function.Supplier;

/** {@link SettingsStore} over the settings table. */
final class JdbcSettingsStore implements SettingsStore {
    private final Database db;

    JdbcSettingsStore(Database db) {
        this.db = db;
    }

    @Override
    public byte[] secret(String name, Supplier<byte[]> create) {
        return db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT setting_value FROM settings WHERE name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return Base64.getDecoder().decode(rs.getString(1));
                    }
                }
            }
            byte[] k = create.get();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO settings (name, setting_value) VALUES (?, ?)")) {
                ps.setString(1, name);
                ps.setString(2, Base64.getEncoder().encodeToString(k));
                ps.executeUpdate();
            }
            return k;
        });
    }
}
