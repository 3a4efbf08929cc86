package dev.ferry.server;

import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Fleet;
import dev.ferry.formats.AdvisoryReader;
import dev.ferry.store.Database;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/** Registered advisories (advisory/v1 documents) and the hosts they affect. Thread-safe. */
public final class Advisories {
    /** An advisory as stored, with the hosts of the current inventory it affects. */
    public record Registered(Advisory advisory, List<String> affectedHosts, long createdAt) {
    }

    private final Database db;
    private final Inventory inventory;
    private final InstantSource clock;

    public Advisories(Database db, Inventory inventory, InstantSource clock) {
        this.db = db;
        this.inventory = inventory;
        this.clock = clock;
    }

    public Registered register(byte[] body, Principal who, String requestId) {
        Advisory a = Uploads.read(body, "request body", new AdvisoryReader()::read);
        List<String> affected = affected(a, inventory.current().fleet());
        long now = clock.millis();
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO advisories VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, a.id());
                ps.setString(2, a.title());
                ps.setLong(3, now);
                ps.setInt(4, affected.size());
                ps.setString(5, new String(body, StandardCharsets.UTF_8));
                ps.executeUpdate();
            } catch (java.sql.SQLException e) {
                if (Database.duplicateKey(e)) {
                    throw ApiException.conflict("advisory " + a.id() + " is registered already");
                }
                throw e;
            }
            AuditLog.write(c, now, who.actor(), requestId, "advisory.register", a.id(), true,
                    affected.size() + " hosts affected in inventory version " + inventory.current().version());
            return null;
        });
        invalidate();
        return new Registered(a, affected, now);
    }

    public Registered get(String id) {
        Advisory a = advisory(id);
        return new Registered(a, affected(a, inventory.current().fleet()), createdAt(id));
    }

    private long createdAt(String id) {
        return db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT created_at FROM advisories WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0L;
                }
            }
        });
    }

    private Advisory advisory(String id) {
        Object[] row = db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT document, created_at FROM advisories WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? new Object[] {rs.getString(1), rs.getLong(2)} : null;
                }
            }
        });
        if (row == null) {
            throw ApiException.notFound("advisory");
        }
        return Uploads.read(((String) row[0]).getBytes(StandardCharsets.UTF_8), "stored advisory " + id,
                new AdvisoryReader()::read);
    }

    /** Every registered advisory (cached; a registration refreshes it). */
    public synchronized List<Advisory> all() {
        if (cache == null) {
            List<Advisory> out = new ArrayList<>();
            for (String id : ids()) {
                out.add(advisory(id)); // not get(): that reads the inventory, whose lock may be held by our caller
            }
            cache = List.copyOf(out);
        }
        return cache;
    }

    private List<Advisory> cache;

    private synchronized void invalidate() {
        cache = null;
    }

    public List<String> ids() {
        return db.tx(c -> {
            List<String> out = new ArrayList<>();
            try (ResultSet rs = c.prepareStatement("SELECT id FROM advisories ORDER BY id").executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        });
    }

    static List<String> affected(Advisory a, Fleet fleet) {
        List<String> out = new ArrayList<>();
        for (var h : fleet.hosts()) {
            if (a.affects(h)) {
                out.add(h.id());
            }
        }
        return out;
    }
}
