package dev.ferry.server;

import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Fleet;
import dev.ferry.formats.AdvisoryReader;
import dev.ferry.store.AdvisoryStore;
import dev.ferry.store.Audit;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/** Registered advisories (advisory/v1 documents) and the hosts they affect. Thread-safe. */
public final class Advisories {
    /** An advisory as stored, with the hosts of the current inventory it affects. */
    public record Registered(Advisory advisory, List<String> affectedHosts, long createdAt) {
    }

    private final AdvisoryStore store;
    private final Inventory inventory;
    private final InstantSource clock;
    private List<Advisory> cache;

    public Advisories(AdvisoryStore store, Inventory inventory, InstantSource clock) {
        this.store = store;
        this.inventory = inventory;
        this.clock = clock;
    }

    public Registered register(byte[] body, Principal who, String requestId) {
        Advisory a = Uploads.read(body, "request body", new AdvisoryReader()::read);
        Inventory.Current current = inventory.current();
        List<String> affected = affected(a, current.fleet());
        long now = clock.millis();
        boolean registered = store.register(new AdvisoryStore.Advisory(a.id(), a.title(), new String(body, StandardCharsets.UTF_8),
                affected.size(), now), new Audit(now, who.actor(), requestId, "advisory.register", a.id(),
                affected.size() + " hosts affected in inventory version " + current.version()));
        if (!registered) {
            throw Refused.conflict("advisory " + a.id() + " is registered already");
        }
        invalidate();
        return new Registered(a, affected, now);
    }

    public Registered get(String id) {
        AdvisoryStore.Advisory stored = store.get(id).orElseThrow(() -> Refused.notFound("advisory"));
        Advisory a = parse(stored);
        return new Registered(a, affected(a, inventory.current().fleet()), stored.createdAt());
    }

    private static Advisory parse(AdvisoryStore.Advisory stored) {
        return Uploads.read(stored.document().getBytes(StandardCharsets.UTF_8), "stored advisory " + stored.id(),
                new AdvisoryReader()::read);
    }

    /** Every registered advisory (cached; a registration refreshes it). */
    public synchronized List<Advisory> all() {
        if (cache == null) {
            List<Advisory> out = new ArrayList<>();
            for (String id : ids()) {
                // not get(): that reads the inventory, whose lock may be held by our caller
                store.get(id).ifPresent(s -> out.add(parse(s)));
            }
            cache = List.copyOf(out);
        }
        return cache;
    }

    private synchronized void invalidate() {
        cache = null;
    }

    public List<String> ids() {
        return store.ids();
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
